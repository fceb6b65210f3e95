"""Password reset for client users (Django's views with our form, the agency as sender, and limits), and the
logos for logged-in users."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_safe

from clients import rate_limits
from clients.access import get_client_for_user
from clients.email import email_sender
from clients.forms import ClientPasswordResetForm
from clients.logos import logo_response
from clients.models import AgencyBranding

logger = logging.getLogger(__name__)


class PasswordResetView(auth_views.PasswordResetView):
    # Django's auth views are already marked login_not_required (LoginRequiredMiddleware lets them through).
    form_class = ClientPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Every request counts against its visitor, valid or not (clients.rate_limits).
        if not rate_limits.allow_visitor(request):
            logger.warning("Password reset refused: too many requests from %s", rate_limits.visitor_key(request))
            context = self.get_context_data(form=self.get_form(), too_many_requests=True)
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(rate_limits.seconds_left_in_window())
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: ClientPasswordResetForm) -> HttpResponse:
        if not rate_limits.allow_email(form.cleaned_data["email"]):
            # The page a sent mail leads to, so the limit tells nothing about the address.
            logger.warning("Password reset mail not sent: too many requests for one address this hour")
            return HttpResponseRedirect(self.get_success_url())
        # Read per request: the branding is edited in the admin, not fixed when the URLconf loads.
        self.from_email, _reply_to = email_sender()
        self.extra_email_context = {"agency": AgencyBranding.get()}
        return super().form_valid(form)


@require_safe
def client_logo(request: HttpRequest, slug: str) -> HttpResponse:
    """The client's logo: for staff and the client's own users (404 for everyone else, as every client URL)."""
    client = get_client_for_user(request.user, slug)
    return logo_response(request, client.logo)


@require_safe
def agency_logo(request: HttpRequest) -> HttpResponse:
    """The agency's logo, for every logged-in user (LoginRequiredMiddleware sends others to the login page)."""
    return logo_response(request, AgencyBranding.get().logo)
