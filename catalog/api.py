"""The catalog's REST API. Reads come from catalog.queries, writes go through
catalog.services; this module only translates HTTP."""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from . import openlineage, queries, search, services
from .filters import ProductFilter
from .models import OutputPort, SchemaField, Team, TeamMembership
from .search.forms import SearchForm, SuggestForm
from .serializers import (
    DomainSerializer,
    ImpactedProductSerializer,
    LineageEventResultSerializer,
    LineageGraphSerializer,
    LineageQuerySerializer,
    ProductDetailSerializer,
    ProductSerializer,
    SearchResultSerializer,
    SuggestionSerializer,
    TeamSerializer,
)


@extend_schema_view(
    list=extend_schema(summary="List the data products you can see", parameters=[OpenApiParameter("page_size", int, description="Up to 200.")]),
    retrieve=extend_schema(summary="A data product with its output ports and schemas"),
    create=extend_schema(summary="Create a data product owned by one of your teams"),
    update=extend_schema(summary="Replace a data product's description (owners only)"),
    partial_update=extend_schema(summary="Change some of a data product's fields (owners only)"),
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
        parameters=[
            OpenApiParameter("direction", str, enum=list(queries.LINEAGE_DIRECTIONS), description="Default both."),
            OpenApiParameter("depth", int, description=f"Edges to follow, 1 to {queries.LINEAGE_MAX_DEPTH}; default 3."),
        ],
        responses=LineageGraphSerializer,
    )
    @action(detail=True, methods=["get"])
    def lineage(self, request, slug=None):
        product = self._visible_product(slug)
        params = LineageQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        graph = queries.lineage_graph(request.user, product, **params.validated_data)
        return Response(LineageGraphSerializer(graph).data)

    @extend_schema(summary="Who is hit when a data product breaks: downstream products, their owners and consumers", responses=ImpactedProductSerializer(many=True))
    @action(detail=True, methods=["get"])
    def impact(self, request, slug=None):
        product = self._visible_product(slug)
        if not queries.may_see_impact(request.user, product):
            raise PermissionDenied("Only the owning team, stewards and admins see who consumes the products downstream.")
        return Response(ImpactedProductSerializer(queries.impact_of(request.user, product), many=True).data)

    def _visible_product(self, slug):
        product = queries.visible_products(self.request.user).select_related("domain", "owner_team").filter(slug=slug).first()
        if product is None:
            raise Http404("No data product here, or you may not see it.")
        return product


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
        "output. Outputs must be your teams' output ports or external datasets. Repeating an event (run id and event "
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


class SearchView(APIView):
    """Full-text search over the data products you can see, with facets."""

    @extend_schema(
        summary="Search data products",
        parameters=[
            OpenApiParameter("q", str, description="Words to find; never parsed as query syntax."),
            *[OpenApiParameter(name, str, many=True, description=f"Filter by {label.lower()} (repeatable).") for name, label in search.FACETS],
            OpenApiParameter("sort", str, enum=list(search.SORT_NAMES)),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int, description="Up to 100."),
        ],
        responses=SearchResultSerializer,
    )
    def get(self, request):
        form = SearchForm(request.query_params)
        if not form.is_valid():
            return Response(_form_errors(form), status=status.HTTP_400_BAD_REQUEST)
        result = search.search(form.search_query(), user=request.user)
        return Response(SearchResultSerializer(result, context={"request": request}).data)


class SuggestView(APIView):
    """Product names for what has been typed so far."""

    @extend_schema(summary="Suggest data products for a prefix", parameters=[OpenApiParameter("q", str)], responses=SuggestionSerializer(many=True))
    def get(self, request):
        form = SuggestForm(request.query_params)
        if not form.is_valid():
            return Response(_form_errors(form), status=status.HTTP_400_BAD_REQUEST)
        suggestions, degraded = search.suggest(form.cleaned_data["q"], user=request.user)
        return Response({"suggestions": SuggestionSerializer(suggestions, many=True).data, "degraded": degraded})
