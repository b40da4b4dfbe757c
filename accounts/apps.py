from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Sign-up, API tokens, the signed-in user, and the user lookup the commands share (Django's own User)."""

    name = "accounts"
