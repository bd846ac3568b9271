"""Reads of the access request flow that depend on who asks. Pages, API,
e-mails and tasks use these, so everyone sees exactly what they may.

Who is who: a product's *owners* are the owners (role) of its owning team;
its *team* is every member; *stewards* are the members of the
settings.STEWARDS_GROUP group; admins are superusers."""

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet

from audit.models import AuditEvent
from catalog.models import DataProduct, Domain, OutputPort, Team, TeamMembership
from catalog.queries import can_edit, is_steward
from core.users import AnonymousUser, User

from .models import AccessRequest, ApprovalStep, Grant


def is_team_owner(user: User | AnonymousUser, team: Team) -> bool:
    return user.is_authenticated and TeamMembership.objects.filter(team=team, user=user, role=TeamMembership.Role.OWNER).exists()


def product_owners(product: DataProduct) -> QuerySet[User]:
    """The owners of the product's owning team."""
    return User.objects.filter(
        is_active=True, team_memberships__team_id=product.owner_team_id, team_memberships__role=TeamMembership.Role.OWNER
    ).order_by("username")


def stewards() -> QuerySet[User]:
    return User.objects.filter(is_active=True, groups__name=settings.STEWARDS_GROUP).order_by("username")


def domain_owners(domain: Domain) -> QuerySet[User]:
    """Whom overdue requests escalate to: the owners of the team owning the domain."""
    return User.objects.filter(
        is_active=True, team_memberships__team_id=domain.owner_team_id, team_memberships__role=TeamMembership.Role.OWNER
    ).order_by("username")


def approvers_of(step: ApprovalStep) -> QuerySet[User]:
    """The people a step is routed to (never the requester)."""
    people = stewards() if step.role == ApprovalStep.Role.STEWARD else product_owners(step.request.product)
    return people.exclude(pk=step.request.requester_id)


def may_decide(user: User | AnonymousUser, step: ApprovalStep) -> bool:
    """May `user` decide `step` by their role (the self-approval ban and the
    step's state are the service's to check). Admins may decide any step."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if step.role == ApprovalStep.Role.STEWARD:
        return is_steward(user)
    return is_team_owner(user, step.request.product.owner_team)


def may_manage_grants(user: User | AnonymousUser, product: DataProduct) -> bool:
    """Owners of the product's team and admins may revoke its grants."""
    return user.is_authenticated and (user.is_superuser or is_team_owner(user, product.owner_team))


def _team_products(user: User) -> QuerySet:
    return DataProduct.objects.filter(owner_team__memberships__user=user).values("pk")


def _owned_products(user: User) -> QuerySet:
    return DataProduct.objects.filter(owner_team__memberships__user=user, owner_team__memberships__role=TeamMembership.Role.OWNER).values(
        "pk"
    )


def _steps_prefetch() -> Prefetch:
    return Prefetch("steps", ApprovalStep.objects.select_related("decided_by").order_by("id"))


def requests_visible_to(user: User | AnonymousUser) -> QuerySet[AccessRequest]:
    """Requests `user` may read: their own, those on their teams' products,
    those with a step routed to them; stewards and admins read all."""
    if not user.is_authenticated:
        return AccessRequest.objects.none()
    requests = AccessRequest.objects.select_related("product", "product__domain", "requester", "port").prefetch_related(_steps_prefetch())
    if user.is_superuser or is_steward(user):
        return requests
    return requests.filter(Q(requester=user) | Q(product__in=_team_products(user)))


def requests_of(user: User | AnonymousUser) -> QuerySet[AccessRequest]:
    """`user`'s own requests, newest first ("My access")."""
    if not user.is_authenticated:
        return AccessRequest.objects.none()
    return (
        AccessRequest.objects.filter(requester=user)
        .select_related("product", "product__domain", "port")
        .prefetch_related(_steps_prefetch(), "grant")
    )


def steps_decidable_by(user: User | AnonymousUser) -> QuerySet[ApprovalStep]:
    """Open steps of pending requests that `user` may decide: routed to
    them by role, never on their own requests (the owner inbox)."""
    if not user.is_authenticated:
        return ApprovalStep.objects.none()
    steps = (
        ApprovalStep.objects.filter(status=ApprovalStep.Status.PENDING, request__status=AccessRequest.Status.PENDING)
        .exclude(request__requester=user)
        .select_related("request", "request__product", "request__product__domain", "request__requester", "request__port")
        .order_by("created_at", "id")
    )
    if user.is_superuser:
        return steps
    routed = Q(role=ApprovalStep.Role.OWNER, request__product__in=_owned_products(user))
    if is_steward(user):
        routed |= Q(role=ApprovalStep.Role.STEWARD)
    return steps.filter(routed)


def requests_awaiting(user: User | AnonymousUser) -> QuerySet[AccessRequest]:
    """Pending requests with an open step `user` may decide."""
    return AccessRequest.objects.filter(pk__in=steps_decidable_by(user).values("request_id"))


def grants_visible_to(user: User | AnonymousUser) -> QuerySet[Grant]:
    """Grants `user` may read: their own and those on their teams' products;
    stewards and admins read all."""
    if not user.is_authenticated:
        return Grant.objects.none()
    grants = Grant.objects.select_related("user", "product", "port", "revoked_by")
    if user.is_superuser or is_steward(user):
        return grants
    return grants.filter(Q(user=user) | Q(product__in=_team_products(user)))


def live_grants_of(user: User) -> QuerySet[Grant]:
    return Grant.objects.live().filter(user=user).select_related("product", "port").order_by("ends_at")


def live_grant(user: User | AnonymousUser, product: DataProduct) -> Grant | None:
    if not user.is_authenticated:
        return None
    return Grant.objects.live().filter(user=user, product=product).first()


def consumers_of(product: DataProduct, *, now=None) -> QuerySet[Grant]:
    """Grants on a product live at `now` (default: the current time; its "Consumers" tab)."""
    return Grant.objects.live(now).filter(product=product).select_related("user", "port").order_by("ends_at")


def has_live_grant(user: User | AnonymousUser, product: DataProduct, *, now=None) -> bool:
    """Does `user` hold a live grant on `product` now? Checked at access time
    as well as the guardian permission the grant gives: an expired grant
    never works, even while the expiry task is late."""
    if not user.is_authenticated:
        return False
    return user.has_perm("catalog.access_dataproduct", product) and Grant.objects.live(now).filter(user=user, product=product).exists()


def audit_events_visible_to(user: User | AnonymousUser) -> QuerySet[AuditEvent]:
    """Stewards and admins read the whole trail; owners their products'."""
    if not user.is_authenticated:
        return AuditEvent.objects.none()
    events = AuditEvent.objects.all()
    if user.is_superuser or is_steward(user):
        return events
    return events.filter(product__in=_owned_products(user))


def may_read_audit(user: User | AnonymousUser) -> bool:
    """Does the audit page have anything for `user`?"""
    if not user.is_authenticated:
        return False
    return user.is_superuser or is_steward(user) or TeamMembership.objects.filter(user=user, role=TeamMembership.Role.OWNER).exists()


def open_request(user: User | AnonymousUser, product: DataProduct) -> AccessRequest | None:
    if not user.is_authenticated:
        return None
    return AccessRequest.objects.filter(requester=user, product=product, status=AccessRequest.Status.PENDING).first()


def may_use(user: User | AnonymousUser, product: DataProduct) -> bool:
    """May `user` use `product` now: see its ports' locations and real sample
    values. Its owning team and admins may; others need a live grant (the
    one function every page, endpoint and task asks)."""
    if not user.is_authenticated:
        return False
    if can_edit(user, product):
        return True
    return has_live_grant(user, product)


def _granted_port_ids(user: User, product: DataProduct, port_ids: set, **grant_filters) -> set:
    """Of `port_ids`, those a live grant of `user` on `product` covers (a
    grant without a port covers every port). Checked against the guardian
    permission too, as has_live_grant does."""
    if not user.has_perm("catalog.access_dataproduct", product):
        return set()
    covered = set(Grant.objects.live().filter(user=user, product=product, **grant_filters).values_list("port_id", flat=True))
    return port_ids if None in covered else port_ids & covered


def usable_port_ids(user: User | AnonymousUser, product: DataProduct, port_ids) -> set:
    """Of these ports of `product`, those `user` may use now and whose
    location they see: every port for its team and admins; for others, the
    ports their live grants cover (a grant for one port shows that port's)."""
    port_ids = set(port_ids)
    if not user.is_authenticated or not port_ids:
        return set()
    if can_edit(user, product):
        return port_ids
    return _granted_port_ids(user, product, port_ids)


def revealed_port_ids(user: User | AnonymousUser, product: DataProduct, port_ids) -> set:
    """Of these ports of `product`, those whose sensitive sample columns
    `user` may see unmasked: all of them for its team, admins and stewards
    (who govern it); for others, the ports a live grant with full read
    access covers (a read-masked grant covers none). Everyone else sees
    them masked (slos.samples)."""
    port_ids = set(port_ids)
    if not user.is_authenticated or not port_ids:
        return set()
    if is_steward(user) or can_edit(user, product):
        return port_ids
    return _granted_port_ids(user, product, port_ids, access=AccessRequest.Access.READ)


def sees_real_values(user: User | AnonymousUser, product: DataProduct, port: OutputPort | None = None) -> bool:
    """May `user` see the real values of the sensitive sample columns of
    `port` (without one: of every port, as a grant for the whole product
    allows)? See revealed_port_ids."""
    return bool(revealed_port_ids(user, product, [port.pk if port is not None else None]))
