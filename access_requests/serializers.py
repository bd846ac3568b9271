"""Shapes of the access request flow's JSON. They check the shape of input
only; every rule (policy bounds, who may decide, which transitions are
allowed) lives in access_requests.services."""

from django.core.exceptions import ObjectDoesNotExist
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from audit.models import AuditEvent
from catalog import queries as catalog_queries
from core.serializers import StrictStrings

from .models import AccessRequest, ApprovalStep, Grant, PortRole, RoleApprover


class ApprovalStepSerializer(serializers.ModelSerializer):
    decided_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Null while the step is open."
    )

    class Meta:
        model = ApprovalStep
        fields = ["id", "role", "status", "decided_by", "comment", "decided_at", "contract_roles"]


class RoleApproverSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="The name as the data contract gives it.")
    user = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True, help_text="The user it resolves to.")
    team = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text="The team it resolves to (its owners decide)."
    )
    resolved = serializers.BooleanField(read_only=True, help_text="False: no marketplace user or team has this name; it routes to nobody.")

    class Meta:
        model = RoleApprover
        fields = ["name", "user", "team", "resolved"]
        read_only_fields = fields


class PortRoleSerializer(serializers.ModelSerializer):
    """A role of an output port's data contract, and whom its approvers resolve to."""

    output_port = serializers.SlugRelatedField(source="port", slug_field="name", read_only=True)
    role = serializers.CharField(source="name", read_only=True)
    first_level = RoleApproverSerializer(many=True, read_only=True, help_text="Decide the owner step beside the product's owners.")
    second_level = RoleApproverSerializer(many=True, read_only=True, help_text="Decide the steward step beside the stewards.")

    class Meta:
        model = PortRole
        fields = [
            "output_port",
            "role",
            "description",
            "access",
            "first_level_approvers",
            "second_level_approvers",
            "first_level",
            "second_level",
        ]
        read_only_fields = fields


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
    role = serializers.CharField(
        source="role_name", read_only=True, help_text="The data contract role asked for (ODCS roles[].role); empty when none."
    )
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
            "role",
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
    role = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="A role of the port's data contract (ODCS roles[].role), if you know which you need: it asks for that role's port "
        "(name output_port too when two ports have a role of that name), and that role's approvers decide.",
    )

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
        data["role"] = self._role(data)
        return data

    def _role(self, data: dict) -> PortRole | None:
        name = data.get("role") or None
        if name is None:
            return None
        roles = PortRole.objects.filter(port__product=data["product"], name=name).select_related("port")
        if data["output_port"] is not None:
            roles = roles.filter(port=data["output_port"])
        found = list(roles[:2])
        if not found:
            raise serializers.ValidationError({"role": [f"No data contract of {data['product'].name} names a role “{name}”."]})
        if len(found) > 1:
            raise serializers.ValidationError({"role": [f"Several output ports have a role “{name}”: name the output_port too."]})
        return found[0]

    def service_arguments(self) -> dict:
        """validated_data as keyword arguments for services.submit_request (after the product)."""
        data = self.validated_data
        return {
            "purpose": data["purpose"],
            "duration_days": data["duration_days"],
            "port": data["output_port"],
            "access": data["access"],
            "role": data["role"],
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
