from django import forms

from catalog import queries as catalog_queries
from catalog.forms import TagsField
from catalog.models import DataProduct, Domain
from lineage import queries as lineage_queries
from lineage.forms import InputsField
from lineage.services import InputSpec


class ProductForm(forms.ModelForm):
    tags = TagsField(required=False)
    inputs = InputsField(required=False, label="Inputs (lineage)")

    class Meta:
        model = DataProduct
        fields = [
            "name",
            "slug",
            "summary",
            "description",
            "domain",
            "owner_team",
            "kind",
            "status",
            "version",
            "classification",
            "contains_pii",
            "tags",
            "terms_of_use",
            "documentation_url",
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
        self.fields["owner_team"].queryset = catalog_queries.teams_of(user)
        self.fields["domain"].queryset = Domain.objects.order_by("name")
        product = self.instance
        if product.pk:
            self.fields["slug"].disabled = True
            self.fields["slug"].help_text = "The slug is part of the product's address and cannot change."
            self.initial["tags"] = [tag.name for tag in product.tags.all()]
            self.initial["inputs"] = [
                InputSpec(product=node.port.product.slug, port=node.port.name)
                if node.port_id
                else InputSpec(namespace=node.namespace, name=node.name)
                for node in lineage_queries.declared_inputs(user, product)
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
        """Uniqueness is checked by catalog.services.create_product, with its own message."""

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        if self.instance.pk:
            data.pop("slug", None)
        return data
