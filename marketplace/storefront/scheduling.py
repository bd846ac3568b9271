"""The API of scheduled output port changes: list a product's (anyone who
may see it: its consumers should know what is coming), schedule one and
cancel one (owners). The writes are catalog.services.schedule_output_ports
and cancel_scheduled_change; the ports are written in the product API's own
format (ProductPortSerializer). A stored port's location is shown, like the
product page's, only to those who may use that port now, and to its team."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from access_requests import queries as access_queries
from catalog import queries as catalog_queries
from catalog import services as catalog_services
from catalog.models import ScheduledPortChange
from core.serializers import StrictStrings

from .serializers import ProductDetailSerializer, ProductPortSerializer

UNCONFIRMED_BREAKING = OpenApiResponse(
    description="The change breaks its consumers and raises no major version, and `confirm_breaking` is not set; "
    "or the product already has a pending scheduled change (cancel it first)."
)


class ChangeTextSerializer(serializers.Serializer):
    text = serializers.CharField()
    breaking = serializers.BooleanField()


class ScheduledChangeSerializer(serializers.ModelSerializer):
    """A scheduled change: when it takes effect, what it changes (per port
    name, breaking changes marked), its state, and the ports after it."""

    changes = serializers.DictField(child=ChangeTextSerializer(many=True), read_only=True, help_text="Per port name, what changes.")
    output_ports = serializers.SerializerMethodField(help_text="The output ports after the change; locations as on the product page.")
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Who scheduled it (null: a user since removed)."
    )
    cancelled_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True, help_text="Who cancelled it.")

    class Meta:
        model = ScheduledPortChange
        fields = [
            "id",
            "effective_at",
            "status",
            "breaking",
            "changes",
            "output_ports",
            "created_by",
            "created_at",
            "applied_at",
            "cancelled_at",
            "cancelled_by",
            "failure",
        ]
        read_only_fields = fields

    @extend_schema_field(ProductPortSerializer(many=True))
    def get_output_ports(self, change) -> list[dict]:
        shown = self.context["locations_shown"]
        ports = [_in_api_terms(port) for port in change.ports]
        for port in ports:
            if port.get("name") not in shown:
                port["location"] = None
        return ports


# The stored ports are PortSpec / FieldSpec dicts; the API names three of their keys otherwise.
API_NAMES = {"port_type": "type", "data_type": "type", "is_pii": "pii"}


def _in_api_terms(spec: dict) -> dict:
    """A stored port or field in the product API's terms, nested fields and all."""
    return {
        API_NAMES.get(key, key): [_in_api_terms(item) if isinstance(item, dict) else item for item in value]
        if isinstance(value, list)
        else _in_api_terms(value)
        if isinstance(value, dict)
        else value
        for key, value in spec.items()
    }


class ScheduleChangeSerializer(StrictStrings, serializers.Serializer):
    output_ports = ProductPortSerializer(
        many=True, allow_empty=True, help_text="The product's output ports after the change, as in the product API (they replace them)."
    )
    effective_at = serializers.DateTimeField(help_text="When the change takes effect: a date and time in the future.")
    confirm_breaking = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Schedule a breaking change without raising the port's major version. Without it such a change is refused (409).",
    )

    def port_specs(self) -> list[catalog_services.PortSpec]:
        return ProductDetailSerializer.port_specs(self)


def _locations_shown(user, product, changes) -> set[str]:
    return access_queries.port_names_with_location_shown(user, product, {port.get("name") for change in changes for port in change.ports})


class ScheduledChangesView(generics.GenericAPIView):
    queryset = ScheduledPortChange.objects.none()  # each method reads its product's own (the schema's path parameters)
    serializer_class = ScheduledChangeSerializer

    def get_serializer_class(self):
        return ScheduleChangeSerializer if self.request.method == "POST" else ScheduledChangeSerializer

    @extend_schema(summary="A data product's scheduled output port changes, soonest first", responses=ScheduledChangeSerializer(many=True))
    def get(self, request, slug):
        product = catalog_queries.visible_product_or_404(request.user, slug)
        changes = product.scheduled_port_changes.select_related("created_by", "cancelled_by").order_by("effective_at", "pk")
        page = self.paginate_queryset(self.filter_queryset(changes))  # filter_queryset: `?page=` without a value is a 400 (core.api)
        context = {**self.get_serializer_context(), "locations_shown": _locations_shown(request.user, product, page)}
        return self.get_paginated_response(ScheduledChangeSerializer(page, many=True, context=context).data)

    @extend_schema(
        summary="Schedule new output ports for a data product, taking effect at a date (owners only); its consumers are told now",
        request=ScheduleChangeSerializer,
        responses={201: ScheduledChangeSerializer, 409: UNCONFIRMED_BREAKING},
    )
    def post(self, request, slug):
        product = catalog_queries.visible_product_or_404(request.user, slug)
        if not catalog_queries.can_edit(request.user, product):
            raise PermissionDenied("Only members of the owning team can schedule changes to this data product.")
        serializer = ScheduleChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        change = catalog_services.schedule_output_ports(
            product,
            ports=serializer.port_specs(),
            effective_at=serializer.validated_data["effective_at"],
            confirm_breaking=serializer.validated_data["confirm_breaking"],
            by=request.user,
        )
        context = {**self.get_serializer_context(), "locations_shown": _locations_shown(request.user, product, [change])}
        return Response(ScheduledChangeSerializer(change, context=context).data, status=status.HTTP_201_CREATED)


class ScheduledChangeView(generics.GenericAPIView):
    queryset = ScheduledPortChange.objects.none()  # each method reads its product's own (the schema's path parameters)
    serializer_class = ScheduledChangeSerializer

    def _change(self, request, slug, pk):
        product = catalog_queries.visible_product_or_404(request.user, slug)
        return product, get_object_or_404(product.scheduled_port_changes, pk=pk)

    @extend_schema(summary="One scheduled output port change of a data product", responses=ScheduledChangeSerializer)
    def get(self, request, slug, pk):
        product, change = self._change(request, slug, pk)
        context = {**self.get_serializer_context(), "locations_shown": _locations_shown(request.user, product, [change])}
        return Response(ScheduledChangeSerializer(change, context=context).data)

    @extend_schema(
        summary="Cancel a pending scheduled change (owners only); those told of it hear that it will not happen",
        responses={200: ScheduledChangeSerializer, 409: OpenApiResponse(description="The change is no longer pending.")},
    )
    def delete(self, request, slug, pk):
        product, change = self._change(request, slug, pk)
        if not catalog_queries.can_edit(request.user, product):
            raise PermissionDenied("Only members of the owning team can cancel a scheduled change.")
        change = catalog_services.cancel_scheduled_change(change, by=request.user)
        context = {**self.get_serializer_context(), "locations_shown": _locations_shown(request.user, product, [change])}
        return Response(ScheduledChangeSerializer(change, context=context).data)
