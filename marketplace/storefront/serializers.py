from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.fields import empty

from access_requests import queries as access_queries
from access_requests.serializers import PortRoleSerializer
from catalog import queries as catalog_queries
from catalog.models import OutputPort, slug_validator
from catalog.serializers import OutputPortSerializer, ProductSerializer
from catalog.services import FieldSpec, PortSpec
from contracts import queries as contract_queries
from contracts.serializers import DescriptorTeamMemberSerializer, PriceSerializer, SupportChannelSerializer
from core.markdown import render_markdown
from lineage import queries as lineage_queries
from lineage.serializers import InputSerializer
from lineage.services import InputSpec
from slos import queries as slo_queries
from slos.serializers import SampleTableSerializer, SLOSerializer


def _field_specs(fields: list[dict]) -> list[FieldSpec]:
    return [
        FieldSpec(
            name=f["name"],
            data_type=f["data_type"],
            description=f.get("description", ""),
            required=f.get("required", False),
            primary_key=f.get("primary_key", False),
            classification=f.get("classification", ""),
            is_pii=f.get("is_pii", False),
            logical_type=f.get("logical_type", ""),
            fields=_field_specs(f.get("fields", [])),
        )
        for f in fields
    ]


def _error_paths(path: str, errors) -> dict[str, list]:
    """DRF's nested errors ({…: [{}, {"fields": [{"name": [...]}]}]}) flattened to {path: messages}."""
    if isinstance(errors, dict):
        found = {}
        for key, value in errors.items():
            found.update(_error_paths(f"{path}[{key}]" if str(key).isdigit() else f"{path}.{key}", value))
        return found
    if isinstance(errors, list) and errors and all(isinstance(item, str) for item in errors):
        return {path: errors}
    if isinstance(errors, list):
        found = {}
        for index, item in enumerate(errors):
            found.update(_error_paths(f"{path}[{index}]", item))
        return found
    return {path: [errors]}


@extend_schema_serializer(component_name="OutputPort")  # the API's name for it since before the storefront had it
class ProductPortSerializer(OutputPortSerializer):
    """An output port on its product's page: its location for those who may
    use it (OutputPortSerializer), and its sample as the reader may see it."""

    def to_representation(self, port):
        data = super().to_representation(port)
        sample = self.context.get("samples", {}).get(port.pk)
        data["sample"] = SampleTableSerializer(sample).data if sample is not None else None
        return data


class ProductDetailSerializer(ProductSerializer):
    """A product with its description, ports and schemas; also the shape written by owners."""

    description_html = serializers.SerializerMethodField()
    output_ports = ProductPortSerializer(many=True, required=False)
    inputs = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        write_only=True,
        max_length=200,
        help_text="Declared inputs (lineage): {product, port?} or an external dataset {namespace, name}. Replaces the declared ones.",
    )
    confirm_breaking = serializers.BooleanField(
        required=False,
        write_only=True,
        help_text="Publish a breaking change to output ports (a field or port removed, a type narrowed, a field made required, "
        "a location changed) without raising the port's major version. Without it such a change is refused (409).",
    )
    can_edit = serializers.SerializerMethodField()
    slos = serializers.SerializerMethodField(help_text="The service level objectives with their stored status.")
    access_roles = serializers.SerializerMethodField(
        help_text="The roles the ports' data contracts name (ODCS roles): their approvers decide requests for the port "
        "beside the owners (first level) and the stewards (second level)."
    )
    support = serializers.SerializerMethodField(
        help_text="Support channels named by the product's ODPS descriptor and its ports' ODCS contracts."
    )
    price = serializers.SerializerMethodField(help_text="The prices the ports' ODCS contracts give, one per contract that gives one.")
    team = serializers.SerializerMethodField(help_text="Team members named by the product's ODPS descriptor and its ports' ODCS contracts.")

    class Meta(ProductSerializer.Meta):
        fields = ProductSerializer.Meta.fields + [
            "description",
            "description_html",
            "terms_of_use",
            "documentation_url",
            "output_ports",
            "inputs",
            "confirm_breaking",
            "can_edit",
            "slos",
            "access_roles",
            "support",
            "price",
            "team",
        ]
        extra_kwargs = {"slug": {"validators": [slug_validator]}}

    def get_description_html(self, product) -> str:
        return render_markdown(product.description)

    @extend_schema_field(serializers.BooleanField())
    def get_can_edit(self, product) -> bool:
        return catalog_queries.can_edit(self.context["request"].user, product)

    @extend_schema_field(SLOSerializer(many=True))
    def get_slos(self, product) -> list:
        return SLOSerializer(slo_queries.slos_of(product).select_related("product"), many=True, context=self.context).data

    @extend_schema_field(PortRoleSerializer(many=True))
    def get_access_roles(self, product) -> list:
        return PortRoleSerializer(access_queries.port_roles(product), many=True).data

    def _support_and_team(self, product):
        if getattr(product, "_support_and_team", None) is None:
            product._support_and_team = contract_queries.support_and_team_of(product)
        return product._support_and_team

    @extend_schema_field(SupportChannelSerializer(many=True))
    def get_support(self, product) -> list:
        return SupportChannelSerializer(self._support_and_team(product).support, many=True).data

    @extend_schema_field(PriceSerializer(many=True))
    def get_price(self, product) -> list:
        return PriceSerializer(self._support_and_team(product).prices, many=True).data

    @extend_schema_field(DescriptorTeamMemberSerializer(many=True))
    def get_team(self, product) -> list:
        return DescriptorTeamMemberSerializer(self._support_and_team(product).team, many=True).data

    def to_representation(self, product):
        request = self.context["request"]
        port_context = self.fields["output_ports"].child.context
        ports = product.output_ports.all()
        port_context["usable_ports"] = access_queries.usable_port_ids(request.user, product, [port.pk for port in ports])
        port_context["samples"] = slo_queries.visible_samples(request.user, product, ports=ports)
        data = super().to_representation(product)
        data["inputs"] = InputSerializer(lineage_queries.declared_inputs(request.user, product), many=True).data
        return data

    def validate_inputs(self, value):
        specs = []
        for index, item in enumerate(value):
            serializer = InputSerializer(data=item)
            if not serializer.is_valid():
                raise serializers.ValidationError({index: serializer.errors})
            specs.append(InputSpec(**serializer.validated_data))
        return specs

    def validate_slug(self, value):
        if self.instance is not None and value != self.instance.slug:
            raise serializers.ValidationError("A product's slug cannot change: it is part of its address.")
        return value

    def port_specs(self) -> list[PortSpec] | None:
        ports = self.validated_data.get("output_ports")
        if ports is None:
            return None
        return [
            PortSpec(
                name=port["name"],
                port_type=port.get("port_type", OutputPort.PortType.TABLE),
                format=port.get("format", ""),
                location=port.get("location", ""),
                version=port.get("version", "1.0.0"),
                description=port.get("description", ""),
                fields=_field_specs(port.get("fields", [])),
            )
            for port in ports
        ]

    def run_validation(self, data=empty):
        """Errors in output_ports are listed under `output_ports` by their path
        (`output_ports[0].fields[2].fields[1].name`), however deep they are."""
        try:
            return super().run_validation(data)
        except serializers.ValidationError as error:
            if isinstance(error.detail, dict) and "output_ports" in error.detail:
                detail = dict(error.detail)
                detail["output_ports"] = _error_paths("output_ports", detail["output_ports"])
                raise serializers.ValidationError(detail) from error
            raise

    def service_arguments(self) -> dict:
        """validated_data as keyword arguments for storefront.services.create_product / update_product."""
        data = dict(self.validated_data)
        data.pop("output_ports", None)
        data["ports"] = self.port_specs()
        data["inputs"] = data.get("inputs")
        return data
