from django import forms
from django.conf import settings

from .models import ServiceLevelObjective


class SLOForm(forms.Form):
    """One objective on the product's edit page. Empty extra rows are ignored."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # An initial value, so that an untouched empty row (the browser sends the
    # first option) does not count as changed and is ignored.
    indicator = forms.ChoiceField(choices=ServiceLevelObjective.Indicator.choices, initial=ServiceLevelObjective.Indicator.FRESHNESS)
    name = forms.CharField(max_length=120, required=False, help_text="Required for a custom indicator.")
    port = forms.ChoiceField(required=False, help_text="Empty: the whole product.")
    operator = forms.ChoiceField(
        choices=[("", "indicator's default"), *ServiceLevelObjective.Operator.choices],
        required=False,
        help_text="Freshness, error rate and latency: at most; availability and completeness: at least.",
    )
    threshold = forms.FloatField(help_text="e.g. 6 (hours of freshness), 99.9 (% availability), 250 (ms latency).")
    unit = forms.ChoiceField(
        choices=[("default", "indicator's default"), *ServiceLevelObjective.Unit.choices],
        required=False,
        initial="default",
    )
    target = forms.FloatField(label="Target (%)", min_value=0.001, max_value=100, help_text="Share of good measurements, e.g. 99.5.")
    window_days = forms.IntegerField(label="Window (days)", min_value=1, max_value=365, initial=28)
    description = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, ports=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["port"].choices = [("", "whole product"), *[(port.name, port.name) for port in ports]]

    def service_arguments(self, product) -> dict:
        data = dict(self.cleaned_data)
        data.pop("id", None)
        data.pop("DELETE", None)
        data["port"] = product.output_ports.filter(name=data["port"]).first() if data["port"] else None
        data["unit"] = None if data["unit"] in ("default", None) else data["unit"]
        return data

    @classmethod
    def initial_for(cls, slo: ServiceLevelObjective) -> dict:
        return {
            "id": slo.pk,
            "indicator": slo.indicator,
            "name": slo.name,
            "port": slo.port.name if slo.port_id else "",
            "operator": slo.operator,
            "threshold": slo.threshold,
            "unit": slo.unit,
            "target": slo.target,
            "window_days": slo.window_days,
            "description": slo.description,
        }


SLOFormSet = forms.formset_factory(SLOForm, extra=1, can_delete=True, max_num=30, absolute_max=30, validate_max=True)


class SampleForm(forms.Form):
    """A port's sample rows: a CSV or JSON file, or pasted text."""

    file = forms.FileField(required=False, help_text="CSV with a header row, or JSON: a list of objects.")
    text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        label="…or paste the rows",
        help_text="The same formats as the file. Columns must be fields of the port's schema.",
    )

    def clean(self):
        data = super().clean()
        if not data.get("file") and not (data.get("text") or "").strip():
            raise forms.ValidationError("Choose a file or paste the rows.")
        if data.get("file") and data["file"].size > settings.SAMPLE_MAX_BYTES:
            self.add_error("file", f"A sample may be at most {settings.SAMPLE_MAX_BYTES:,} bytes.")
        return data

    def upload(self) -> tuple[bytes, str]:
        """The content and file name to hand to services.upload_sample."""
        if self.cleaned_data.get("file"):
            upload = self.cleaned_data["file"]
            return upload.read(), upload.name
        return self.cleaned_data["text"].encode(), ""
