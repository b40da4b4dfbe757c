from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.views import SignUpView
from explanations.views import HomeView
from recommendations.views import ItemDetailView
from recsite.health import HealthView

handler500 = "common.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/signup/", SignUpView.as_view(), name="signup"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include("recsite.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("health/", HealthView.as_view(), name="health"),
    path("", HomeView.as_view(), name="home"),
    # The item page shows what several apps know of an item (Item.get_absolute_url names it).
    path("items/<int:pk>/", ItemDetailView.as_view(), name="item-detail"),
    path("", include("feedback.urls")),
    path("", include("catalog.urls")),
]
