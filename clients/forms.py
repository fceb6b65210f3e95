"""Forms of the clients app (password reset, invitations, CSV upload, bulk assignment)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.db.models import Q
from django.utils.translation import gettext_lazy

from clients.models import Client, MappingRule
from clients.rules import validate_pattern
from clients.validators import split_emails, timezone_choices, validate_email_list


class ClientPasswordResetForm(PasswordResetForm):
    """Django's form, but an invited client user who never set a password may also ask for a link.

    Django skips users with an unusable password (they may log in some other way). Ours are client users
    whose invitation link expired: a fresh link is exactly what they need.
    """

    def get_users(self, email: str) -> Iterator[Any]:
        User = get_user_model()
        email_field = User.get_email_field_name()
        users = User._default_manager.filter(Q(**{f"{email_field}__iexact": email, "is_active": True})).select_related(
            "client_membership"
        )
        for user in users:
            if user.has_usable_password() or hasattr(user, "client_membership"):
                yield user


class ClientAdminForm(forms.ModelForm):
    contact_emails_text = forms.CharField(
        label=gettext_lazy("Contact e-mails"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=gettext_lazy("One address per line (or separated by commas). Reports are sent to them."),
    )
    timezone = forms.ChoiceField(label=gettext_lazy("Time zone"), choices=timezone_choices, initial="UTC")

    class Meta:
        model = Client
        fields = [
            "name", "slug", "is_active", "language", "timezone", "logo", "brand_color", "activity_shown_to_client",
            "notes",
        ]  # fmt: skip
        widgets = {"brand_color": forms.TextInput(attrs={"type": "color"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["contact_emails_text"].initial = "\n".join(self.instance.contact_email_list)

    def clean_contact_emails_text(self) -> list[str]:
        emails = split_emails(self.cleaned_data.get("contact_emails_text") or "")
        validate_email_list(emails)
        return emails

    def save(self, commit: bool = True) -> Client:
        self.instance.contact_emails = self.cleaned_data["contact_emails_text"]
        return super().save(commit=commit)


class MappingRuleForm(forms.ModelForm):
    class Meta:
        model = MappingRule
        fields = ["client", "kind", "pattern", "priority", "is_active"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        kind, pattern = cleaned.get("kind"), cleaned.get("pattern")
        if kind and pattern is not None:
            try:
                cleaned["pattern"] = validate_pattern(kind=kind, pattern=pattern)
            except forms.ValidationError as exc:
                self.add_error("pattern", exc)
        return cleaned


class AssignToClientForm(forms.Form):
    client = forms.ModelChoiceField(
        queryset=Client.objects.filter(is_active=True),
        empty_label=gettext_lazy("— choose a client —"),
        label=gettext_lazy("Client"),
    )


class InviteClientUserForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail address"), max_length=150)


class ImportClientsForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("UTF-8, header row client,contact_email,rule_kind,pattern."),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: check the file and show what would change"), required=False
    )
