import json

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import queries as catalog_queries
from catalog.models import SLOStatus
from core.parsers import JSONParser

from . import queries, services
from . import rules as slo_rules
from .serializers import MeasurementSerializer, MeasurementsResultSerializer, SampleTableSerializer, SLOHistoryDaySerializer, SLOSerializer


def _visible_product_or_400(user, slug: str):
    product = catalog_queries.visible_products(user).filter(slug=slug).first()
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
        parameters=[
            OpenApiParameter("product", str, description="A product's slug."),
            OpenApiParameter("status", str, enum=SLOStatus.values),
        ],
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
        description=f'A JSON list of up to {settings.SLO_MEASUREMENT_BATCH:,} measurements `{{"slo": <id>, "measured_at": '
        '"2026-12-02T06:00:00Z", "value": 3.5, "unit": optional}}` for objectives of your teams\' products. Each is judged '
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
        product = catalog_queries.visible_product_or_404(self.request.user, slug)
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
