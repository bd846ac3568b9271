"""The catalog's REST API. Reads come from catalog.queries, writes go through
catalog.services; this module only translates HTTP."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from . import queries
from .models import Team, TeamMembership
from .serializers import (
    DomainSerializer,
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
