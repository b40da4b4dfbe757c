from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("items/", views.ItemListView.as_view(), name="item-list"),
    path("covers/<int:pk>.svg", views.item_cover, name="cover"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin, the API docs).
    path("favicon.ico", views.favicon, name="favicon"),
]
