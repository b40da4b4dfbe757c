"""/accounts/: Django's auth views, with the sign-in and the password reset's first two steps replaced by
accounts.views (the reset only where mail is configured). The same names, so {% url %} and limits match."""

from django.urls import include, path

from accounts.views import LoginView, PasswordResetDoneView, PasswordResetView, SignOutEverywhereView

urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("sign-out-everywhere/", SignOutEverywhereView.as_view(), name="sign-out-everywhere"),
    path("password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("password_reset/done/", PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("", include("django.contrib.auth.urls")),  # the rest: logout, reset confirm and complete, password change
]
