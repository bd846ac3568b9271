"""Shapes of the catalog's JSON. They check input shape only; rules live in services."""

from collections import defaultdict

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.serializers import StrictStrings

from .models import DataProduct, Domain, LogicalType, OutputPort, SchemaField, Team, TeamMembership
from .tags import MAX_TAG_LENGTH, MAX_TAGS, TagLimitError, clean_tags


class SchemaTreeSerializer(serializers.ListSerializer):
    """A port's fields as a tree: the top-level fields, each with its nested
    `fields`, from the port's rows (prefetched: one query for the whole tree)."""

    def to_representation(self, data):
        rows = list(data.all() if hasattr(data, "all") else data)
        children: dict[int | None, list[SchemaField]] = defaultdict(list)
        for row in sorted(rows, key=lambda row: (row.position, row.name)):
            children[row.parent_id].append(row)

        def render(row: SchemaField) -> dict:
            values = self.child.to_representation(row)
            values["fields"] = [render(child) for child in children.get(row.pk, [])]
            return values

        return [render(row) for row in children.get(None, [])]


class SchemaFieldSerializer(StrictStrings, serializers.ModelSerializer):
    """One schema field and its nested `fields` (an object's properties, or
    the properties of an array's items; an array of scalars has none, its
    `type` says what the items are, e.g. array<string>)."""

    type = serializers.CharField(source="data_type", max_length=60)
    logical_type = serializers.ChoiceField(
        choices=LogicalType.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="The ODCS logical type; object or array for a field with nested fields.",
    )
    pii = serializers.BooleanField(source="is_pii", default=False)

    class Meta:
        model = SchemaField
        fields = ["name", "type", "logical_type", "description", "required", "primary_key", "classification", "pii", "fields"]
        list_serializer_class = SchemaTreeSerializer

    def to_representation(self, field):
        # The nested fields are filled in by SchemaTreeSerializer, from the port's rows loaded once.
        return {
            "name": field.name,
            "type": field.data_type,
            "logical_type": field.logical_type,
            "description": field.description,
            "required": field.required,
            "primary_key": field.primary_key,
            "classification": field.classification,
            "pii": field.is_pii,
            "fields": [],
        }


# Nested fields are schema fields too: the serializer refers to itself (one OpenAPI component).
SchemaFieldSerializer._declared_fields["fields"] = SchemaFieldSerializer(
    many=True, required=False, help_text="Nested fields: an object's properties, or the properties of an array's items."
)


class OutputPortSerializer(StrictStrings, serializers.ModelSerializer):
    type = serializers.ChoiceField(source="port_type", choices=OutputPort.PortType.choices, default=OutputPort.PortType.TABLE)
    fields = SchemaFieldSerializer(many=True, required=False)

    class Meta:
        model = OutputPort
        fields = ["name", "type", "format", "location", "version", "description", "fields"]
        extra_kwargs = {
            "location": {"allow_null": True, "help_text": "Null for people who may not use the port; null or empty when written: none."}
        }

    def validate_location(self, value):
        return value or ""

    def to_representation(self, port):
        data = super().to_representation(port)
        if port.pk not in self.context.get("usable_ports", ()):
            data["location"] = None  # shown only to people who may use the product
        return data


@extend_schema_field({"type": "array", "items": {"type": "string", "maxLength": MAX_TAG_LENGTH}, "maxItems": MAX_TAGS})
class TagListField(serializers.ListField):
    """A product's tag names, within the tag rule (catalog.tags)."""

    child = serializers.CharField()

    def to_internal_value(self, data):
        names = super().to_internal_value(data)
        try:
            clean_tags(names)
        except TagLimitError as error:
            raise serializers.ValidationError(str(error)) from None
        return names

    def to_representation(self, tags):
        return [tag.name for tag in tags.all()]


class ProductSerializer(StrictStrings, serializers.ModelSerializer):
    """A product in lists."""

    address = serializers.CharField(read_only=True)
    domain = serializers.SlugRelatedField(slug_field="slug", queryset=Domain.objects.all())
    owner_team = serializers.SlugRelatedField(slug_field="slug", queryset=Team.objects.all())
    product_owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    tags = TagListField(required=False)
    url = serializers.HyperlinkedIdentityField(view_name="api:product-detail", lookup_field="slug")

    class Meta:
        model = DataProduct
        fields = [
            "slug",
            "url",
            "address",
            "name",
            "summary",
            "domain",
            "owner_team",
            "product_owner",
            "status",
            "kind",
            "classification",
            "contains_pii",
            "tags",
            "version",
            "slo_status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["slo_status", "created_at", "updated_at"]


class DomainSerializer(serializers.ModelSerializer):
    owner_team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    product_count = serializers.IntegerField(read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:domain-detail", lookup_field="slug")

    class Meta:
        model = Domain
        fields = ["slug", "url", "name", "description", "owner_team", "product_count"]


class TeamMemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")

    class Meta:
        model = TeamMembership
        fields = ["username", "role"]


class TeamSerializer(serializers.ModelSerializer):
    members = TeamMemberSerializer(source="memberships", many=True, read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:team-detail", lookup_field="slug")

    class Meta:
        model = Team
        fields = ["slug", "url", "name", "description", "contact_email", "members"]


class FollowStateSerializer(serializers.Serializer):
    following = serializers.BooleanField(help_text="Whether you follow the product (and hear of its contract changes).")
    followers = serializers.IntegerField(help_text="How many people follow it.")
