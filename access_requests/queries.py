"""Reads of the access request flow that depend on who asks. Pages, API,
e-mails and tasks use these, so everyone sees exactly what they may.

Who is who: a product's *owners* are the owners (role) of its owning team;
its *team* is every member; *stewards* are the members of the
settings.STEWARDS_GROUP group; admins are superusers. A step may also have
*role approvers*: the people its port's data contract roles name
(PortRole), who decide it beside the owners or the stewards."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet

from audit.models import AuditEvent
from catalog.models import DataProduct, Domain, OutputPort, Team, TeamMembership
from catalog.queries import can_edit, is_steward
from core.users import AnonymousUser, User

from .models import AccessRequest, ApprovalStep, Grant, PortRole, RoleApprover


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
    """The people a step is routed to: the owners (or stewards) and the
    step's role approvers; never the requester."""
    people = stewards() if step.role == ApprovalStep.Role.STEWARD else product_owners(step.request.product)
    named = step.approvers.filter(is_active=True).values("pk")
    return User.objects.filter(Q(pk__in=people.values("pk")) | Q(pk__in=named)).exclude(pk=step.request.requester_id).order_by("username")


def may_decide(user: User | AnonymousUser, step: ApprovalStep) -> bool:
    """May `user` decide `step` by their role or as one of its role approvers
    (the self-approval ban and the step's state are the service's to check).
    Admins may decide any step."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if step.approvers.filter(pk=user.pk).exists():
        return True
    if step.role == ApprovalStep.Role.STEWARD:
        return is_steward(user)
    return is_team_owner(user, step.request.product.owner_team)


def _steps_named_for(user: User) -> QuerySet:
    """Ids of the steps a data contract role routed to `user`."""
    return ApprovalStep.approvers.through.objects.filter(user=user).values("approvalstep_id")


# --- data contract roles ------------------------------------------------------------


def port_roles(product: DataProduct) -> QuerySet[PortRole]:
    """The data contract roles of `product`'s ports, with their approvers
    (resolved or not), port by port."""
    return (
        PortRole.objects.filter(port__product=product)
        .select_related("port")
        .prefetch_related(Prefetch("approvers", RoleApprover.objects.select_related("user", "team").order_by("level", "pk")))
        .order_by("port__name", "position", "pk")
    )


@dataclass(frozen=True)
class RoleRouting:
    """What the data contract roles add to a request's routing: the roles
    that apply, the people who may decide the owner step (first level) and
    the steward step (second level) beside the owners and stewards, and
    which of the two steps the roles require. A role whose approvers are
    all unresolved still requires its step: the owners or stewards decide it."""

    roles: tuple[str, ...] = ()
    first_level: frozenset[int] = frozenset()
    second_level: frozenset[int] = frozenset()
    first_level_roles: tuple[str, ...] = ()
    second_level_roles: tuple[str, ...] = ()

    @property
    def needs_owner_step(self) -> bool:
        return bool(self.first_level_roles)

    @property
    def needs_steward_step(self) -> bool:
        return bool(self.second_level_roles)

    def approvers_for(self, step_role: str) -> frozenset[int]:
        return self.second_level if step_role == ApprovalStep.Role.STEWARD else self.first_level

    def roles_for(self, step_role: str) -> tuple[str, ...]:
        """The roles that name approvers for this step."""
        return self.second_level_roles if step_role == ApprovalStep.Role.STEWARD else self.first_level_roles


def _people(approvers: list[RoleApprover]) -> set[int]:
    """The active users these approvers stand for now: a user, or a team's owners."""
    users = {a.user_id for a in approvers if a.user_id is not None}
    teams = {a.team_id for a in approvers if a.team_id is not None}
    people = set(User.objects.filter(pk__in=users, is_active=True).values_list("pk", flat=True)) if users else set()
    if teams:
        people |= set(
            User.objects.filter(
                is_active=True, team_memberships__team_id__in=teams, team_memberships__role=TeamMembership.Role.OWNER
            ).values_list("pk", flat=True)
        )
    return people


def role_routing(product: DataProduct, *, port: OutputPort | None = None, role: PortRole | None = None) -> RoleRouting:
    """How the data contract roles route a request for `product`: by the one
    `role` the requester picked; else by every role of `port`; else (a
    request for the whole product, which covers every port) by every role of
    every port. No roles: the policy's routing alone."""
    if role is not None:
        roles = [role]
    else:
        roles = list(port_roles(product).filter(port=port) if port is not None else port_roles(product))
    if not roles:
        return RoleRouting()
    first = [a for r in roles for a in r.approvers.all() if a.level == RoleApprover.Level.FIRST]
    second = [a for r in roles for a in r.approvers.all() if a.level == RoleApprover.Level.SECOND]
    return RoleRouting(
        roles=tuple(dict.fromkeys(r.name for r in roles)),
        first_level=frozenset(_people(first)),
        second_level=frozenset(_people(second)),
        first_level_roles=tuple(dict.fromkeys(r.name for r in roles if r.first_level)),
        second_level_roles=tuple(dict.fromkeys(r.name for r in roles if r.second_level)),
    )


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
    routed = ApprovalStep.objects.filter(pk__in=_steps_named_for(user)).values("request_id")
    return requests.filter(Q(requester=user) | Q(product__in=_team_products(user)) | Q(pk__in=routed))


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
    them by role or named for them by a data contract role, never on their
    own requests (the owner inbox)."""
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
    routed = Q(role=ApprovalStep.Role.OWNER, request__product__in=_owned_products(user)) | Q(pk__in=_steps_named_for(user))
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


def port_names_with_location_shown(user: User | AnonymousUser, product: DataProduct, names) -> set[str]:
    """Of these port names of `product` (ports it has, had or will have, such
    as a scheduled change's), those whose location `user` may read: all of
    them for its team and admins; for others, the names of ports it has now
    that they may use (usable_port_ids)."""
    names = set(names)
    if can_edit(user, product):
        return names
    current = dict(product.output_ports.filter(name__in=names).values_list("pk", "name"))
    return {current[pk] for pk in usable_port_ids(user, product, list(current))}


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
