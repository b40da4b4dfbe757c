"""Writes of the accounts app: the sessions a user signs in with, and signing out everywhere."""

from importlib import import_module

from django.conf import settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import UserSession

SESSIONS_KEPT = 50  # a user's most recent sign-ins that "sign out everywhere" can end


def user_session_record(*, user, session_key: str) -> None:
    """Remember a session `user` signed in with (bounded: the oldest beyond SESSIONS_KEPT are forgotten)."""
    UserSession.objects.get_or_create(session_key=session_key, defaults={"user": user})
    old = UserSession.objects.filter(user=user).order_by("-created", "-pk").values_list("pk", flat=True)[SESSIONS_KEPT:]
    UserSession.objects.filter(pk__in=list(old)).delete()


def user_sign_out_everywhere(*, user) -> int:
    """End every site session and revoke every refresh token of `user` (access tokens run out within
    ACCESS_TOKEN_LIFETIME). Returns how many sessions and tokens were ended."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(user=user).delete()
    tokens = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    revoked = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in tokens], ignore_conflicts=True
    )
    return len(keys) + len(revoked)
