"""The catalog's REST API. Reads come from catalog.queries, writes go through
catalog.services; this module only translates HTTP."""

import json

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import refuse_empty_parameters
from core.parsers import JSONParser

from . import openlineage, queries, search, services, slo as slo_rules
from .filters import ProductFilter
from .models import OutputPort, SchemaField, SLOStatus, Team, TeamMembership
from .search.forms import MAX_PAGE, MAX_RESULT_WINDOW, SearchForm, SuggestForm
from .search.types import MAX_PAGE_SIZE
from .serializers import (
    DomainSerializer,
    ImpactedProductSerializer,
    LineageEventResultSerializer,
    LineageGraphSerializer,
    LineageQuerySerializer,
    MeasurementSerializer,
    MeasurementsResultSerializer,
    ProductDetailSerializer,
    ProductSerializer,
    SampleTableSerializer,
    SearchResultSerializer,
    SLOHistoryDaySerializer,
    SLOSerializer,
    SuggestResultSerializer,
    TeamSerializer,
)


# Error bodies and the shared error answers (400, 401, 403, 404, …): marketplace.schema.
REFUSED_TRANSITION = OpenApiResponse(description="The product's lifecycle does not allow this change of status (say, retired back to draft).")


@extend_schema_view(
    list=extend_schema(summary="List the data products you can see"),
    retrieve=extend_schema(summary="A data product with its output ports and schemas"),
    create=extend_schema(summary="Create a data product owned by one of your teams"),
    update=extend_schema(summary="Replace a data product's description (owners only)", responses={200: ProductDetailSerializer, 409: REFUSED_TRANSITION}),
    partial_update=extend_schema(
        summary="Change some of a data product's fields (owners only)", responses={200: ProductDetailSerializer, 409: REFUSED_TRANSITION}
    ),
)
class ProductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"
    filterset_class = ProductFilter

    def get_queryset(self):
        products = queries.product_list(self.request.user)
        if self.action != "list":
            ports = OutputPort.objects.order_by("name").select_related("lineage_node").prefetch_related(
                Prefetch("fields", SchemaField.objects.order_by("position", "name"))
            )
            products = products.prefetch_related(Prefetch("output_ports", ports))
        return products

    def get_serializer_class(self):
        return ProductSerializer if self.action == "list" else ProductDetailSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = services.create_product(by=request.user, **serializer.service_arguments())
        product = self.get_queryset().get(pk=product.pk)
        return Response(self.get_serializer(product).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        product = self.get_object()
        if not queries.can_edit(request.user, product):
            raise PermissionDenied("Only members of the owning team can change this data product.")
        serializer = self.get_serializer(product, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        arguments = serializer.service_arguments()
        arguments.pop("slug", None)
        services.update_product(product, by=request.user, **arguments)
        product = self.get_queryset().get(pk=product.pk)
        return Response(self.get_serializer(product).data)

    @extend_schema(
        summary="The lineage around a data product",
        parameters=[LineageQuerySerializer],
        responses=LineageGraphSerializer,
    )
    @action(detail=True, methods=["get"])
    def lineage(self, request, slug=None):
        product = self._visible_product(slug)
        refuse_empty_parameters(request.query_params)
        params = LineageQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        graph = queries.lineage_graph(request.user, product, **params.validated_data)
        return Response(LineageGraphSerializer(graph, context={"origins": graph.origins}).data)

    @extend_schema(summary="Who is hit when a data product breaks: downstream products, their owners and consumers", responses=ImpactedProductSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])  # every product downstream, in one answer
    def impact(self, request, slug=None):
        product = self._visible_product(slug)
        if not queries.may_see_impact(request.user, product):
            raise PermissionDenied("Only the owning team, stewards and admins see who consumes the products downstream.")
        return Response(ImpactedProductSerializer(queries.impact_of(request.user, product), many=True).data)

    def _visible_product(self, slug):
        return queries.visible_product_or_404(self.request.user, slug)


@extend_schema_view(list=extend_schema(summary="List the domains of the mesh"), retrieve=extend_schema(summary="A domain"))
class DomainViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    serializer_class = DomainSerializer

    def get_queryset(self):
        return queries.domains_with_counts(self.request.user).order_by("name")


@extend_schema_view(list=extend_schema(summary="List the teams and their members"), retrieve=extend_schema(summary="A team"))
class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    serializer_class = TeamSerializer

    def get_queryset(self):
        members = TeamMembership.objects.select_related("user").order_by("role", "user__username")
        return Team.objects.prefetch_related(Prefetch("memberships", members)).order_by("name")


class LineageEventView(APIView):
    """OpenLineage run events, as the OpenLineage HTTP transport posts them
    (`POST <url>/api/v1/lineage`, `Authorization: Bearer <token>`)."""

    @extend_schema(
        summary="Record an OpenLineage RunEvent",
        description="The standard RunEvent JSON (spec 2-0-x). A COMPLETE event records an edge from every input to every "
        "output. Outputs on your teams' output ports and external datasets are recorded; a dataset that is another team's "
        "port (or, as an input, a port of a product you cannot see) is accepted and not recorded, with the same answer. "
        "Repeating an event (run id and event "
        f"type) changes nothing. At most {openlineage.MAX_EVENT_BYTES:,} bytes and {openlineage.MAX_DATASETS} datasets.",
        request={"application/json": dict},
        responses={201: LineageEventResultSerializer, 200: LineageEventResultSerializer},
    )
    def post(self, request):
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if (declared.isdigit() and int(declared) > openlineage.MAX_EVENT_BYTES) or len(request.body) > openlineage.MAX_EVENT_BYTES:
            return Response(
                {"detail": [f"An event may be at most {openlineage.MAX_EVENT_BYTES:,} bytes."]},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        result = services.ingest_run_event(request.data, by=request.user)
        body = LineageEventResultSerializer(result).data
        return Response(body, status=status.HTTP_201_CREATED if result.recorded else status.HTTP_200_OK)


def _form_errors(form) -> dict:
    return {name: [str(message) for message in messages] for name, messages in form.errors.items()}


def _facet_value_schema(name: str) -> dict:
    """A search filter's value: one of the form field's choices, or a free slug or tag name."""
    choices = getattr(SearchForm.base_fields[name], "choices", None)
    if choices:
        return {"type": "string", "enum": [value for value, _label in choices]}
    return {"type": "string", "minLength": 1, "maxLength": 120}


class SearchView(APIView):
    """Full-text search over the data products you can see, with facets."""

    @extend_schema(
        summary="Search data products",
        parameters=[
            OpenApiParameter("q", {"type": "string", "minLength": 0, "maxLength": 20000}, description="Words to find; never parsed as query syntax."),
            *[
                OpenApiParameter(name, {"type": "array", "items": _facet_value_schema(name)}, explode=True, description=f"Filter: {label} (repeatable).")
                for name, label in search.FACETS
            ],
            OpenApiParameter("sort", str, enum=list(search.SORT_NAMES)),
            OpenApiParameter("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
            OpenApiParameter(
                "page_size", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
                description=f"Default 20. At most {MAX_RESULT_WINDOW:,} results are paged through (page × page_size); beyond, a 400.",
            ),
        ],
        responses=SearchResultSerializer,
    )
    def get(self, request):
        refuse_empty_parameters(request.query_params, may_be_empty=frozenset({"q"}))
        form = SearchForm(request.query_params)
        if not form.is_valid():
            return Response(_form_errors(form), status=status.HTTP_400_BAD_REQUEST)
        result = search.search(form.search_query(), user=request.user)
        return Response(SearchResultSerializer(result, context={"request": request}).data)


class SuggestView(APIView):
    """Product names for what has been typed so far."""

    @extend_schema(summary="Suggest data products for a prefix", parameters=[OpenApiParameter("q", {"type": "string", "minLength": 0, "maxLength": 200})], responses=SuggestResultSerializer)
    def get(self, request):
        refuse_empty_parameters(request.query_params, may_be_empty=frozenset({"q"}))
        form = SuggestForm(request.query_params)
        if not form.is_valid():
            return Response(_form_errors(form), status=status.HTTP_400_BAD_REQUEST)
        suggestions, degraded = search.suggest(form.cleaned_data["q"], user=request.user)
        return Response(SuggestResultSerializer({"suggestions": suggestions, "degraded": degraded}).data)


# --- service level objectives and samples ----------------------------------------


def _visible_product_or_400(user, slug: str):
    product = queries.visible_products(user).filter(slug=slug).first()
    if product is None:
        raise ValidationError({"product": [f"There is no data product {slug!r} you can see."]})
    return product


def _port_or_400(product, name):
    if not name:
        return None
    port = product.output_ports.filter(name=name).first()
    if port is None:
        raise ValidationError({"port": [f"{product.name} has no output port {name!r}."]})
    return port


@extend_schema_view(
    list=extend_schema(
        summary="List the service level objectives of the products you can see",
        parameters=[OpenApiParameter("product", str, description="A product's slug."), OpenApiParameter("status", str, enum=SLOStatus.values)],
    ),
    retrieve=extend_schema(summary="An objective with its current status"),
    create=extend_schema(summary="Add an objective to a product of your team"),
    update=extend_schema(summary="Replace an objective (its measurements are judged again)"),
    partial_update=extend_schema(summary="Change an objective (its measurements are judged again)"),
    destroy=extend_schema(summary="Remove an objective and its measurements"),
)
class SLOViewSet(viewsets.ModelViewSet):
    serializer_class = SLOSerializer

    def get_queryset(self):
        slos = queries.visible_slos(self.request.user).order_by("product__slug", "pk")
        if self.action == "list":
            if product := self.request.query_params.get("product"):
                slos = slos.filter(product__slug=product)
            if status_value := self.request.query_params.get("status"):
                if status_value not in SLOStatus.values:
                    raise ValidationError({"status": [f"Use one of {', '.join(SLOStatus.values)}."]})
                slos = slos.filter(status=status_value)
        return slos

    def _arguments(self, serializer, product) -> dict:
        data = dict(serializer.validated_data)
        data.pop("product", None)
        if "port" in data:
            data["port"] = _port_or_400(product, data["port"])
        if "operator" in data and not data["operator"]:
            data["operator"] = ""
        return data

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = _visible_product_or_400(request.user, serializer.validated_data["product"])
        slo = services.define_slo(product, by=request.user, **self._arguments(serializer, product))
        return Response(self.get_serializer(self.get_queryset().get(pk=slo.pk)).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        slo = self.get_object()
        serializer = self.get_serializer(slo, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        if serializer.validated_data.get("product", slo.product.slug) != slo.product.slug:
            raise ValidationError({"product": ["An objective cannot move to another product."]})
        slo = services.update_slo(slo, by=request.user, **self._arguments(serializer, slo.product))
        return Response(self.get_serializer(self.get_queryset().get(pk=slo.pk)).data)

    def destroy(self, request, *args, **kwargs):
        services.delete_slo(self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Daily attainment over the objective's window", responses=SLOHistoryDaySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])  # every day of the window, in one answer
    def history(self, request, pk=None):
        return Response(SLOHistoryDaySerializer(slo_rules.daily_history(self.get_object()), many=True).data)


class SLOMeasurementView(APIView):
    """Measurements pushed by the owning team's pipelines."""

    @extend_schema(
        summary="Record a batch of SLO measurements",
        description=f"A JSON list of up to {settings.SLO_MEASUREMENT_BATCH:,} measurements `{{\"slo\": <id>, \"measured_at\": "
        "\"2026-12-02T06:00:00Z\", \"value\": 3.5, \"unit\": optional}}` for objectives of your teams' products. Each is judged "
        "against its objective's threshold (`value` in the objective's unit, or in `unit` of the same kind, converted). "
        "A measurement already stored (same SLO and time) is ignored. Any invalid row refuses the whole batch with a 400 "
        "naming each bad row by its index: nothing is stored.",
        request=MeasurementSerializer(many=True),
        responses={201: MeasurementsResultSerializer},
    )
    def post(self, request):
        batch = MeasurementSerializer(data=request.data, many=True)
        batch.is_valid(raise_exception=True)  # only a body that is not a list; rows of the wrong shape go on, to be named with the rest
        result = services.record_measurements(batch.validated_data["rows"], refused=batch.validated_data["refused"], by=request.user)
        return Response(MeasurementsResultSerializer(result, context={"request": request}).data, status=status.HTTP_201_CREATED)


class CSVBodyParser(BaseParser):
    """A sample sent as a raw CSV body (`Content-Type: text/csv`)."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read()


class SampleView(APIView):
    """A port's sample rows: read by anyone who sees the product (sensitive
    columns masked unless they may see real values), written by its team."""

    parser_classes = [JSONParser, CSVBodyParser, MultiPartParser]

    def _port(self, slug, port_name):
        product = queries.visible_product_or_404(self.request.user, slug)
        port = product.output_ports.prefetch_related("fields").filter(name=port_name).first()
        if port is None:
            raise Http404(f"{product.name} has no output port {port_name!r}.")
        return product, port

    @extend_schema(summary="A port's sample rows (masked where you may not see real values)", responses=SampleTableSerializer)
    def get(self, request, slug, port_name):
        product, port = self._port(slug, port_name)
        table = queries.visible_samples(request.user, product, ports=[port]).get(port.pk)
        if table is None:
            raise Http404(f"{port.name} has no sample rows yet.")
        return Response(SampleTableSerializer(table).data)

    @extend_schema(
        summary="Upload a port's sample rows (owning team)",
        description=f"CSV with a header row (`Content-Type: text/csv`), a JSON list of objects, or a multipart `file`. "
        f"At most {settings.SAMPLE_MAX_ROWS} rows and {settings.SAMPLE_MAX_BYTES:,} bytes. Rows are checked against the "
        "port's schema; a 400 lists every unknown column and type mismatch with its row.",
        request={
            "text/csv": {"type": "string"},
            "application/json": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
            "multipart/form-data": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}},
        },
        responses=SampleTableSerializer,
    )
    def put(self, request, slug, port_name):
        product, port = self._port(slug, port_name)
        if request.content_type.startswith("multipart/"):
            upload = request.FILES.get("file")
            if upload is None:
                raise ValidationError({"file": ["Attach the sample as `file`."]})
            if upload.size > settings.SAMPLE_MAX_BYTES:
                raise ValidationError({"file": [f"A sample may be at most {settings.SAMPLE_MAX_BYTES:,} bytes."]})
            content, filename, kind = upload.read(), upload.name, ""
        elif request.content_type.startswith("text/csv"):
            # An empty body is parsed by no parser: DRF gives an empty dict.
            content, filename, kind = request.data if isinstance(request.data, bytes) else b"", "", "csv"
        else:
            content, filename, kind = json.dumps(request.data).encode(), "", "json"
        services.upload_sample(port, by=request.user, content=content, filename=filename, format=kind)
        table = queries.visible_samples(request.user, product, ports=[port])[port.pk]
        return Response(SampleTableSerializer(table).data)

    @extend_schema(summary="Remove a port's sample rows (owning team)", responses={204: None})
    def delete(self, request, slug, port_name):
        _product, port = self._port(slug, port_name)
        services.delete_sample(port, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
