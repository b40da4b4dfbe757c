"""/api/v1/: every endpoint the apps use. Versioned by path, so a v2 can live beside it."""

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from accounts.api import LoginView, MeView, RefreshView, RegisterView, RevokeView, SignOutEverywhereView
from catalog.api import ItemViewSet
from explanations.api import ExplanationsPageView, ExplanationView, RecommendationsView
from feedback.api import FeedbackViewSet, RatingViewSet
from recommendations.api import SimilarItemsView

app_name = "api"

router = SimpleRouter()
router.register("items", ItemViewSet, basename="item")
router.register("ratings", RatingViewSet, basename="rating")
router.register("feedback", FeedbackViewSet, basename="feedback")

urlpatterns = [
    path("auth/register/", RegisterView.as_view(), name="register"),
    path("auth/token/", LoginView.as_view(), name="token"),
    path("auth/token/refresh/", RefreshView.as_view(), name="token-refresh"),
    path("auth/token/revoke/", RevokeView.as_view(), name="token-revoke"),
    path("auth/sign-out-everywhere/", SignOutEverywhereView.as_view(), name="sign-out-everywhere"),
    path("me/", MeView.as_view(), name="me"),
    path("recommendations/", RecommendationsView.as_view(), name="recommendations"),
    path("explanations/", ExplanationView.as_view(), name="explanation"),
    path("explanations/page/", ExplanationsPageView.as_view(), name="explanations-page"),
    # Any id, as the router's item routes take it: one that is not a number is a JSON 404, not Django's page.
    re_path(r"^items/(?P<id>[^/.]+)/similar/$", SimilarItemsView.as_view(), name="item-similar"),
    *router.urls,
    # Any other path is a JSON 404 (common.api.NotFoundView, last under /api/ in recsite/urls.py).
]
