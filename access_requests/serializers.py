"""Shapes of the access request flow's JSON. They check the shape of input
only; every rule (policy bounds, who may decide, which transitions are
allowed) lives in access_requests.services."""

from django.core.exceptions import ObjectDoesNotExist
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from audit.models import AuditEvent
from catalog import queries as catalog_queries
from core.serializers import StrictStrings

from .models import AccessRequest, ApprovalStep, Grant


class ApprovalStepSerializer(serializers.ModelSerializer):
    decided_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Null while the step is open."
    )

    class Meta:
        model = ApprovalStep
        fields = ["id", "role", "status", "decided_by", "comment", "decided_at"]


class AccessRequestSerializer(serializers.ModelSerializer):
    """A request as its requester and its approvers read it."""

    product = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    output_port = serializers.SlugRelatedField(
        source="port",
        slug_field="name",
        read_only=True,
        allow_null=True,
        help_text="The output port asked for; null for the whole product.",
    )
    requester = serializers.SlugRelatedField(slug_field="username", read_only=True)
    steps = ApprovalStepSerializer(many=True, read_only=True)
    grant = serializers.SerializerMethodField(help_text="The id of the grant the approved request created, or null.")

    class Meta:
        model = AccessRequest
        fields = [
            "id",
            "status",
            "product",
            "output_port",
            "purpose",
            "duration_days",
            "access",
            "requester",
            "created_at",
            "decided_at",
            "auto_approved",
            "steps",
            "grant",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_grant(self, request: AccessRequest) -> int | None:
        grant = getattr(request, "grant", None)  # the reverse one-to-one raises an AttributeError subclass when absent
        return grant.pk if grant is not None else None


class AccessRequestCreateSerializer(StrictStrings, serializers.Serializer):
    """What a consumer sends to request access. The product is looked up among
    the products the caller can see, the port among that product's ports;
    purpose and duration are bounded by the product's policy in the service."""

    product = serializers.CharField(max_length=200, help_text="The data product's slug.")
    purpose = serializers.CharField(allow_blank=True, trim_whitespace=False, help_text="What you will use the data for.")
    duration_days = serializers.IntegerField(help_text="How many days of access you ask for (bounded by the product's policy).")
    output_port = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="The name of one output port; leave out to ask for the whole product.",
    )
    access = serializers.ChoiceField(choices=AccessRequest.Access.choices, default=AccessRequest.Access.READ)

    def validate_product(self, slug: str):
        user = self.context["request"].user
        product = catalog_queries.visible_products(user).filter(slug=slug).first()
        if product is None:
            raise serializers.ValidationError(f"There is no data product “{slug}”.")
        return product

    def validate(self, data: dict) -> dict:
        name = data.get("output_port") or None
        if name is not None:
            port = data["product"].output_ports.filter(name=name).first()
            if port is None:
                raise serializers.ValidationError({"output_port": [f"{data['product'].name} has no output port “{name}”."]})
            data["output_port"] = port
        else:
            data["output_port"] = None
        return data

    def service_arguments(self) -> dict:
        """validated_data as keyword arguments for services.submit_request (after the product)."""
        data = self.validated_data
        return {
            "purpose": data["purpose"],
            "duration_days": data["duration_days"],
            "port": data["output_port"],
            "access": data["access"],
        }


class DecisionSerializer(StrictStrings, serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", help_text="Optional when approving.")


class RejectionSerializer(StrictStrings, serializers.Serializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required: the requester reads why their request was rejected."
    )


class GrantSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)
    product = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    output_port = serializers.SlugRelatedField(
        source="port", slug_field="name", read_only=True, allow_null=True, help_text="The output port granted; null for the whole product."
    )
    request = serializers.PrimaryKeyRelatedField(read_only=True)
    state = serializers.ChoiceField(choices=["live", "revoked", "expired"], read_only=True)
    revoked_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True, help_text="Null unless revoked.")

    class Meta:
        model = Grant
        fields = [
            "id",
            "user",
            "product",
            "output_port",
            "access",
            "request",
            "state",
            "starts_at",
            "ends_at",
            "revoked_at",
            "revoked_by",
            "revoke_reason",
            "expired_at",
        ]
        read_only_fields = fields


class RevocationSerializer(StrictStrings, serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", help_text="Required: the person losing access is told.")


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField(help_text="The actor's username when the event happened; null for the system.")
    product = serializers.SerializerMethodField(help_text="The data product's slug, or null.")

    class Meta:
        model = AuditEvent
        fields = [
            "sequence",
            "occurred_at",
            "actor",
            "action",
            "object_type",
            "object_id",
            "product",
            "payload",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor(self, event: AuditEvent) -> str | None:
        return event.actor_name or None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_product(self, event: AuditEvent) -> str | None:
        if event.product_id is None:
            return None
        try:
            return event.product.slug
        except ObjectDoesNotExist:  # kept as a plain id: the product may be gone while its record stays
            return None
