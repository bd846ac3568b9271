"""The access request flow's REST API. Reads come from
access_requests.queries, every change goes through access_requests.services;
this module only translates HTTP. The API exception handler
(core.api) turns a refused change into 400 naming the field, a
forbidden one into 403 and a refused transition into 409.

Objects are looked up among those the caller may read, so another user's
request or grant answers 404, never 403: nothing says it exists."""

import django_filters
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from audit.models import AuditEvent
from core.filters import StrictFilterSet

from . import queries, services
from .models import AccessRequest, ApprovalStep, Grant
from .serializers import (
    AccessRequestCreateSerializer,
    AccessRequestSerializer,
    AuditEventSerializer,
    DecisionSerializer,
    GrantSerializer,
    RejectionSerializer,
    RevocationSerializer,
)

# --- filters -----------------------------------------------------------------------


class AccessRequestFilter(StrictFilterSet):
    SCOPES = [
        ("mine", "Requests I made"),
        ("awaiting-me", "Requests with a step I may decide"),
        ("visible", "Every request I may read"),
    ]

    scope = django_filters.ChoiceFilter(
        choices=SCOPES,
        method="filter_scope",
        empty_label=None,
        help_text="mine (the default): requests I made; awaiting-me: requests with a step I may decide; visible: every request I may read.",
    )
    status = django_filters.ChoiceFilter(choices=AccessRequest.Status.choices)

    class Meta:
        model = AccessRequest
        fields = ["scope", "status"]

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and not data.get("scope"):
            data = data.copy()
            data["scope"] = "mine"
        super().__init__(data, *args, **kwargs)

    def filter_scope(self, requests, name, scope):
        user = self.request.user
        if scope == "mine":
            return requests.filter(requester=user)
        if scope == "awaiting-me":
            return requests.filter(pk__in=queries.requests_awaiting(user).values("pk"))
        return requests  # "visible": the queryset is already what the user may read


class GrantFilter(StrictFilterSet):
    product = django_filters.CharFilter(field_name="product__slug", help_text="The data product's slug.")
    state = django_filters.ChoiceFilter(choices=[("live", "Live"), ("ended", "Ended (revoked or expired)")], method="filter_state")

    class Meta:
        model = Grant
        fields = ["product", "state"]

    def filter_state(self, grants, name, state):
        live = Grant.objects.live(timezone.now()).values("pk")
        return grants.filter(pk__in=live) if state == "live" else grants.exclude(pk__in=live)


class AuditEventFilter(StrictFilterSet):
    action = django_filters.CharFilter(help_text="An action such as request.submitted or grant.revoked.")
    product = django_filters.CharFilter(field_name="product__slug", help_text="The data product's slug.")
    actor = django_filters.CharFilter(field_name="actor_name", help_text="The actor's username.")
    since = django_filters.IsoDateTimeFilter(
        field_name="occurred_at", lookup_expr="gte", help_text="Events at or after this time (ISO 8601)."
    )
    until = django_filters.IsoDateTimeFilter(
        field_name="occurred_at", lookup_expr="lte", help_text="Events at or before this time (ISO 8601)."
    )

    class Meta:
        model = AuditEvent
        fields = ["action", "product", "actor", "since", "until"]


class FiltersOnListsOnly:
    """Query-string filters narrow lists; one object is found by its id alone."""

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)


# --- access requests ---------------------------------------------------------------

REFUSALS = {
    403: OpenApiResponse(description="You may not take this decision (your own request, or a step routed to someone else)."),
    404: OpenApiResponse(description="No such request among those you may read."),
    409: OpenApiResponse(description="The request's state does not allow this (decided or withdrawn already)."),
}


@extend_schema_view(
    list=extend_schema(summary="List access requests: your own, those awaiting you, or all you may read"),
    retrieve=extend_schema(summary="An access request with its approval steps"),
    create=extend_schema(
        summary="Request access to a data product",
        request=AccessRequestCreateSerializer,
        responses={
            201: AccessRequestSerializer,
            400: OpenApiResponse(description="A field is missing or out of the policy's bounds; the answer names it."),
            409: OpenApiResponse(description="You have an open request or a live grant for this product, or it is not published."),
        },
    ),
)
class AccessRequestViewSet(
    FiltersOnListsOnly, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = AccessRequestSerializer
    filterset_class = AccessRequestFilter

    def get_queryset(self):
        return queries.requests_visible_to(self.request.user).select_related("grant")

    def get_serializer_class(self):
        return AccessRequestCreateSerializer if self.action == "create" else AccessRequestSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        access_request = services.submit_request(serializer.validated_data["product"], by=request.user, **serializer.service_arguments())
        return self._answer(access_request, code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Approve the open step of a request routed to you",
        request=DecisionSerializer,
        responses={200: AccessRequestSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        access_request = self.get_object()
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        step = self._step_to_decide(access_request)
        services.approve_step(step, by=request.user, comment=serializer.validated_data["comment"])
        return self._answer(access_request)

    @extend_schema(
        summary="Reject a request (a comment is required)",
        request=RejectionSerializer,
        responses={200: AccessRequestSerializer, 400: OpenApiResponse(description="The comment is missing."), **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        access_request = self.get_object()
        serializer = RejectionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        step = self._step_to_decide(access_request)
        services.reject_step(step, by=request.user, comment=serializer.validated_data["comment"])
        return self._answer(access_request)

    @extend_schema(
        summary="Withdraw your own pending request",
        request=None,
        responses={
            200: AccessRequestSerializer,
            403: OpenApiResponse(description="Only the requester may withdraw a request."),
            404: REFUSALS[404],
            409: OpenApiResponse(description="The request is not pending any more."),
        },
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        access_request = self.get_object()
        services.withdraw_request(access_request, by=request.user)
        return self._answer(access_request)

    def _step_to_decide(self, access_request: AccessRequest) -> ApprovalStep:
        """The open step of `access_request` the caller may decide; when several
        (an admin), the first. When no open step is routed to them, the step
        the service should refuse, so that its answer says why: a step of their
        role decided already or a request decided already (409), their own
        request or another role's step (403)."""
        user = self.request.user
        step = queries.steps_decidable_by(user).filter(request=access_request).first()
        if step is not None:
            return step
        steps = sorted(access_request.steps.all(), key=lambda step: (step.status != ApprovalStep.Status.PENDING, step.pk))
        routed = [step for step in steps if queries.may_decide(user, step)]
        if routed or steps:
            return (routed or steps)[0]
        # Approved automatically (the requester is in the owning team): there are no steps.
        if user.pk == access_request.requester_id:
            raise services.NotAllowed("You cannot decide on your own request.")
        raise services.DecisionError(
            f"This request is {access_request.get_status_display().lower()} already: it was approved automatically."
        )

    def _answer(self, access_request: AccessRequest, *, code: int = status.HTTP_200_OK) -> Response:
        access_request = self.get_queryset().get(pk=access_request.pk)
        return Response(AccessRequestSerializer(access_request, context=self.get_serializer_context()).data, status=code)


# --- grants ---------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List the grants you may read: your own, your teams' products' (stewards and admins: all)"),
    retrieve=extend_schema(summary="A grant"),
)
class GrantViewSet(FiltersOnListsOnly, viewsets.ReadOnlyModelViewSet):
    serializer_class = GrantSerializer
    filterset_class = GrantFilter

    def get_queryset(self):
        return queries.grants_visible_to(self.request.user)

    @extend_schema(
        summary="Revoke a live grant now (owners of the product's team and admins)",
        request=RevocationSerializer,
        responses={
            200: GrantSerializer,
            400: OpenApiResponse(description="The reason is missing."),
            403: OpenApiResponse(description="Only an owner of the product's team or an admin may revoke."),
            404: OpenApiResponse(description="No such grant among those you may read."),
            409: OpenApiResponse(description="The grant has ended already."),
        },
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        grant = self.get_object()
        serializer = RevocationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.revoke_grant(grant, by=request.user, reason=serializer.validated_data["reason"])
        grant = self.get_queryset().get(pk=grant.pk)
        return Response(GrantSerializer(grant, context=self.get_serializer_context()).data)


# --- audit trail -------------------------------------------------------------------------


class MayReadAudit(permissions.BasePermission):
    message = "Only product owners, governance stewards and admins read the audit trail."

    def has_permission(self, request, view) -> bool:
        return queries.may_read_audit(request.user)


@extend_schema_view(
    list=extend_schema(summary="The audit trail: your products' events (stewards and admins: all), newest first"),
    retrieve=extend_schema(summary="One audit event, by its sequence number"),
)
class AuditEventViewSet(FiltersOnListsOnly, viewsets.ReadOnlyModelViewSet):
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    permission_classes = [permissions.IsAuthenticated, MayReadAudit]
    lookup_field = "sequence"
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return queries.audit_events_visible_to(self.request.user).select_related("product")
