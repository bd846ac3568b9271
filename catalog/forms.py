"""HTML forms for the catalog. They check the shape of input; the rules
(who may assign which team, which status may follow which) are in services."""

from django import forms
from django.conf import settings

from . import queries
from .models import DataProduct, Domain, ServiceLevelObjective
from .services import InputSpec
from .tags import TagLimitError, clean_tags


class TagsField(forms.CharField):
    """Tags typed as a comma-separated list."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Comma-separated, e.g. streaming, listening, daily.")
        kwargs.setdefault("max_length", 1000)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return ", ".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        return [tag.strip().lower() for tag in text.split(",") if tag.strip()]

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        try:
            clean_tags(value)
        except TagLimitError as error:
            raise forms.ValidationError(str(error)) from None


class InputsField(forms.CharField):
    """A product's declared inputs, one a line: `product-slug` (all its ports),
    `product-slug/port-name`, or an external dataset as `namespace name`."""

    widget = forms.Textarea(attrs={"rows": 4})

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            "One a line: a data product's slug (all its ports), slug/port-name, "
            "or an external dataset as its OpenLineage namespace and name, e.g. postgres://crm:5432 public.customers.",
        )
        kwargs.setdefault("max_length", 100_000)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return "\n".join(
                f"{spec.namespace} {spec.name}" if spec.namespace else "/".join(filter(None, [spec.product, spec.port]))
                for spec in value
            )
        return value

    def to_python(self, value) -> list[InputSpec]:
        specs = []
        for number, line in enumerate((super().to_python(value) or "").splitlines(), start=1):
            words = line.split()
            if not words:
                continue
            if len(words) == 2:
                specs.append(InputSpec(namespace=words[0], name=words[1]))
            elif len(words) == 1:
                product, _, port = words[0].partition("/")
                specs.append(InputSpec(product=product, port=port))
            else:
                raise forms.ValidationError(f"Line {number}: write a product slug, slug/port, or namespace and name.")
        return specs


class ProductForm(forms.ModelForm):
    tags = TagsField(required=False)
    inputs = InputsField(required=False, label="Inputs (lineage)")

    class Meta:
        model = DataProduct
        fields = [
            "name", "slug", "summary", "description", "domain", "owner_team", "kind", "status", "version",
            "classification", "contains_pii", "tags", "terms_of_use", "documentation_url",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 10}),
            "terms_of_use": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "owner_team": "The team whose members may edit this product. Only your teams are listed.",
            "status": "Draft products are visible to the owning team only.",
            "classification": "Confidential and restricted products need a steward's approval for access.",
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_team"].queryset = queries.teams_of(user)
        self.fields["domain"].queryset = Domain.objects.order_by("name")
        product = self.instance
        if product.pk:
            self.fields["slug"].disabled = True
            self.fields["slug"].help_text = "The slug is part of the product's address and cannot change."
            self.initial["tags"] = [tag.name for tag in product.tags.all()]
            self.initial["inputs"] = [
                InputSpec(product=node.port.product.slug, port=node.port.name) if node.port_id else InputSpec(namespace=node.namespace, name=node.name)
                for node in queries.declared_inputs(user, product)
            ]
            allowed = [product.status, *product.allowed_next_statuses()]
        else:
            allowed = [DataProduct.Status.DRAFT, DataProduct.Status.PUBLISHED]
            del self.fields["inputs"]  # lineage edges end at output ports, which a new product has none of yet
        self.fields["status"].choices = [(value, label) for value, label in DataProduct.Status.choices if value in allowed]
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}_help"

    def validate_unique(self):
        """Uniqueness is checked by services.create_product, with its own message."""

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        if self.instance.pk:
            data.pop("slug", None)
        return data


class LineageForm(forms.Form):
    """The lineage tab's controls (a GET form)."""

    direction = forms.ChoiceField(
        choices=[("both", "Both"), ("upstream", "Upstream"), ("downstream", "Downstream")], required=False, initial="both"
    )
    depth = forms.IntegerField(min_value=1, max_value=queries.LINEAGE_MAX_DEPTH, required=False, initial=3)

    def view(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {"direction": data.get("direction") or "both", "depth": data.get("depth") or 3}


# --- service level objectives and samples ----------------------------------------


class SLOForm(forms.Form):
    """One objective on the product's edit page. Empty extra rows are ignored."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # An initial value, so that an untouched empty row (the browser sends the
    # first option) does not count as changed and is ignored.
    indicator = forms.ChoiceField(choices=ServiceLevelObjective.Indicator.choices, initial=ServiceLevelObjective.Indicator.FRESHNESS)
    name = forms.CharField(max_length=120, required=False, help_text="Required for a custom indicator.")
    port = forms.ChoiceField(required=False, help_text="Empty: the whole product.")
    operator = forms.ChoiceField(
        choices=[("", "indicator's default"), *ServiceLevelObjective.Operator.choices], required=False,
        help_text="Freshness, error rate and latency: at most; availability and completeness: at least.",
    )
    threshold = forms.FloatField(help_text="e.g. 6 (hours of freshness), 99.9 (% availability), 250 (ms latency).")
    unit = forms.ChoiceField(
        choices=[("default", "indicator's default"), *ServiceLevelObjective.Unit.choices], required=False, initial="default",
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
            "id": slo.pk, "indicator": slo.indicator, "name": slo.name, "port": slo.port.name if slo.port_id else "",
            "operator": slo.operator, "threshold": slo.threshold, "unit": slo.unit, "target": slo.target,
            "window_days": slo.window_days, "description": slo.description,
        }


SLOFormSet = forms.formset_factory(SLOForm, extra=1, can_delete=True, max_num=30, absolute_max=30, validate_max=True)


class SampleForm(forms.Form):
    """A port's sample rows: a CSV or JSON file, or pasted text."""

    file = forms.FileField(required=False, help_text="CSV with a header row, or JSON: a list of objects.")
    text = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}), label="…or paste the rows",
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
