from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from catalog import queries as catalog_queries
from catalog.filters import ProductFilter
from catalog.models import OutputPort, SchemaField
from catalog.serializers import ProductSerializer

from . import services
from .serializers import ProductDetailSerializer

# Error bodies and the shared error answers (400, 401, 403, 404, …): marketplace.schema.
REFUSED_TRANSITION = OpenApiResponse(
    description="The product's lifecycle does not allow this change of status (say, retired back to draft)."
)


@extend_schema_view(
    list=extend_schema(summary="List the data products you can see"),
    retrieve=extend_schema(summary="A data product with its output ports and schemas"),
    create=extend_schema(summary="Create a data product owned by one of your teams"),
    update=extend_schema(
        summary="Replace a data product's description (owners only)", responses={200: ProductDetailSerializer, 409: REFUSED_TRANSITION}
    ),
    partial_update=extend_schema(
        summary="Change some of a data product's fields (owners only)", responses={200: ProductDetailSerializer, 409: REFUSED_TRANSITION}
    ),
)
class ProductViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"
    filterset_class = ProductFilter

    def get_queryset(self):
        products = catalog_queries.product_list(self.request.user)
        if self.action != "list":
            ports = (
                OutputPort.objects.order_by("position", "name")
                .select_related("lineage_node")
                .prefetch_related(Prefetch("fields", SchemaField.objects.order_by("position", "name")))
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
        if not catalog_queries.can_edit(request.user, product):
            raise PermissionDenied("Only members of the owning team can change this data product.")
        serializer = self.get_serializer(product, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        arguments = serializer.service_arguments()
        arguments.pop("slug", None)
        services.update_product(product, by=request.user, **arguments)
        product = self.get_queryset().get(pk=product.pk)
        return Response(self.get_serializer(product).data)
