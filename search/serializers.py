from rest_framework import serializers

from catalog.models import SLOStatus


class SearchHitSerializer(serializers.Serializer):
    """A search hit: the product's card data and highlighted snippets (safe HTML)."""

    slug = serializers.CharField()
    name = serializers.CharField()
    summary = serializers.CharField()
    url = serializers.SerializerMethodField()
    domain = serializers.CharField()
    domain_name = serializers.CharField()
    owner_team = serializers.CharField()
    status = serializers.CharField()
    kind = serializers.CharField()
    classification = serializers.CharField()
    contains_pii = serializers.BooleanField()
    tags = serializers.ListField(child=serializers.CharField())
    slo_status = serializers.ChoiceField(choices=SLOStatus.choices, help_text="Whether the product meets its service level objectives.")
    score = serializers.FloatField()
    highlights = serializers.DictField(child=serializers.CharField())

    def get_url(self, hit) -> str:
        return self.context["request"].build_absolute_uri(f"/api/v1/products/{hit.slug}/")


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    selected = serializers.BooleanField()


class SearchResultSerializer(serializers.Serializer):
    count = serializers.IntegerField(source="total")
    page = serializers.IntegerField(source="query.page")
    page_size = serializers.IntegerField(source="query.page_size")
    pages = serializers.IntegerField(source="page_count")
    backend = serializers.CharField()
    degraded = serializers.BooleanField()
    corrections = serializers.DictField(child=serializers.CharField())
    results = SearchHitSerializer(source="hits", many=True)
    facets = serializers.DictField(child=FacetValueSerializer(many=True))


class SuggestionSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    domain_name = serializers.CharField()


class SuggestResultSerializer(serializers.Serializer):
    suggestions = SuggestionSerializer(many=True)
    degraded = serializers.BooleanField(
        help_text="True when the search engine did not answer and the database's own suggestions were given."
    )
