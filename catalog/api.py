"""The catalog's REST API. Reads come from catalog.queries, writes go through
catalog.services; this module only translates HTTP."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from . import queries, services
from .models import Team, TeamMembership
from .serializers import (
    DomainSerializer,
    FollowStateSerializer,
    TeamSerializer,
)


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


class ProductFollowView(APIView):
    """Following a data product: its followers are told of its contract
    changes, published or scheduled. A product you may not see is a 404."""

    def _state(self, request, product):
        return Response(
            FollowStateSerializer(
                {"following": queries.is_following(request.user, product), "followers": queries.follower_count(product)}
            ).data
        )

    @extend_schema(summary="Whether you follow a data product", responses=FollowStateSerializer)
    def get(self, request, slug):
        return self._state(request, queries.visible_product_or_404(request.user, slug))

    @extend_schema(summary="Follow a data product (following twice changes nothing)", request=None, responses=FollowStateSerializer)
    def post(self, request, slug):
        product = queries.visible_product_or_404(request.user, slug)
        services.follow_product(product, user=request.user)
        return self._state(request, product)

    @extend_schema(summary="Stop following a data product (when not following, nothing changes)", responses={200: FollowStateSerializer})
    def delete(self, request, slug):
        product = queries.visible_product_or_404(request.user, slug)
        services.unfollow_product(product, user=request.user)
        return self._state(request, product)
