from django.contrib import admin
from django.urls import include, path, re_path

from accounts.views import SignUpView
from common.api import NotFoundView, SchemaDocsView, SchemaView
from explanations.views import HomeView
from recommendations.views import ItemDetailView
from recsite.health import HealthLiveView, HealthReportView, HealthView

handler500 = "common.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/signup/", SignUpView.as_view(), name="signup"),
    path("accounts/", include("accounts.urls")),  # Django's auth views, some replaced (accounts/urls.py)
    path("api/v1/", include("recsite.api_urls")),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    # Swagger UI from drf-spectacular-sidecar; its start-up script is a file of its own (?script), not inline.
    path("api/docs/", SchemaDocsView.as_view(url_name="schema"), name="api-docs"),
    # Any other path under /api/ (/api/, /api/v2/, /api/v1 without its slash): JSON, never an HTML page.
    re_path(r"^api/", NotFoundView.as_view(), name="api-not-found"),
    path("health/", HealthView.as_view(), name="health"),
    path("health/live/", HealthLiveView.as_view(), name="health-live"),
    path("health/detail/", HealthReportView.as_view(), name="health-detail"),
    path("", HomeView.as_view(), name="home"),
    # The item page shows what several apps know of an item (Item.get_absolute_url names it).
    path("items/<int:pk>/", ItemDetailView.as_view(), name="item-detail"),
    path("", include("feedback.urls")),
    path("", include("catalog.urls")),
]
