"""Shapes of the catalog's JSON. They check input shape only; rules live in services."""

from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.serializers import StrictStrings

from . import queries, slo as slo_rules
from core.markdown import render_markdown
from .models import DataProduct, Domain, LineageEdge, OutputPort, SchemaField, ServiceLevelObjective, SLOStatus, Team, TeamMembership, slug_validator
from .services import FieldSpec, InputSpec, PortSpec
from .tags import MAX_TAG_LENGTH, MAX_TAGS, TagLimitError, clean_tags


class SchemaFieldSerializer(StrictStrings, serializers.ModelSerializer):
    type = serializers.CharField(source="data_type", max_length=60)
    pii = serializers.BooleanField(source="is_pii", default=False)

    class Meta:
        model = SchemaField
        fields = ["name", "type", "description", "required", "primary_key", "classification", "pii"]


class OutputPortSerializer(StrictStrings, serializers.ModelSerializer):
    type = serializers.ChoiceField(source="port_type", choices=OutputPort.PortType.choices, default=OutputPort.PortType.TABLE)
    fields = SchemaFieldSerializer(many=True, required=False)

    class Meta:
        model = OutputPort
        fields = ["name", "type", "format", "location", "version", "description", "fields"]
        extra_kwargs = {"location": {"allow_null": True, "help_text": "Null for people who may not use the port; null or empty when written: none."}}

    def validate_location(self, value):
        return value or ""

    def to_representation(self, port):
        data = super().to_representation(port)
        if port.pk not in self.context.get("usable_ports", ()):
            data["location"] = None  # shown only to people who may use the product
        sample = self.context.get("samples", {}).get(port.pk)
        data["sample"] = SampleTableSerializer(sample).data if sample is not None else None
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


# --- service level objectives and samples ----------------------------------------


class SLOSerializer(StrictStrings, serializers.ModelSerializer):
    """An objective with its stored status. Written by the owning team."""

    url = serializers.HyperlinkedIdentityField(view_name="api:slo-detail")
    product = serializers.CharField(max_length=80, help_text="The data product's slug.")
    port = serializers.CharField(
        max_length=120, required=False, allow_blank=True, allow_null=True, help_text="An output port's name; empty for the whole product."
    )
    operator = serializers.ChoiceField(
        choices=ServiceLevelObjective.Operator.choices, required=False, allow_blank=True, help_text="lte or gte; default: the indicator's."
    )
    unit = serializers.ChoiceField(
        choices=ServiceLevelObjective.Unit.choices, required=False, allow_blank=True, allow_null=True,
        help_text="Default: the indicator's (freshness h, latency ms, percentages %).",
    )
    threshold = serializers.FloatField()
    target = serializers.FloatField(help_text="Target attainment in %, e.g. 99.5.")
    objective = serializers.CharField(read_only=True, help_text="The promise in words.")

    class Meta:
        model = ServiceLevelObjective
        fields = [
            "id", "url", "product", "port", "indicator", "name", "description", "operator", "threshold", "unit", "target",
            "window_days", "objective", "status", "attainment", "budget_remaining", "good_count", "total_count", "status_computed_at",
        ]
        read_only_fields = ["status", "attainment", "budget_remaining", "good_count", "total_count", "status_computed_at"]

    def to_representation(self, slo):
        data = super().to_representation(slo)
        data["product"] = slo.product.slug
        data["port"] = slo.port.name if slo.port_id else None
        return data


class SLOHistoryDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    good = serializers.IntegerField()
    total = serializers.IntegerField()
    attainment = serializers.FloatField(allow_null=True)


REQUIRED = "This field is required."


@extend_schema_field({"type": "integer"})
class SLOIdField(serializers.Field):
    """A JSON whole number: not a string of digits, not a boolean (JSON's
    true equals 1 in Python), not 1.0. Any size: whether an id names an
    objective the caller may measure is the service's question."""

    default_error_messages = {"invalid": "An SLO's id, a whole number, is needed.", "null": REQUIRED}

    def to_internal_value(self, data) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


@extend_schema_field({"type": "string", "format": "date-time"})
class MeasurementTimeField(serializers.Field):
    """An ISO 8601 string with its time zone, parsed to an aware datetime
    (how far back or ahead it may lie is catalog.slo's rule, checked by the service)."""

    default_error_messages = {
        "invalid": "Give the time as an ISO 8601 string with its time zone, e.g. 2026-12-02T06:00:00Z.",
        "unparsable": "{value!r} is not an ISO 8601 date and time.",
        "naive": "Give the time zone, e.g. 2026-12-02T06:00:00Z or +01:00.",
        "null": REQUIRED,
    }

    def to_internal_value(self, data) -> datetime:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            parsed = parse_datetime(data.strip())
        except ValueError:
            parsed = None
        if parsed is None:
            self.fail("unparsable", value=data[:40])
        if timezone.is_naive(parsed):
            self.fail("naive")
        return parsed

    def to_representation(self, value):
        return value.isoformat()


@extend_schema_field({"type": "number", "format": "double"})
class MeasurementValueField(serializers.Field):
    """A finite JSON number (not a boolean, not a string of digits)."""

    default_error_messages = {"invalid": "A number is needed.", "null": REQUIRED}

    def to_internal_value(self, data) -> float:
        if not slo_rules.is_number(data):
            self.fail("invalid")
        return float(data)

    def to_representation(self, value):
        return value


class MeasurementBatchSerializer(serializers.ListSerializer):
    """A batch of measurements: a JSON list, each row checked for its shape.
    Validated data is `{"rows": [...], "refused": {index: errors}}`: a row
    whose shape is wrong is None in `rows` and its errors are in `refused`,
    so that catalog.services.record_measurements names it together with the
    rows its own rules refuse (all or nothing, every bad row named)."""

    def run_validation(self, data=serializers.empty):
        if not isinstance(data, list):
            raise serializers.ValidationError(
                {"rows": ['Send a JSON list of measurements: [{"slo": 1, "measured_at": "…", "value": 3.5}].']}
            )
        return self.to_internal_value(data)

    def to_internal_value(self, data: list) -> dict:
        rows: list[dict | None] = []
        refused: dict[int, dict] = {}
        for index, item in enumerate(data):
            try:
                rows.append(self.child.run_validation(item))
            except serializers.ValidationError as error:
                rows.append(None)
                refused[index] = error.detail
        return {"rows": rows, "refused": refused}


class MeasurementSerializer(serializers.Serializer):
    """The shape of one measurement in a batch. Whether its objective is one the
    caller may measure, its time lies in range, its unit converts and its value
    is possible for the indicator are the service's rules
    (catalog.services.record_measurements)."""

    slo = SLOIdField(help_text="The objective's id.", error_messages={"required": REQUIRED})
    measured_at = MeasurementTimeField(help_text="ISO 8601 with a time zone; at most 5 minutes ahead.")
    value = MeasurementValueField(help_text="In the objective's unit, or in `unit`.")
    unit = serializers.ChoiceField(
        choices=ServiceLevelObjective.Unit.choices, required=False, allow_null=True, allow_blank=True,
        help_text="Optional: a unit of the same kind, converted.",
        error_messages={"invalid_choice": f"Use one of {', '.join(repr(u) for u in ServiceLevelObjective.Unit.values if u)}."},
    )

    class Meta:
        list_serializer_class = MeasurementBatchSerializer

    def run_validation(self, data=serializers.empty):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ['Each measurement is an object: {"slo", "measured_at", "value"}.']})
        return super().run_validation(data)

    def to_internal_value(self, data: dict) -> dict:
        unknown = set(data) - set(self.fields)
        try:
            values = super().to_internal_value(data)
        except serializers.ValidationError as error:
            errors = dict(error.detail)
        else:
            errors = {}
        if unknown:
            errors = {
                "non_field_errors": [f"Unknown field {sorted(unknown)[0]!r}; a measurement has slo, measured_at, value and optionally unit."],
                **errors,
            }
        if errors:
            raise serializers.ValidationError(errors)
        return {"unit": None, **values}


class MeasurementsResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    stored = serializers.IntegerField(help_text="New measurements stored.")
    duplicates = serializers.IntegerField(help_text="Measurements already stored (same SLO and time), ignored.")
    slos = SLOSerializer(many=True, help_text="The SLOs measured, with their status after this batch.")


class SampleColumnSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.CharField(source="data_type")
    sensitive = serializers.BooleanField(help_text="Personal or confidential: masked for people without access.")
    masked = serializers.BooleanField(help_text="Whether this column's values are masked for you.")


class SampleTableSerializer(serializers.Serializer):
    """A port's sample rows as the caller may see them: masked columns hold "•••" in every row."""

    columns = SampleColumnSerializer(many=True)
    rows = serializers.ListField(child=serializers.ListField(allow_empty=True), help_text="Values in column order.")
    uploaded_at = serializers.DateTimeField()
    revealed = serializers.BooleanField(help_text="Whether you see the real values of sensitive columns.")


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
            "slug", "url", "address", "name", "summary", "domain", "owner_team", "product_owner", "status", "kind",
            "classification", "contains_pii", "tags", "version", "slo_status", "created_at", "updated_at",
        ]
        read_only_fields = ["slo_status", "created_at", "updated_at"]


class ProductDetailSerializer(ProductSerializer):
    """A product with its description, ports and schemas; also the shape written by owners."""

    description_html = serializers.SerializerMethodField()
    output_ports = OutputPortSerializer(many=True, required=False)
    inputs = serializers.ListField(
        child=serializers.DictField(), required=False, write_only=True, max_length=200,
        help_text="Declared inputs (lineage): {product, port?} or an external dataset {namespace, name}. Replaces the declared ones.",
    )
    can_edit = serializers.SerializerMethodField()
    slos = serializers.SerializerMethodField(help_text="The service level objectives with their stored status.")

    class Meta(ProductSerializer.Meta):
        fields = ProductSerializer.Meta.fields + [
            "description", "description_html", "terms_of_use", "documentation_url", "output_ports", "inputs", "can_edit", "slos",
        ]
        extra_kwargs = {"slug": {"validators": [slug_validator]}}

    def get_description_html(self, product) -> str:
        return render_markdown(product.description)

    @extend_schema_field(serializers.BooleanField())
    def get_can_edit(self, product) -> bool:
        return queries.can_edit(self.context["request"].user, product)

    @extend_schema_field(SLOSerializer(many=True))
    def get_slos(self, product) -> list:
        return SLOSerializer(queries.slos_of(product).select_related("product"), many=True, context=self.context).data

    def to_representation(self, product):
        request = self.context["request"]
        port_context = self.fields["output_ports"].child.context
        ports = product.output_ports.all()
        port_context["usable_ports"] = queries.usable_port_ids(request.user, product, [port.pk for port in ports])
        port_context["samples"] = queries.visible_samples(request.user, product, ports=ports)
        data = super().to_representation(product)
        data["inputs"] = InputSerializer(queries.declared_inputs(request.user, product), many=True).data
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
                fields=[
                    FieldSpec(
                        name=f["name"], data_type=f["data_type"], description=f.get("description", ""),
                        required=f.get("required", False), primary_key=f.get("primary_key", False),
                        classification=f.get("classification", ""), is_pii=f.get("is_pii", False),
                    )
                    for f in port.get("fields", [])
                ],
            )
            for port in ports
        ]

    def service_arguments(self) -> dict:
        """validated_data as keyword arguments for services.create_product / update_product."""
        data = dict(self.validated_data)
        data.pop("output_ports", None)
        data["ports"] = self.port_specs()
        data["inputs"] = data.get("inputs")
        return data


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
    degraded = serializers.BooleanField(help_text="True when the search engine did not answer and the database's own suggestions were given.")


# --- lineage -------------------------------------------------------------------


class InputSerializer(StrictStrings, serializers.Serializer):
    """A declared input: a data product (`product`, optionally one `port`) or
    an external dataset (`namespace` + `name`)."""

    product = serializers.CharField(max_length=80, required=False, allow_blank=True)
    port = serializers.CharField(max_length=120, required=False, allow_blank=True)
    namespace = serializers.CharField(max_length=500, required=False, allow_blank=True)
    name = serializers.CharField(max_length=1000, required=False, allow_blank=True)

    def to_representation(self, node):
        if node.port_id is not None:
            return {"product": node.port.product.slug, "port": node.port.name}
        return {"namespace": node.namespace, "name": node.name}


class LineageNodeSerializer(serializers.Serializer):
    """A dataset of the graph. A port is named by its product and port only:
    its OpenLineage identity follows its location, which only grantees see."""

    id = serializers.IntegerField(source="pk")
    kind = serializers.SerializerMethodField()
    layer = serializers.IntegerField(help_text="0 for the product's own ports, negative upstream, positive downstream.")
    product = serializers.SerializerMethodField()
    port = serializers.SerializerMethodField()
    domain = serializers.SerializerMethodField()
    namespace = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()

    def get_kind(self, node) -> str:
        return "external" if node.port_id is None else "port"

    def get_product(self, node) -> str | None:
        return node.port.product.slug if node.port_id else None

    def get_port(self, node) -> str | None:
        return node.port.name if node.port_id else None

    def get_domain(self, node) -> str | None:
        return node.port.product.domain.slug if node.port_id else None

    def get_namespace(self, node) -> str | None:
        return None if node.port_id else node.namespace

    def get_name(self, node) -> str | None:
        return None if node.port_id else node.name


class LineageOriginSerializer(serializers.Serializer):
    """Who recorded an edge, and when it was last seen."""

    origin = serializers.ChoiceField(choices=LineageEdge.Origin.choices)
    job_namespace = serializers.CharField(help_text="The OpenLineage job's namespace; empty for edges the owners declared.")
    job_name = serializers.CharField()
    run_id = serializers.CharField(help_text="The last run that reported the edge.")
    last_seen = serializers.DateTimeField()
    column_lineage = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), help_text="Output field → the input fields it is derived from."
    )


class LineageEdgeSerializer(serializers.Serializer):
    upstream = serializers.IntegerField(help_text="The id of the node read.")
    downstream = serializers.IntegerField(help_text="The id of the node that reads it.")
    origins = LineageOriginSerializer(many=True)

    def to_representation(self, pair):
        origins = self.context.get("origins", {}).get(pair, [])
        return {"upstream": pair[0], "downstream": pair[1], "origins": LineageOriginSerializer(origins, many=True).data}


class LineageGraphSerializer(serializers.Serializer):
    product = serializers.CharField(source="product.slug")
    direction = serializers.CharField()
    depth = serializers.IntegerField()
    nodes = LineageNodeSerializer(many=True)
    edges = LineageEdgeSerializer(many=True)


class LineageQuerySerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=["upstream", "downstream", "both"], default="both")
    depth = serializers.IntegerField(min_value=1, max_value=queries.LINEAGE_MAX_DEPTH, default=3)


class ImpactedProductSerializer(serializers.Serializer):
    product = serializers.CharField(source="product.slug")
    name = serializers.CharField(source="product.name")
    domain = serializers.CharField(source="product.domain.slug")
    owner_team = serializers.CharField(source="product.owner_team.slug")
    distance = serializers.IntegerField()
    owners = serializers.SerializerMethodField(help_text="Usernames of the owning team's owners and the product owner.")
    consumers = serializers.SerializerMethodField(help_text="Usernames of the people holding a live grant on it.")

    def get_owners(self, item) -> list[str]:
        return [user.username for user in item.owners]

    def get_consumers(self, item) -> list[str]:
        return [user.username for user in item.consumers]


class LineageEventResultSerializer(serializers.Serializer):
    runId = serializers.CharField(source="run.run_id")
    eventType = serializers.CharField(source="run.event_type")
    recorded = serializers.BooleanField(help_text="False when this run id and event type had been received before.")
    edges = serializers.IntegerField()
