from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from recommendations.views import HomeView
from recsite.api import HealthView
from recsite.views import SignUpView

handler500 = "recsite.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/signup/", SignUpView.as_view(), name="signup"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include("recsite.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("health/", HealthView.as_view(), name="health"),
    path("", HomeView.as_view(), name="home"),
    path("", include("feedback.urls")),
    path("", include("catalog.urls")),
]
