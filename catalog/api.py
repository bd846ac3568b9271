"""The catalog's REST API. Reads come from catalog.queries, writes go through
catalog.services; this module only translates HTTP."""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from . import queries, search, services
from .filters import ProductFilter
from .models import OutputPort, SchemaField, Team, TeamMembership
from .search.forms import SearchForm, SuggestForm
from .serializers import (
    DomainSerializer,
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
            ports = OutputPort.objects.order_by("name").prefetch_related(
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
