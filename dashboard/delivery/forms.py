"""The Sent reports page's forms for staff: send a period now, create a share link."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from dashboard.delivery.models import ReportSchedule

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SendNowForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), input_formats=["%Y-%m-%d"], widget=_DATE)
    end = forms.DateField(label=gettext_lazy("To"), input_formats=["%Y-%m-%d"], widget=_DATE)
    compare = forms.ChoiceField(label=gettext_lazy("Compare with"), choices=ReportSchedule.Compare.choices)


class ShareLinkForm(forms.Form):
    period = forms.CharField(required=False, widget=forms.HiddenInput)
    start = forms.CharField(required=False, widget=forms.HiddenInput)
    end = forms.CharField(required=False, widget=forms.HiddenInput)
    compare = forms.CharField(required=False, widget=forms.HiddenInput)
    days = forms.IntegerField(label=gettext_lazy("Valid for (days)"), min_value=1, max_value=366)
    note = forms.CharField(label=gettext_lazy("Note (who it is for)"), required=False, max_length=200)
