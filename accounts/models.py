from django.conf import settings
from django.db import models


class UserSession(models.Model):
    """A site session a user signed in with, so "sign out everywhere" can end them all (the session store
    cannot be searched by user). Recorded at sign-in; a user's oldest beyond SESSIONS_KEPT are forgotten."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="site_sessions")
    session_key = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"session of {self.user_id}"
