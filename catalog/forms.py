"""HTML forms for the catalog. They check the shape of input; the rules
(who may assign which team, which status may follow which) are in services."""

from django import forms

from . import queries
from .models import DataProduct, Domain


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


class ProductForm(forms.ModelForm):
    tags = TagsField(required=False)

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
            allowed = [product.status, *product.allowed_next_statuses()]
        else:
            allowed = [DataProduct.Status.DRAFT, DataProduct.Status.PUBLISHED]
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
