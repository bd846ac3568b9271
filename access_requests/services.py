"""Every state change of the access request flow, one named function each.

HTML views, API views, the admin, the tasks and the management commands
call these; none repeats a rule written here. Each function runs in one
transaction, locks the request or grant it changes, writes its audit
events and its notifications in that same transaction, and keeps the
django-guardian permission `catalog.access_dataproduct` in step with the
grants. E-mail goes out after commit (notifications.services).
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from audit import trail
from catalog.models import DataProduct, OutputPort, Team
from catalog.queries import can_edit, is_team_member
from core.errors import Conflict, Forbidden, ServiceError
from core.users import User
from notifications.models import Notification
from notifications.services import notify

from . import queries
from .models import AccessRequest, ApprovalStep, Grant, Policy, PortRole, RoleApprover

ACCESS_PERMISSION = "catalog.access_dataproduct"
MAX_COMMENT_LENGTH = 2000
MAX_REASON_LENGTH = 2000
# The periodic tasks (expire_grants, send_reminders) take at most this many
# grants or steps a run, one transaction each: a backlog (after an outage)
# cannot hold a worker for long, and the next run, minutes later, takes the rest.
MAX_PER_RUN = 5000


class AccessRequestError(ServiceError):
    """A refused request or decision; `field` names the input it is about."""


class DecisionError(AccessRequestError, Conflict):
    """The request's or grant's current state does not allow this (HTTP 409)."""


class NotAllowed(AccessRequestError, Forbidden):
    """The user may not take this decision (HTTP 403)."""


# --- policy ------------------------------------------------------------------


@dataclass(frozen=True)
class EffectivePolicy:
    """The rules that apply to one product: the strictest of its
    classification's policy and, when it contains personal data, the
    personal-data policy."""

    roles: tuple[str, ...]
    max_duration_days: int
    purpose_min_length: int
    purpose_max_length: int
    reminder_after: timedelta
    escalate_after: timedelta
    applies: tuple[str, ...]


# When an admin deleted every applicable policy: route to owners and stewards, short grants.
FALLBACK_POLICY = EffectivePolicy(
    roles=(ApprovalStep.Role.OWNER, ApprovalStep.Role.STEWARD),
    max_duration_days=90,
    purpose_min_length=10,
    purpose_max_length=2000,
    reminder_after=timedelta(hours=24),
    escalate_after=timedelta(hours=72),
    applies=(),
)


def policy_for(product: DataProduct) -> EffectivePolicy:
    wanted = [product.classification] + ([Policy.AppliesTo.PERSONAL_DATA] if product.contains_pii else [])
    policies = list(Policy.objects.filter(applies_to__in=wanted))
    if not policies:
        return FALLBACK_POLICY
    roles = []
    if any(policy.requires_owner_approval for policy in policies):
        roles.append(ApprovalStep.Role.OWNER)
    if any(policy.requires_steward_approval for policy in policies):
        roles.append(ApprovalStep.Role.STEWARD)
    return EffectivePolicy(
        roles=tuple(roles) or (ApprovalStep.Role.OWNER,),  # someone must decide
        max_duration_days=min(policy.max_duration_days for policy in policies),
        purpose_min_length=max(policy.purpose_min_length for policy in policies),
        purpose_max_length=min(policy.purpose_max_length for policy in policies),
        reminder_after=timedelta(hours=min(policy.reminder_after_hours for policy in policies)),
        escalate_after=timedelta(hours=min(policy.escalate_after_hours for policy in policies)),
        applies=tuple(policy.applies_to for policy in policies),
    )


POLICY_FIELDS = (
    "applies_to",
    "requires_owner_approval",
    "requires_steward_approval",
    "max_duration_days",
    "purpose_min_length",
    "purpose_max_length",
    "reminder_after_hours",
    "escalate_after_hours",
)


def _check_policy_fields(names) -> None:
    unknown = set(names) - set(POLICY_FIELDS)
    if unknown:
        raise AccessRequestError(f"{', '.join(sorted(unknown))} is not a policy setting.", field=sorted(unknown)[0])


@transaction.atomic
def create_policy(*, by: User, applies_to: str, **values) -> Policy:
    """Create the policy for products of `applies_to`. Writes a `policy.created`
    audit event with its settings in this transaction."""
    _check_policy_fields(values)
    policy = Policy(applies_to=applies_to, **values)
    policy.full_clean()
    policy.save()
    trail.record("policy.created", actor=by, obj=policy, payload={name: getattr(policy, name) for name in POLICY_FIELDS})
    return policy


@transaction.atomic
def update_policy(policy: Policy, *, by: User, **changes) -> Policy:
    """Change `policy`'s settings. Writes a `policy.changed` audit event with
    each changed setting's old and new value in this transaction (none when
    nothing changed). Requests already submitted keep their steps; the new
    settings apply to the next request."""
    _check_policy_fields(changes)
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    changed = {}
    for name, value in changes.items():
        if getattr(policy, name) != value:
            changed[name] = {"from": getattr(policy, name), "to": value}
            setattr(policy, name, value)
    if not changed:
        return policy
    policy.full_clean()
    policy.save()
    trail.record("policy.changed", actor=by, obj=policy, payload={"applies_to": policy.applies_to, "changes": changed})
    return policy


@transaction.atomic
def delete_policy(policy: Policy, *, by: User) -> None:
    """Delete `policy` (its products fall back to the other policies, or
    FALLBACK_POLICY). Writes a `policy.deleted` audit event with the settings
    it had, in this transaction."""
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    trail.record("policy.deleted", actor=by, obj=policy, payload={name: getattr(policy, name) for name in POLICY_FIELDS})
    policy.delete()


# --- data contract roles -------------------------------------------------------


@dataclass(frozen=True)
class RoleSpec:
    """One role of a port's data contract (ODCS `roles[]`), as given:
    approvers are the contract's text, one name or several separated by
    commas or semicolons."""

    name: str
    description: str = ""
    access: str = ""
    first_level_approvers: str = ""
    second_level_approvers: str = ""


@dataclass
class PortRolesOutcome:
    """What set_port_roles did: whether anything changed, and each approver
    name that resolves to no marketplace user or team, as
    (role, "first-level" | "second-level", name)."""

    changed: bool = False
    unresolved: list[tuple[str, str, str]] = field(default_factory=list)


# Contracts write these where a role has no approver at that level (the ODCS full example's `na`).
NO_APPROVER = {"", "-", "na", "n/a", "none", "null", "nobody"}


def approver_names(text: str) -> list[str]:
    """The names in a role's approvers text: split at commas, semicolons and
    line ends, trimmed, without the "no approver" words (NO_APPROVER) and repeats."""
    names = (name.strip() for name in re.split(r"[,;\n]", text or ""))
    return list(dict.fromkeys(name[:200] for name in names if name.lower() not in NO_APPROVER))


def resolve_approver(name: str) -> tuple[User | None, Team | None]:
    """The marketplace user or team `name` stands for: a user by username,
    else by e-mail address (when only one user has it), else a team by slug
    or name; (None, None) when nothing matches. Case does not matter."""
    user = User.objects.filter(username__iexact=name).order_by("pk").first()
    if user is None and "@" in name:
        users = list(User.objects.filter(email__iexact=name)[:2])
        user = users[0] if len(users) == 1 else None
    if user is not None:
        return user, None
    return None, Team.objects.filter(Q(slug__iexact=name) | Q(name__iexact=name)).order_by("pk").first()


def _role_row(role: PortRole, approvers: Iterable[RoleApprover]) -> tuple:
    fields = (role.name, role.description, role.access, role.first_level_approvers, role.second_level_approvers)
    return (*fields, tuple((a.level, a.name, a.user_id, a.team_id) for a in approvers))


@transaction.atomic
def set_port_roles(port: OutputPort, roles: Sequence[RoleSpec], *, by: User) -> PortRolesOutcome:
    """Make `roles` the data contract roles of `port` (the contract import
    calls this in its transaction), each approver name resolved to a user or
    team now (resolve_approver); a name that resolves to nothing is kept and
    reported unresolved. No roles: the port has none, and its requests follow
    the policy alone. Only members of the owning team and admins may.
    Writes a `port.roles_changed` audit event when anything changed
    (a name newly resolved too). Requests already submitted keep their steps."""
    if not roles and not PortRole.objects.filter(port=port).exists():
        return PortRolesOutcome()  # nothing to set, nothing to take away: most contracts name no roles
    if not can_edit(by, port.product):
        raise NotAllowed("Only members of the owning team can set this port's roles.")
    port = OutputPort.objects.select_for_update().select_related("product").get(pk=port.pk)
    wanted: list[tuple[PortRole, list[RoleApprover]]] = []
    outcome = PortRolesOutcome()
    for position, spec in enumerate(roles):
        role = PortRole(
            port=port,
            position=position,
            name=spec.name.strip()[:200],
            description=spec.description or "",
            access=(spec.access or "").strip()[:60],
            first_level_approvers=(spec.first_level_approvers or "")[:1000],
            second_level_approvers=(spec.second_level_approvers or "")[:1000],
        )
        approvers = []
        for level, text in (
            (RoleApprover.Level.FIRST, spec.first_level_approvers),
            (RoleApprover.Level.SECOND, spec.second_level_approvers),
        ):
            for name in approver_names(text):
                user, team = resolve_approver(name)
                approvers.append(RoleApprover(level=level, name=name, user=user, team=team))
                if user is None and team is None:
                    outcome.unresolved.append((role.name, "first-level" if level == RoleApprover.Level.FIRST else "second-level", name))
        wanted.append((role, approvers))
    current = port.access_roles.prefetch_related("approvers").order_by("position", "pk")
    if [_role_row(role, role.approvers.all()) for role in current] == [_role_row(role, approvers) for role, approvers in wanted]:
        return outcome
    port.access_roles.all().delete()
    for role, approvers in wanted:
        role.save()
        for approver in approvers:
            approver.role = role
        RoleApprover.objects.bulk_create(approvers)
    trail.record(
        "port.roles_changed",
        actor=by,
        obj=port,
        product=port.product,
        payload={
            "port": port.name,
            "roles": [
                {
                    "role": role.name,
                    "access": role.access,
                    "first_level_approvers": role.first_level_approvers,
                    "second_level_approvers": role.second_level_approvers,
                }
                for role, _ in wanted
            ],
            "unresolved": [{"role": role, "level": level, "name": name} for role, level, name in outcome.unresolved],
        },
    )
    outcome.changed = True
    return outcome


# --- submitting ----------------------------------------------------------------


def _check_purpose(purpose: str, policy: EffectivePolicy) -> str:
    purpose = (purpose or "").strip()
    if not purpose:
        raise AccessRequestError("Say what you will use the data for.", field="purpose")
    if len(purpose) < policy.purpose_min_length:
        raise AccessRequestError(f"Describe the purpose in at least {policy.purpose_min_length} characters.", field="purpose")
    if len(purpose) > policy.purpose_max_length:
        raise AccessRequestError(
            f"The purpose may be at most {policy.purpose_max_length} characters long (it has {len(purpose)}).", field="purpose"
        )
    return purpose


def _check_duration(duration_days, policy: EffectivePolicy) -> int:
    try:
        duration_days = int(duration_days)
    except (TypeError, ValueError):
        raise AccessRequestError("Give the duration as a whole number of days.", field="duration_days") from None
    if not 1 <= duration_days <= policy.max_duration_days:
        raise AccessRequestError(
            f"Ask for between 1 and {policy.max_duration_days} days: the longest grant this product's policy allows.",
            field="duration_days",
        )
    return duration_days


@transaction.atomic
def submit_request(
    product: DataProduct,
    *,
    by: User,
    purpose: str,
    duration_days: int,
    port: OutputPort | None = None,
    access: str = AccessRequest.Access.READ,
    role: PortRole | None = None,
    now: datetime | None = None,
) -> AccessRequest:
    """`by` asks to use `product` (optionally one of its output ports, or one
    role of a port's data contract, which asks for that port) for a purpose
    and a number of days, both bounded by the product's policy. The request
    gets one pending approval step per role the policy names, and its
    approvers a notification. The port's data contract roles (the picked
    one, else all of the port's, else all of the product's ports') add
    approvers (queries.role_routing): first-level approvers may decide the
    owner step beside the owners, second-level approvers the steward step
    beside the stewards, and a role naming second-level (or first-level)
    approvers adds that step where the policy has none. A member of the
    owning team is approved at once (audited as such) and gets a grant.
    Writes audit events.
    Refuses: anonymous users, products that are not published, a second
    open request, a request while a live grant exists.
    `now` (default: the current time) is when it is submitted: the time on
    the request, its steps, its audit events, its notifications and any grant."""
    now = now or timezone.now()
    if by is None or not by.is_authenticated:
        raise NotAllowed("Sign in to request access.")
    product = DataProduct.objects.select_related("owner_team", "domain").get(pk=product.pk)
    if product.status != DataProduct.Status.PUBLISHED:
        raise DecisionError(
            f"{product.name} is {product.get_status_display().lower()}: only published products take new requests.",
            field="product",
        )
    if port is not None and port.product_id != product.pk:
        raise AccessRequestError("That output port belongs to another product.", field="output_port")
    port, role = _check_role(product, port, role)
    if access not in AccessRequest.Access.values:
        raise AccessRequestError(f"Access must be one of: {', '.join(AccessRequest.Access.values)}.", field="access")
    policy = policy_for(product)
    purpose = _check_purpose(purpose, policy)
    duration_days = _check_duration(duration_days, policy)
    live = Grant.objects.live(now).filter(user=by, product=product).first()
    if live is not None:
        raise DecisionError(
            f"You already have access to {product.name} until {timezone.localtime(live.ends_at):%Y-%m-%d}.", field="product"
        )
    if AccessRequest.objects.filter(requester=by, product=product, status=AccessRequest.Status.PENDING).exists():
        raise DecisionError(f"You already have an open request for {product.name}; withdraw it to ask again.", field="product")

    try:
        with transaction.atomic():  # the unique constraint catches a racing second submission
            request = AccessRequest.objects.create(
                requester=by,
                product=product,
                port=port,
                purpose=purpose,
                duration_days=duration_days,
                access=access,
                role_name=role.name if role is not None else "",
                created_at=now,
            )
    except IntegrityError:
        raise DecisionError(f"You already have an open request for {product.name}.", field="product") from None
    payload = {
        "product": product.slug,
        "port": port.name if port else None,
        "purpose": purpose,
        "duration_days": duration_days,
        "access": access,
        "classification": product.classification,
        "contains_pii": product.contains_pii,
        "policies": list(policy.applies),
    }
    routing = queries.role_routing(product, port=port, role=role)
    if role is not None:
        payload["role"] = role.name
    if routing.roles:
        payload["contract_roles"] = list(routing.roles)
    trail.record("request.submitted", actor=by, obj=request, product=product, payload=payload, at=now)

    if is_team_member(by, product.owner_team):
        _approve(request, by=None, auto=True, now=now)
        return request

    for step_role in _step_roles(policy, routing):
        step = ApprovalStep.objects.create(
            request=request, role=step_role, created_at=now, contract_roles=", ".join(routing.roles_for(step_role))[:500]
        )
        named = routing.approvers_for(step_role) - {by.pk}
        if named:
            step.approvers.set(named)
    for step in request.steps.all():
        notify(
            queries.approvers_of(step),
            kind=Notification.Kind.REQUEST_SUBMITTED,
            context={"by": by, "product": product, "duration_days": duration_days, "purpose": purpose, "step": step},
            url=reverse("access_requests:inbox"),
            request=request,
            now=now,
        )
    return request


def _check_role(product: DataProduct, port: OutputPort | None, role: PortRole | None) -> tuple[OutputPort | None, PortRole | None]:
    """A picked data contract role asks for its own port."""
    if role is None:
        return port, None
    role = PortRole.objects.select_related("port").get(pk=role.pk)
    if role.port.product_id != product.pk:
        raise AccessRequestError("That role belongs to another product's data contract.", field="role")
    if port is not None and port.pk != role.port_id:
        raise AccessRequestError(f"The role {role.name!r} is one of output port {role.port.name!r}, not of {port.name!r}.", field="role")
    return role.port, role


def _step_roles(policy: EffectivePolicy, routing: queries.RoleRouting) -> list[str]:
    """The policy's steps, plus an owner or steward step a data contract role asks for."""
    roles = list(policy.roles)
    if routing.needs_owner_step and ApprovalStep.Role.OWNER not in roles:
        roles.insert(0, ApprovalStep.Role.OWNER)
    if routing.needs_steward_step and ApprovalStep.Role.STEWARD not in roles:
        roles.append(ApprovalStep.Role.STEWARD)
    return roles


# --- deciding --------------------------------------------------------------------


def _lock(step: ApprovalStep) -> tuple[AccessRequest, ApprovalStep]:
    """Lock the request, then read the step afresh: whoever holds the lock
    decides on the current state, so concurrent decisions queue."""
    request = AccessRequest.objects.select_for_update().select_related("product", "requester").get(pk=step.request_id)
    return request, ApprovalStep.objects.select_for_update().get(pk=step.pk)


def _check_may_decide(request: AccessRequest, step: ApprovalStep, by: User) -> None:
    if by is None or not by.is_authenticated:
        raise NotAllowed("Sign in to decide on requests.")
    if by.pk == request.requester_id:
        raise NotAllowed("You cannot decide on your own request.")
    if not queries.may_decide(by, step):
        raise NotAllowed(f"Only a {step.get_role_display().lower()} may decide this step.")
    if request.status != AccessRequest.Status.PENDING:
        raise DecisionError(f"This request is {request.get_status_display().lower()} already.")
    if step.status != ApprovalStep.Status.PENDING:
        decider = step.decided_by.get_username() if step.decided_by else "someone"
        raise DecisionError(f"This step was {step.get_status_display().lower()} by {decider} already.")


@transaction.atomic
def approve_step(step: ApprovalStep, *, by: User, comment: str = "", now: datetime | None = None) -> AccessRequest:
    """Record `by`'s approval of `step`. When it is the last open step the
    request is approved and a grant created (with the guardian permission).
    One person cannot approve two steps of one request. Writes audit events
    and notifications in this transaction; e-mail goes out after commit.
    `now` (default: the current time) is when the decision is taken: the
    time on the step, the request, the grant, audit events and notifications."""
    now = now or timezone.now()
    request, step = _lock(step)
    _check_may_decide(request, step, by)
    comment = (comment or "").strip()[:MAX_COMMENT_LENGTH]
    if request.steps.filter(status=ApprovalStep.Status.APPROVED, decided_by=by).exists():
        raise DecisionError("You approved another step of this request already: a second approver must be someone else.")
    step.status, step.decided_by, step.comment, step.decided_at = ApprovalStep.Status.APPROVED, by, comment, now
    step.save(update_fields=["status", "decided_by", "comment", "decided_at"])
    trail.record(
        "step.approved",
        actor=by,
        obj=step,
        product=request.product,
        at=now,
        payload={"request": request.pk, "role": step.role, "comment": comment},
    )
    if not request.steps.exclude(status=ApprovalStep.Status.APPROVED).exists():
        _approve(request, by=by, auto=False, now=now)
    return request


@transaction.atomic
def reject_step(step: ApprovalStep, *, by: User, comment: str, now: datetime | None = None) -> AccessRequest:
    """Record `by`'s rejection of `step`: the request is rejected and its
    other open steps cancelled. A comment is required (the requester reads
    it). Writes audit events and notifications in this transaction.
    `now` (default: the current time) is when the decision is taken: the
    time on the step, the request, audit events and notifications."""
    now = now or timezone.now()
    request, step = _lock(step)
    _check_may_decide(request, step, by)
    comment = (comment or "").strip()
    if not comment:
        raise AccessRequestError("Say why you reject the request: the requester reads it.", field="comment")
    comment = comment[:MAX_COMMENT_LENGTH]
    step.status, step.decided_by, step.comment, step.decided_at = ApprovalStep.Status.REJECTED, by, comment, now
    step.save(update_fields=["status", "decided_by", "comment", "decided_at"])
    trail.record(
        "step.rejected",
        actor=by,
        obj=step,
        product=request.product,
        at=now,
        payload={"request": request.pk, "role": step.role, "comment": comment},
    )
    _refuse(request, by=by, comment=comment, now=now)
    return request


def _refuse(request: AccessRequest, *, by: User | None, comment: str, now: datetime) -> None:
    """Close `request` as rejected with `comment` (its open steps cancelled),
    audited, and tell the requester. `by` None: the marketplace itself."""
    request.steps.filter(status=ApprovalStep.Status.PENDING).update(status=ApprovalStep.Status.CANCELLED)
    request.status, request.decided_at = AccessRequest.Status.REJECTED, now
    request.save(update_fields=["status", "decided_at"])
    trail.record("request.rejected", actor=by, obj=request, product=request.product, at=now, payload={"comment": comment})
    notify(
        [request.requester],
        kind=Notification.Kind.REQUEST_REJECTED,
        context={"by": by, "product": request.product, "comment": comment},
        url=request.get_absolute_url(),
        request=request,
        now=now,
    )


def _approve(request: AccessRequest, *, by: User | None, auto: bool, now: datetime) -> Grant:
    """The request is approved at `now`: create the grant, starting then, and give the permission."""
    request.status, request.decided_at, request.auto_approved = AccessRequest.Status.APPROVED, now, auto
    request.save(update_fields=["status", "decided_at", "auto_approved"])
    grant = Grant.objects.create(
        request=request,
        user=request.requester,
        product=request.product,
        port=request.port,
        access=request.access,
        starts_at=now,
        ends_at=now + timedelta(days=request.duration_days),
    )
    assign_perm(ACCESS_PERMISSION, request.requester, request.product)
    action = "request.auto_approved" if auto else "request.approved"
    trail.record(
        action,
        actor=request.requester if auto else by,
        obj=request,
        product=request.product,
        at=now,
        payload={
            "reason": "the requester is a member of the owning team" if auto else "every step approved",
        },
    )
    trail.record(
        "grant.created",
        actor=by,
        obj=grant,
        product=request.product,
        at=now,
        payload={
            "user": request.requester.get_username(),
            "starts_at": grant.starts_at.isoformat(),
            "ends_at": grant.ends_at.isoformat(),
            "access": grant.access,
        },
    )
    refresh_consumer_counts([request.product_id], now=now)
    notify(
        [request.requester],
        kind=Notification.Kind.REQUEST_APPROVED,
        context={"product": request.product, "grant": grant, "auto": auto},
        url=request.product.get_absolute_url(),
        request=request,
        now=now,
    )
    return grant


@transaction.atomic
def withdraw_request(request: AccessRequest, *, by: User, now: datetime | None = None) -> AccessRequest:
    """The requester takes back a pending request; its open steps are
    cancelled and their approvers told. Only the requester may. Writes an
    audit event and notifications in this transaction. `now` (default: the
    current time) is when it is withdrawn: the time on the request, the
    audit event and the notifications."""
    now = now or timezone.now()
    request = AccessRequest.objects.select_for_update().select_related("product").get(pk=request.pk)
    if by is None or by.pk != request.requester_id:
        raise NotAllowed("Only the person who made a request may withdraw it.")
    if request.status != AccessRequest.Status.PENDING:
        raise DecisionError(f"This request is {request.get_status_display().lower()} already.")
    open_steps = list(request.steps.filter(status=ApprovalStep.Status.PENDING))
    request.steps.filter(status=ApprovalStep.Status.PENDING).update(status=ApprovalStep.Status.CANCELLED)
    request.status, request.decided_at = AccessRequest.Status.WITHDRAWN, now
    request.save(update_fields=["status", "decided_at"])
    trail.record("request.withdrawn", actor=by, obj=request, product=request.product, at=now)
    notify(
        [approver for step in open_steps for approver in queries.approvers_of(step)],
        kind=Notification.Kind.REQUEST_WITHDRAWN,
        context={"by": by, "product": request.product},
        url=request.get_absolute_url(),
        request=request,
        now=now,
    )
    return request


# --- ending grants -----------------------------------------------------------------


def _end_grant(grant: Grant, *, now: datetime) -> None:
    """Take the permission away unless another grant live at `now` still gives it."""
    if not Grant.objects.live(now).filter(user_id=grant.user_id, product_id=grant.product_id).exclude(pk=grant.pk).exists():
        remove_perm(ACCESS_PERMISSION, grant.user, grant.product)
    refresh_consumer_counts([grant.product_id], now=now)


@transaction.atomic
def revoke_grant(grant: Grant, *, by: User, reason: str, now: datetime | None = None) -> Grant:
    """An owner of the product's team (or an admin) ends `grant` now, with a
    reason the grantee is told. Access is gone on the very next request.
    Writes an audit event and a notification in this transaction. `now`
    (default: the current time) is when it is revoked: the time on the
    grant, the audit event and the notification."""
    now = now or timezone.now()
    grant = Grant.objects.select_for_update().select_related("product", "user").get(pk=grant.pk)
    if not queries.may_manage_grants(by, grant.product):
        raise NotAllowed("Only an owner of the product's team or an admin may revoke its grants.")
    reason = (reason or "").strip()
    if not reason:
        raise AccessRequestError("Give a reason: the person losing access is told.", field="reason")
    if not grant.is_live(now):
        raise DecisionError(f"This grant has {grant.state == 'revoked' and 'been revoked' or 'expired'} already.")
    _revoke(grant, by=by, reason=reason, now=now)
    return grant


def _revoke(grant: Grant, *, by: User | None, reason: str, now: datetime) -> None:
    """End `grant` at `now` for `reason`, audited, and tell its holder.
    `by` None: the marketplace itself."""
    grant.revoked_at, grant.revoked_by, grant.revoke_reason = now, by, reason[:MAX_REASON_LENGTH]
    grant.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    _end_grant(grant, now=now)
    trail.record(
        "grant.revoked",
        actor=by,
        obj=grant,
        product=grant.product,
        at=now,
        payload={"user": grant.user.get_username(), "reason": grant.revoke_reason},
    )
    notify(
        [grant.user],
        kind=Notification.Kind.GRANT_REVOKED,
        context={"by": by, "product": grant.product, "grant": grant},
        url=grant.product.get_absolute_url(),
        request=grant.request,
        now=now,
    )


@transaction.atomic
def end_access_to_port(port: OutputPort, *, by: User | None = None, now: datetime | None = None) -> tuple[int, int]:
    """`port` is about to be removed (catalog.services.set_output_ports, or a
    cascade when its product goes). A grant or an open request for that port
    alone would otherwise outlive it as one for the whole product: its port
    becomes empty, which means every port. So its live grants are revoked and
    its open requests refused, each with an audit event, and their holders
    told why. `by` is who removed the port, when known. Returns (grants
    revoked, requests refused)."""
    now = now or timezone.now()
    reason = f"The output port {port.name!r} was removed from {port.product.name}."
    grants = list(Grant.objects.live(now).select_for_update().select_related("product", "user", "request").filter(port=port))
    for grant in grants:
        _revoke(grant, by=by, reason=reason, now=now)
    requests = list(
        AccessRequest.objects.select_for_update()
        .select_related("product", "requester")
        .filter(port=port, status=AccessRequest.Status.PENDING)
    )
    for request in requests:
        _refuse(request, by=by, comment=reason, now=now)
    return len(grants), len(requests)


def expire_grants(*, now: datetime | None = None) -> int:
    """End every grant past its end that is not marked yet (the beat task;
    access checks do not wait for it). One transaction per grant, so one
    failure does not hold back the others; each writes an audit event and a
    notification. `now` (default: the current time) is when they expire:
    which grants are past their end, and the time on the grants, the audit
    events and the notifications. Returns how many ended."""
    now = now or timezone.now()
    ended = 0
    due = Grant.objects.filter(revoked_at=None, expired_at=None, ends_at__lte=now).values_list("pk", flat=True)
    for grant_id in list(due[:MAX_PER_RUN]):
        with transaction.atomic():
            grant = Grant.objects.select_for_update().select_related("product", "user").get(pk=grant_id)
            if grant.revoked_at or grant.expired_at or grant.ends_at > now:
                continue  # ended meanwhile by someone else
            grant.expired_at = now
            grant.save(update_fields=["expired_at"])
            _end_grant(grant, now=now)
            trail.record(
                "grant.expired",
                obj=grant,
                product=grant.product,
                at=now,
                payload={
                    "user": grant.user.get_username(),
                    "ended_at": grant.ends_at.isoformat(),
                },
            )
            notify(
                [grant.user],
                kind=Notification.Kind.GRANT_EXPIRED,
                context={"product": grant.product, "grant": grant},
                url=grant.product.get_absolute_url(),
                request=grant.request,
                now=now,
            )
            ended += 1
    return ended


# --- reminders ------------------------------------------------------------------------


def send_reminders(*, now: datetime | None = None) -> tuple[int, int]:
    """Remind the approvers of steps open longer than their policy's reminder
    delay, and escalate those open longer than its escalation delay to the
    owners of the product's domain. Each step is reminded and escalated once
    (the timestamps are set under the request's lock), so running this twice
    sends nothing twice. Writes an audit event and notifications per step.
    `now` (default: the current time) is when it runs: how long steps have
    waited, and the time on the steps, the audit events and the
    notifications. Returns (reminded, escalated)."""
    now = now or timezone.now()
    reminded = escalated = 0
    open_steps = (
        ApprovalStep.objects.filter(status=ApprovalStep.Status.PENDING, request__status=AccessRequest.Status.PENDING)
        .filter(escalated_at=None)
        .select_related("request__product")
    )
    for (step_id,) in list(open_steps.values_list("pk")[:MAX_PER_RUN]):
        with transaction.atomic():
            step = open_steps.select_for_update(of=("self",)).filter(pk=step_id).first()
            if step is None:
                continue
            request, product = step.request, step.request.product
            policy = policy_for(product)
            age = now - step.created_at
            if age >= policy.escalate_after and step.escalated_at is None:
                step.escalated_at = now
                step.reminded_at = step.reminded_at or now
                step.save(update_fields=["escalated_at", "reminded_at"])
                trail.record(
                    "step.escalated",
                    obj=step,
                    product=product,
                    at=now,
                    payload={"request": request.pk, "role": step.role, "open_hours": int(age.total_seconds() // 3600)},
                )
                notify(
                    queries.domain_owners(product.domain),
                    kind=Notification.Kind.STEP_ESCALATED,
                    context={"product": product, "step": step, "waited": _age(age)},
                    url=request.get_absolute_url(),
                    request=request,
                    now=now,
                )
                escalated += 1
            elif age >= policy.reminder_after and step.reminded_at is None:
                step.reminded_at = now
                step.save(update_fields=["reminded_at"])
                trail.record("step.reminded", obj=step, product=product, at=now, payload={"request": request.pk, "role": step.role})
                notify(
                    queries.approvers_of(step),
                    kind=Notification.Kind.STEP_REMINDER,
                    context={"product": product, "waited": _age(age)},
                    url=reverse("access_requests:inbox"),
                    request=request,
                    now=now,
                )
                reminded += 1
    return reminded, escalated


def _age(age: timedelta) -> str:
    hours = int(age.total_seconds() // 3600)
    return f"{hours // 24} days" if hours >= 48 else f"{hours} hours"


def refresh_consumer_counts(product_ids: Iterable[int], *, now: datetime | None = None) -> None:
    """Recount each product's consumers: distinct people holding a grant
    live at `now` (default: the current time). Search ranks "most used" by it."""
    product_ids = list(product_ids)
    counts = dict(
        Grant.objects.live(now)
        .filter(product_id__in=product_ids)
        .values("product")
        .annotate(consumers=Count("user", distinct=True))
        .values_list("product", "consumers")
    )
    for product in DataProduct.objects.filter(pk__in=product_ids).only("pk", "consumer_count"):
        count = counts.get(product.pk, 0)
        if product.consumer_count != count:
            product.consumer_count = count
            product.save(update_fields=["consumer_count"])
