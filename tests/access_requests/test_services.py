"""The access request state machine, exhaustively: every allowed and refused
transition, the policy routing, the self-approval ban, auto-approval for
team members, grants, expiry, revocation and reminders; and each of them
at a given time (`now=`), as the demo loader replays its history."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from access_requests import queries as access_queries
from access_requests import services
from access_requests.models import AccessRequest, ApprovalStep, Grant, Policy
from audit.models import AuditEvent
from catalog import services as catalog_services
from catalog.models import DataProduct
from notifications.models import Notification
from tests.factories import Mesh, submit

pytestmark = pytest.mark.django_db


def actions(request) -> list[str]:
    return list(AuditEvent.objects.filter(product=request.product).order_by("sequence").values_list("action", flat=True))


def step(request, role=ApprovalStep.Role.OWNER) -> ApprovalStep:
    return request.steps.get(role=role)


# --- submitting -----------------------------------------------------------------


def test_request_for_internal_product_is_routed_to_the_owner_only():
    mesh = Mesh(classification="internal")
    request = submit(mesh)
    assert request.status == AccessRequest.Status.PENDING
    assert list(request.steps.values_list("role", flat=True)) == [ApprovalStep.Role.OWNER]
    assert list(Notification.objects.filter(request=request).values_list("recipient__username", flat=True)) == [mesh.owner.username]
    assert actions(request) == ["request.submitted"]


@pytest.mark.parametrize(
    "classification, contains_pii", [("confidential", False), ("restricted", False), ("internal", True), ("public", True)]
)
def test_sensitive_product_needs_owner_and_steward(classification, contains_pii):
    mesh = Mesh(classification=classification, contains_pii=contains_pii)
    request = submit(mesh)
    assert sorted(request.steps.values_list("role", flat=True)) == ["owner", "steward"]
    recipients = sorted(Notification.objects.filter(request=request).values_list("recipient__username", flat=True))
    assert recipients == sorted([mesh.owner.username, mesh.steward.username])


def test_policy_is_data_an_admin_can_change():
    mesh = Mesh(classification="public")
    Policy.objects.filter(applies_to="public").update(requires_steward_approval=True, max_duration_days=7)
    with pytest.raises(services.AccessRequestError) as error:
        submit(mesh, duration_days=8)
    assert error.value.field == "duration_days"
    request = submit(mesh, duration_days=7)
    assert sorted(request.steps.values_list("role", flat=True)) == ["owner", "steward"]


def test_personal_data_policy_tightens_the_classification_policy():
    policy = services.policy_for(Mesh(classification="internal", contains_pii=True).product)
    assert policy.max_duration_days == 90
    assert policy.roles == ("owner", "steward")


@pytest.mark.parametrize("purpose", ["", "   ", "too short"])
def test_purpose_is_required_and_bounded_by_policy(purpose):
    mesh = Mesh()
    with pytest.raises(services.AccessRequestError) as error:
        submit(mesh, purpose=purpose)
    assert error.value.field == "purpose"
    assert AccessRequest.objects.count() == 0


def test_overlong_purpose_is_refused():
    mesh = Mesh()
    with pytest.raises(services.AccessRequestError) as error:
        submit(mesh, purpose="x" * 2001)
    assert "at most 2000" in str(error.value)


@pytest.mark.parametrize("duration", [0, -3, 366, "ten", None])
def test_duration_is_bounded_by_policy(duration):
    mesh = Mesh(classification="internal")
    with pytest.raises(services.AccessRequestError) as error:
        submit(mesh, duration_days=duration)
    assert error.value.field == "duration_days"
    assert AccessRequest.objects.count() == 0


@pytest.mark.parametrize("status", ["draft", "deprecated", "retired"])
def test_only_published_products_take_requests(status):
    mesh = Mesh()
    DataProduct.objects.filter(pk=mesh.product.pk).update(status=status)
    with pytest.raises(services.DecisionError):
        submit(mesh)


def test_second_open_request_for_the_same_product_is_refused():
    mesh = Mesh()
    submit(mesh)
    with pytest.raises(services.DecisionError) as error:
        submit(mesh)
    assert "already have an open request" in str(error.value)
    assert AccessRequest.objects.count() == 1


def test_request_while_holding_a_live_grant_says_so():
    mesh = Mesh()
    services.approve_step(step(submit(mesh)), by=mesh.owner)
    with pytest.raises(services.DecisionError) as error:
        submit(mesh)
    assert "already have access" in str(error.value)


def test_port_of_another_product_is_refused():
    mesh, other = Mesh(), Mesh()
    with pytest.raises(services.AccessRequestError) as error:
        submit(mesh, port=other.product.output_ports.get())
    assert error.value.field == "output_port"


def test_anonymous_cannot_request():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(services.NotAllowed):
        submit(Mesh(), by=AnonymousUser())


def test_team_member_is_approved_automatically_and_audited_as_such():
    mesh = Mesh(classification="restricted")
    request = submit(mesh, by=mesh.developer)
    assert request.status == AccessRequest.Status.APPROVED
    assert request.auto_approved
    assert request.steps.count() == 0
    assert Grant.objects.live().filter(user=mesh.developer, product=mesh.product).exists()
    assert actions(request) == ["request.submitted", "request.auto_approved", "grant.created"]


# --- deciding --------------------------------------------------------------------


def test_owner_approval_creates_a_grant_and_gives_access():
    mesh = Mesh()
    request = submit(mesh, duration_days=30)
    assert not access_queries.may_use(mesh.requester, mesh.product)
    services.approve_step(step(request), by=mesh.owner, comment="Enjoy")
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.APPROVED
    grant = request.grant
    assert (grant.ends_at - grant.starts_at) == timedelta(days=30)
    assert access_queries.may_use(type(mesh.requester).objects.get(pk=mesh.requester.pk), mesh.product)
    assert actions(request) == ["request.submitted", "step.approved", "request.approved", "grant.created"]
    mesh.product.refresh_from_db()
    assert mesh.product.consumer_count == 1


def test_sensitive_request_waits_for_every_step():
    mesh = Mesh(classification="confidential")
    request = submit(mesh)
    services.approve_step(step(request), by=mesh.owner)
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.PENDING
    assert not Grant.objects.exists()
    services.approve_step(step(request, "steward"), by=mesh.steward)
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.APPROVED
    assert Grant.objects.filter(request=request).exists()


def test_one_person_cannot_approve_two_steps_of_a_request():
    mesh = Mesh(classification="confidential")
    request = submit(mesh)
    services.approve_step(step(request), by=mesh.admin)
    with pytest.raises(services.DecisionError) as error:
        services.approve_step(step(request, "steward"), by=mesh.admin)
    assert "someone else" in str(error.value)


def test_requester_cannot_approve_own_request_even_as_admin_and_steward():
    mesh = Mesh(classification="confidential")
    mesh.admin.groups.add(*mesh.steward.groups.all())
    request = submit(mesh, by=mesh.admin)
    for role in ("owner", "steward"):
        with pytest.raises(services.NotAllowed) as error:
            services.approve_step(step(request, role), by=mesh.admin)
        assert str(error.value) == "You cannot decide on your own request."
    with pytest.raises(services.NotAllowed):
        services.reject_step(step(request), by=mesh.admin, comment="no")


def test_owner_of_the_team_who_is_also_requester_is_auto_approved_not_self_approving():
    mesh = Mesh(classification="confidential")
    request = submit(mesh, by=mesh.owner)
    assert request.auto_approved
    assert request.steps.count() == 0


@pytest.mark.parametrize("who", ["developer", "other_owner", "consumer", "steward"])
def test_only_owners_and_admins_decide_the_owner_step(who):
    mesh = Mesh()
    request = submit(mesh)
    with pytest.raises(services.NotAllowed):
        services.approve_step(step(request), by=getattr(mesh, who))
    assert step(request).status == ApprovalStep.Status.PENDING


@pytest.mark.parametrize("who", ["owner", "developer", "consumer"])
def test_only_stewards_and_admins_decide_the_steward_step(who):
    mesh = Mesh(classification="restricted")
    request = submit(mesh)
    with pytest.raises(services.NotAllowed):
        services.approve_step(step(request, "steward"), by=getattr(mesh, who))


def test_admin_may_decide_any_step():
    mesh = Mesh()
    request = services.approve_step(step(submit(mesh)), by=mesh.admin)
    assert request.status == AccessRequest.Status.APPROVED


def test_rejection_needs_a_comment():
    mesh = Mesh()
    request = submit(mesh)
    with pytest.raises(services.AccessRequestError) as error:
        services.reject_step(step(request), by=mesh.owner, comment="  ")
    assert error.value.field == "comment"
    assert step(request).status == ApprovalStep.Status.PENDING


def test_one_rejection_rejects_and_cancels_the_other_steps():
    mesh = Mesh(classification="confidential")
    request = submit(mesh)
    services.reject_step(step(request, "steward"), by=mesh.steward, comment="Purpose too vague")
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.REJECTED
    assert step(request).status == ApprovalStep.Status.CANCELLED
    assert not Grant.objects.exists()
    rejected = Notification.objects.get(kind=Notification.Kind.REQUEST_REJECTED)
    assert rejected.recipient == mesh.requester
    assert "Purpose too vague" in rejected.body


@pytest.mark.parametrize("ending", ["approved", "rejected", "withdrawn"])
def test_decided_request_refuses_every_further_transition(ending):
    mesh = Mesh(classification="confidential")
    request = submit(mesh)
    if ending == "approved":
        services.approve_step(step(request), by=mesh.owner)
        services.approve_step(step(request, "steward"), by=mesh.steward)
    elif ending == "rejected":
        services.reject_step(step(request), by=mesh.owner, comment="No")
    else:
        services.withdraw_request(request, by=mesh.requester)
    for attempt in (
        lambda: services.approve_step(step(request), by=mesh.owner),
        lambda: services.approve_step(step(request, "steward"), by=mesh.steward),
        lambda: services.reject_step(step(request), by=mesh.owner, comment="late"),
        lambda: services.withdraw_request(request, by=mesh.requester),
    ):
        with pytest.raises(services.DecisionError):
            attempt()
    request.refresh_from_db()
    assert request.status == ending


def test_step_already_approved_cannot_be_approved_again():
    mesh = Mesh(classification="confidential")
    request = submit(mesh)
    services.approve_step(step(request), by=mesh.owner)
    with pytest.raises(services.DecisionError) as error:
        services.reject_step(step(request), by=mesh.admin, comment="changed my mind")
    assert "approved by" in str(error.value)


def test_requester_may_withdraw_a_pending_request_and_nobody_else_may():
    mesh = Mesh()
    request = submit(mesh)
    for who in (mesh.owner, mesh.admin, mesh.consumer):
        with pytest.raises(services.NotAllowed):
            services.withdraw_request(request, by=who)
    services.withdraw_request(request, by=mesh.requester)
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.WITHDRAWN
    assert step(request).status == ApprovalStep.Status.CANCELLED
    # And a new request may follow.
    assert submit(mesh).status == AccessRequest.Status.PENDING


# --- grants ---------------------------------------------------------------------


def approved(mesh, **kwargs) -> Grant:
    return services.approve_step(step(submit(mesh, **kwargs)), by=mesh.owner).grant


def fresh(user):
    return type(user).objects.get(pk=user.pk)  # no cached permissions


def test_revoked_grant_denies_access_on_next_request():
    mesh = Mesh()
    grant = approved(mesh)
    assert access_queries.may_use(fresh(mesh.requester), mesh.product)
    services.revoke_grant(grant, by=mesh.owner, reason="Left the project")
    assert not access_queries.may_use(fresh(mesh.requester), mesh.product)
    grant.refresh_from_db()
    assert grant.state == "revoked"
    assert actions(grant.request)[-1] == "grant.revoked"
    mesh.product.refresh_from_db()
    assert mesh.product.consumer_count == 0


def test_revocation_needs_a_reason_and_an_owner_or_admin():
    mesh = Mesh()
    grant = approved(mesh)
    with pytest.raises(services.AccessRequestError) as error:
        services.revoke_grant(grant, by=mesh.owner, reason="")
    assert error.value.field == "reason"
    for who in (mesh.developer, mesh.other_owner, mesh.steward, mesh.requester):
        with pytest.raises(services.NotAllowed):
            services.revoke_grant(grant, by=who, reason="because")
    services.revoke_grant(grant, by=mesh.admin, reason="Audit finding")
    with pytest.raises(services.DecisionError):
        services.revoke_grant(grant, by=mesh.admin, reason="again")


def test_grant_past_its_end_denies_access_before_the_expiry_task_runs():
    mesh = Mesh()
    grant = approved(mesh)
    Grant.objects.filter(pk=grant.pk).update(starts_at=timezone.now() - timedelta(days=30), ends_at=timezone.now() - timedelta(seconds=1))
    assert fresh(mesh.requester).has_perm("catalog.access_dataproduct", mesh.product)  # the task has not run
    assert not access_queries.may_use(fresh(mesh.requester), mesh.product)


def test_expiry_ends_grants_once_and_takes_the_permission():
    mesh = Mesh()
    grant = approved(mesh, duration_days=10)
    later = timezone.now() + timedelta(days=10, seconds=1)
    assert services.expire_grants(now=later - timedelta(days=1)) == 0
    assert services.expire_grants(now=later) == 1
    assert services.expire_grants(now=later) == 0
    grant.refresh_from_db()
    assert grant.expired_at == later
    assert not fresh(mesh.requester).has_perm("catalog.access_dataproduct", mesh.product)
    assert Notification.objects.filter(kind=Notification.Kind.GRANT_EXPIRED, recipient=mesh.requester).count() == 1
    assert actions(grant.request)[-1] == "grant.expired"
    # Expired: a new request is welcome.
    assert submit(mesh).status == AccessRequest.Status.PENDING


def test_team_members_use_their_products_without_a_grant():
    mesh = Mesh()
    assert access_queries.may_use(mesh.developer, mesh.product)
    assert not access_queries.may_use(mesh.consumer, mesh.product)
    assert not access_queries.may_use(mesh.other_owner, mesh.product)


# --- reminders --------------------------------------------------------------------


def test_overdue_steps_remind_then_escalate_once_each():
    mesh = Mesh(classification="confidential")  # reminder after 24 h, escalation after 72 h
    mesh.product.domain.owner_team = mesh.other_team  # the domain belongs to another team
    mesh.product.domain.save()
    request = submit(mesh)
    start = timezone.now()
    assert services.send_reminders(now=start + timedelta(hours=23)) == (0, 0)
    assert services.send_reminders(now=start + timedelta(hours=25)) == (2, 0)
    assert services.send_reminders(now=start + timedelta(hours=26)) == (0, 0)
    reminded = Notification.objects.filter(kind=Notification.Kind.STEP_REMINDER).values_list("recipient__username", flat=True)
    assert sorted(reminded) == sorted([mesh.owner.username, mesh.steward.username])
    assert services.send_reminders(now=start + timedelta(hours=73)) == (0, 2)
    assert services.send_reminders(now=start + timedelta(hours=200)) == (0, 0)
    escalated = set(Notification.objects.filter(kind=Notification.Kind.STEP_ESCALATED).values_list("recipient__username", flat=True))
    assert escalated == {mesh.other_owner.username}
    assert "step.escalated" in actions(request)


def test_decided_steps_are_not_reminded():
    mesh = Mesh()
    services.approve_step(step(submit(mesh)), by=mesh.owner)
    assert services.send_reminders(now=timezone.now() + timedelta(days=30)) == (0, 0)


# --- the product's lifecycle does not leak access ----------------------------------


def test_changing_the_owning_team_keeps_grants_but_moves_the_owner_step():
    mesh = Mesh()
    request = submit(mesh)
    catalog_services.update_product(mesh.product, by=mesh.admin, owner_team=mesh.other_team)
    with pytest.raises(services.NotAllowed):
        services.approve_step(step(request), by=mesh.owner)
    services.approve_step(step(request), by=mesh.other_owner)


# --- at a given time (now=) -------------------------------------------------------------
# The demo loader replays a history through these services, each step at the
# time it happened: every timestamp a step writes is the `now` it is given.

WHEN = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


def event_times(request, *actions_wanted) -> dict[str, datetime]:
    events = AuditEvent.objects.filter(product=request.product, action__in=actions_wanted)
    return dict(events.values_list("action", "occurred_at"))


def notification_times(**filters) -> list[datetime]:
    return list(Notification.objects.filter(**filters).values_list("created_at", flat=True))


def test_request_submitted_at_a_given_time_records_that_time_on_the_request_its_steps_its_audit_event_and_its_notifications():
    mesh = Mesh(classification="confidential")

    request = submit(mesh, now=WHEN)

    request.refresh_from_db()
    assert request.created_at == WHEN
    assert list(request.steps.values_list("created_at", flat=True)) == [WHEN, WHEN]
    assert event_times(request, "request.submitted") == {"request.submitted": WHEN}
    assert notification_times(request=request, kind=Notification.Kind.REQUEST_SUBMITTED) == [WHEN, WHEN]


def test_team_member_auto_approved_at_a_given_time_gets_a_grant_from_that_time():
    mesh = Mesh()

    request = submit(mesh, by=mesh.developer, duration_days=30, now=WHEN)

    request.refresh_from_db()
    assert (request.created_at, request.decided_at) == (WHEN, WHEN)
    assert (request.grant.starts_at, request.grant.ends_at) == (WHEN, WHEN + timedelta(days=30))
    assert event_times(request, "request.submitted", "request.auto_approved", "grant.created") == {
        "request.submitted": WHEN,
        "request.auto_approved": WHEN,
        "grant.created": WHEN,
    }
    assert notification_times(request=request, kind=Notification.Kind.REQUEST_APPROVED) == [WHEN]


def test_request_approved_at_a_given_time_records_that_time_on_the_step_the_request_the_grant_the_audit_events_and_the_notification():
    mesh = Mesh()
    request = submit(mesh, duration_days=30, now=WHEN)
    decided = WHEN + timedelta(days=2)

    services.approve_step(step(request), by=mesh.owner, now=decided)

    request.refresh_from_db()
    assert step(request).decided_at == decided
    assert request.decided_at == decided
    assert (request.grant.starts_at, request.grant.ends_at) == (decided, decided + timedelta(days=30))
    assert event_times(request, "step.approved", "request.approved", "grant.created") == {
        "step.approved": decided,
        "request.approved": decided,
        "grant.created": decided,
    }
    assert notification_times(request=request, kind=Notification.Kind.REQUEST_APPROVED) == [decided]


def test_request_rejected_at_a_given_time_records_that_time_on_the_step_the_request_the_audit_events_and_the_notification():
    mesh = Mesh()
    request = submit(mesh, now=WHEN)
    decided = WHEN + timedelta(hours=5)

    services.reject_step(step(request), by=mesh.owner, comment="Not for this purpose.", now=decided)

    request.refresh_from_db()
    assert (step(request).decided_at, request.decided_at) == (decided, decided)
    assert event_times(request, "step.rejected", "request.rejected") == {"step.rejected": decided, "request.rejected": decided}
    assert notification_times(request=request, kind=Notification.Kind.REQUEST_REJECTED) == [decided]


def test_request_withdrawn_at_a_given_time_records_that_time_on_the_request_the_audit_event_and_the_notifications():
    mesh = Mesh()
    request = submit(mesh, now=WHEN)
    withdrawn = WHEN + timedelta(hours=1)

    services.withdraw_request(request, by=mesh.requester, now=withdrawn)

    request.refresh_from_db()
    assert request.decided_at == withdrawn
    assert event_times(request, "request.withdrawn") == {"request.withdrawn": withdrawn}
    assert notification_times(request=request, kind=Notification.Kind.REQUEST_WITHDRAWN) == [withdrawn]


def test_grant_revoked_at_a_given_time_records_that_time_on_the_grant_the_audit_event_and_the_notification():
    mesh = Mesh()
    grant = services.approve_step(step(submit(mesh, duration_days=30, now=WHEN)), by=mesh.owner, now=WHEN).grant
    revoked = WHEN + timedelta(days=3)

    services.revoke_grant(grant, by=mesh.owner, reason="Left the project", now=revoked)

    grant.refresh_from_db()
    assert grant.revoked_at == revoked
    assert event_times(grant.request, "grant.revoked") == {"grant.revoked": revoked}
    assert notification_times(request=grant.request, kind=Notification.Kind.GRANT_REVOKED) == [revoked]


def test_grant_that_had_ended_by_the_given_time_cannot_be_revoked_at_that_time():
    mesh = Mesh()
    grant = approved(mesh, duration_days=10)

    with pytest.raises(services.DecisionError):
        services.revoke_grant(grant, by=mesh.owner, reason="Too late", now=grant.ends_at + timedelta(seconds=1))

    grant.refresh_from_db()
    assert grant.revoked_at is None


def test_request_submitted_at_a_given_time_is_refused_while_a_grant_was_live_then():
    mesh = Mesh()
    services.approve_step(step(submit(mesh, duration_days=10, now=WHEN)), by=mesh.owner, now=WHEN)

    with pytest.raises(services.DecisionError) as error:
        submit(mesh, now=WHEN + timedelta(days=9))

    assert "already have access" in str(error.value)
    assert submit(mesh, now=WHEN + timedelta(days=11)).status == AccessRequest.Status.PENDING


def test_grants_expired_at_a_given_time_carry_that_time_on_the_grant_the_audit_event_and_the_notification():
    mesh = Mesh()
    grant = services.approve_step(step(submit(mesh, duration_days=10, now=WHEN)), by=mesh.owner, now=WHEN).grant
    expired = grant.ends_at + timedelta(hours=1)

    assert services.expire_grants(now=expired) == 1

    grant.refresh_from_db()
    assert grant.expired_at == expired
    assert event_times(grant.request, "grant.expired") == {"grant.expired": expired}
    assert notification_times(request=grant.request, kind=Notification.Kind.GRANT_EXPIRED) == [expired]


def test_reminders_and_escalations_at_a_given_time_carry_that_time_on_the_steps_the_audit_events_and_the_notifications():
    mesh = Mesh(classification="confidential")  # reminder after 24 h, escalation after 72 h
    request = submit(mesh, now=WHEN)
    reminded, escalated = WHEN + timedelta(hours=25), WHEN + timedelta(hours=73)

    assert services.send_reminders(now=reminded) == (2, 0)
    assert services.send_reminders(now=escalated) == (0, 2)

    assert set(request.steps.values_list("reminded_at", "escalated_at")) == {(reminded, escalated)}
    assert event_times(request, "step.reminded", "step.escalated") == {"step.reminded": reminded, "step.escalated": escalated}
    assert notification_times(request=request, kind=Notification.Kind.STEP_REMINDER) == [reminded, reminded]
    assert set(notification_times(request=request, kind=Notification.Kind.STEP_ESCALATED)) == {escalated}
