"""The product list's filters, shared by the HTML list and the API."""

import django_filters
from django.db.models import Q

from core.filters import StrictFilterSet

from .models import DataProduct, Domain, SLOStatus, Tag, Team


class ProductFilter(StrictFilterSet):
    q = django_filters.CharFilter(method="filter_text", label="Name or summary contains", max_length=200)
    domain = django_filters.ModelChoiceFilter(queryset=Domain.objects.all(), to_field_name="slug", label="Domain", empty_label="Any domain")
    tag = django_filters.ModelMultipleChoiceFilter(
        queryset=Tag.objects.all(), to_field_name="name", method="filter_tags", label="Tags", help_text="Products with all of these tags."
    )
    classification = django_filters.ChoiceFilter(choices=DataProduct.Classification.choices, empty_label="Any classification")
    status = django_filters.ChoiceFilter(choices=DataProduct.Status.choices, empty_label="Any status")
    kind = django_filters.ChoiceFilter(choices=DataProduct.Kind.choices, empty_label="Any kind")
    owner_team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.all(), to_field_name="slug", label="Owning team", empty_label="Any team"
    )
    slo_status = django_filters.ChoiceFilter(choices=SLOStatus.choices, label="SLO status", empty_label="Any SLO status")
    sort = django_filters.OrderingFilter(
        fields=(("name", "name"), ("created_at", "created"), ("updated_at", "updated")),
        field_labels={"name": "Name", "created_at": "Newest", "updated_at": "Recently updated"},
        label="Sort",
        empty_label="Name",
    )

    class Meta:
        model = DataProduct
        fields = ["q", "domain", "tag", "classification", "status", "kind", "owner_team", "slo_status"]

    # With a type hint drf-spectacular documents `tag` as a string (a tag's name) instead of warning that it cannot guess.
    def filter_tags(self, queryset, name, value: list[Tag]):
        for tag in value:
            queryset = queryset.filter(tags=tag)
        return queryset

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(summary__icontains=value) | Q(slug__icontains=value))
