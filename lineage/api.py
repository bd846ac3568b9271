"""The lineage API: OpenLineage run events in, the graph and the impact around a product out."""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import queries as catalog_queries
from core.api import refuse_empty_parameters

from . import openlineage, queries, services
from .serializers import ImpactedProductSerializer, LineageEventResultSerializer, LineageGraphSerializer, LineageQuerySerializer


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


class ProductLineageView(APIView):
    @extend_schema(summary="The lineage around a data product", parameters=[LineageQuerySerializer], responses=LineageGraphSerializer)
    def get(self, request, slug):
        product = catalog_queries.visible_product_or_404(request.user, slug)
        refuse_empty_parameters(request.query_params)
        params = LineageQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        graph = queries.lineage_graph(request.user, product, **params.validated_data)
        return Response(LineageGraphSerializer(graph, context={"origins": graph.origins}).data)


class ProductImpactView(APIView):
    @extend_schema(
        summary="Who is hit when a data product breaks: downstream products, their owners and consumers",
        responses=ImpactedProductSerializer(many=True),
    )
    def get(self, request, slug):  # every product downstream, in one answer
        product = catalog_queries.visible_product_or_404(request.user, slug)
        if not queries.may_see_impact(request.user, product):
            raise PermissionDenied("Only the owning team, stewards and admins see who consumes the products downstream.")
        return Response(ImpactedProductSerializer(queries.impact_of(request.user, product), many=True).data)
