from django import forms

from .models import ApiToken
from .services import DEFAULT_EXPIRY_DAYS, MAX_EXPIRY_DAYS


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. “nightly OpenLineage export”. Unique among your tokens.")
    expires_in_days = forms.IntegerField(
        label="Expires in (days)",
        min_value=1,
        max_value=MAX_EXPIRY_DAYS,
        initial=DEFAULT_EXPIRY_DAYS,
        help_text=f"{DEFAULT_EXPIRY_DAYS} days unless you need longer; at most {MAX_EXPIRY_DAYS} (a year). Create a new one before it runs out.",
    )
    scope = forms.ChoiceField(
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
        help_text="Read-only tokens may only read (GET); POST, PUT, PATCH and DELETE are refused with a 403. "
        "An OpenLineage producer needs read and write.",
    )
