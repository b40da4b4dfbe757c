"""Sign-up for the site; signing in, out and the password reset are Django's own views, the reset only
where mail can reach people (RECSITE_PASSWORD_RESET)."""

from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.generic import CreateView, View

from accounts.services import user_sign_out_everywhere


class SignUpView(CreateView):
    form_class = UserCreationForm
    template_name = "registration/signup.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        login(self.request, self.object, backend="django.contrib.auth.backends.ModelBackend")
        return response


class LoginView(auth_views.LoginView):
    """Django's sign-in, offering "Forgot your password?" only where the reset can send its mail."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"password_reset_available": settings.RECSITE_PASSWORD_RESET}


class PasswordResetAvailableMixin:
    """Without mail (production with no EMAIL_URL or EMAIL_HOST) the reset would log a failure and still
    say "we've emailed you instructions": say plainly that it is unavailable instead, as a 404."""

    def dispatch(self, request, *args, **kwargs):
        if not settings.RECSITE_PASSWORD_RESET:
            return render(request, "registration/password_reset_unavailable.html", status=404)
        return super().dispatch(request, *args, **kwargs)


class PasswordResetView(PasswordResetAvailableMixin, auth_views.PasswordResetView):
    pass


class PasswordResetDoneView(PasswordResetAvailableMixin, auth_views.PasswordResetDoneView):
    pass


class SignOutEverywhereView(LoginRequiredMixin, View):
    """POST: end every session and API token of the signed-in user, this one too, then the sign-in page."""

    def post(self, request):
        user = request.user
        logout(request)
        user_sign_out_everywhere(user=user)
        return redirect("login")
