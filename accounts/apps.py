from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Sign-up, API tokens, the signed-in user, and the user lookup the commands share (Django's own User)."""

    name = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts.services import user_session_record

        def record(sender, request, user, **kwargs) -> None:
            if request is not None and hasattr(request, "session") and request.session.session_key:
                user_session_record(user=user, session_key=request.session.session_key)

        user_logged_in.connect(record, weak=False, dispatch_uid="accounts-session-record")
