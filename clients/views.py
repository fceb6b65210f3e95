"""Password reset for client users (Django's views with our form and the agency as sender)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpResponse

from clients.email import email_sender
from clients.forms import ClientPasswordResetForm
from clients.models import AgencyBranding


class PasswordResetView(auth_views.PasswordResetView):
    # Django's auth views are already marked login_not_required (LoginRequiredMiddleware lets them through).
    form_class = ClientPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form: ClientPasswordResetForm) -> HttpResponse:
        # Read per request: the branding is edited in the admin, not fixed when the URLconf loads.
        self.from_email, _reply_to = email_sender()
        self.extra_email_context = {"agency": AgencyBranding.get()}
        return super().form_valid(form)
