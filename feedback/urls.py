from django.urls import path

from feedback import views

app_name = "feedback"

urlpatterns = [
    path("me/ratings/", views.MyRatingsView.as_view(), name="my-ratings"),
    path("items/<int:pk>/rate/", views.item_rate, name="item-rate"),
    path("items/<int:pk>/rating/delete/", views.item_rating_delete, name="item-rating-delete"),
    path("items/<int:pk>/feedback/", views.item_feedback, name="item-feedback"),
    path("items/<int:pk>/feedback/undo/", views.item_feedback_undo, name="item-feedback-undo"),
]
