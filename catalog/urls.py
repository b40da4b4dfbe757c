from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("items/", views.ItemListView.as_view(), name="item-list"),
]
