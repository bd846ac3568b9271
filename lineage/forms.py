from django import forms

from . import queries
from .services import InputSpec


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
                f"{spec.namespace} {spec.name}" if spec.namespace else "/".join(filter(None, [spec.product, spec.port])) for spec in value
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


class LineageForm(forms.Form):
    """The lineage tab's controls (a GET form)."""

    direction = forms.ChoiceField(
        choices=[("both", "Both"), ("upstream", "Upstream"), ("downstream", "Downstream")], required=False, initial="both"
    )
    depth = forms.IntegerField(min_value=1, max_value=queries.LINEAGE_MAX_DEPTH, required=False, initial=3)

    def view(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {"direction": data.get("direction") or "both", "depth": data.get("depth") or 3}
