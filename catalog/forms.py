"""HTML forms for the catalog. They check the shape of input; the rules
(who may assign which team, which status may follow which) are in services."""

from django import forms

from . import queries
from .models import DataProduct, Domain
from .services import InputSpec


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
        if len(value) > 20:
            raise forms.ValidationError("Use at most 20 tags.")
        for tag in value:
            if len(tag) > 50:
                raise forms.ValidationError(f"Tag {tag[:20]!r}… is longer than 50 characters.")


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
