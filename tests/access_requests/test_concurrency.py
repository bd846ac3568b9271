"""Concurrent decisions and submissions end in one consistent state, and the
audit chain never forks. Real concurrent connections: each thread has its
own database connection, and a barrier releases them together.

PostgreSQL only (marked `postgres`, skipped as not applicable on SQLite):
SQLite serialises every writer on the whole file (the settings open write
transactions IMMEDIATE), so it cannot show what the row locks do."""

import threading

import pytest
from django.db import connection

from access_requests import services
from access_requests.models import AccessRequest, ApprovalStep, Grant
from audit import trail
from audit.models import AuditEvent
from catalog.models import TeamMembership
from tests.factories import Mesh, UserFactory, member_of, submit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 3  # races are probabilistic: run each a few times


def at_once(*actions) -> list:
    """Run each action in its own thread with its own database connection,
    all released together; return each one's result or exception."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(index, action):
        try:
            connection.ensure_connection()  # connect first, so connecting does not stagger the start
            barrier.wait(timeout=10)
            results[index] = action()
        except Exception as error:  # the outcome under test, kept for the assertions
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, action)) for index, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a concurrent action hung (a deadlock?)"
    return results


def chain_holds() -> None:
    checked, broken = trail.verify()
    assert (checked, broken) == (AuditEvent.objects.count(), None)
    sequences = list(AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, len(sequences) + 1))


def actions(request) -> list[str]:
    return sorted(
        AuditEvent.objects.filter(product=request.product).exclude(action__startswith="product.").values_list("action", flat=True)
    )


@pytest.mark.parametrize("round", range(ROUNDS))
def test_two_approvers_approving_at_once_create_exactly_one_grant(round):
    mesh = Mesh(classification="confidential")
    request = submit(mesh)
    owner_step, steward_step = request.steps.get(role="owner"), request.steps.get(role="steward")

    results = at_once(
        lambda: services.approve_step(owner_step, by=mesh.owner, comment="Owner says yes."),
        lambda: services.approve_step(steward_step, by=mesh.steward, comment="Steward says yes."),
    )

    assert [type(result) for result in results] == [AccessRequest, AccessRequest]
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.APPROVED
    assert Grant.objects.filter(request=request).count() == 1
    assert mesh.requester.has_perm(services.ACCESS_PERMISSION, mesh.product)
    assert actions(request) == ["grant.created", "request.approved", "request.submitted", "step.approved", "step.approved"]
    chain_holds()


@pytest.mark.parametrize("round", range(ROUNDS))
def test_approve_and_reject_of_one_step_at_once_end_in_exactly_one_outcome(round):
    mesh = Mesh(classification="internal")
    second_owner = member_of(mesh.team, role=TeamMembership.Role.OWNER)
    request = submit(mesh)
    step = request.steps.get()

    approved, rejected = at_once(
        lambda: services.approve_step(step, by=mesh.owner, comment="Yes."),
        lambda: services.reject_step(step, by=second_owner, comment="No: not for this purpose."),
    )

    request.refresh_from_db()
    step.refresh_from_db()
    grants = Grant.objects.filter(request=request).count()
    if isinstance(rejected, services.DecisionError):  # the approval came first
        assert isinstance(approved, AccessRequest)
        assert (request.status, step.status, grants) == (AccessRequest.Status.APPROVED, ApprovalStep.Status.APPROVED, 1)
        assert mesh.requester.has_perm(services.ACCESS_PERMISSION, mesh.product)
        assert actions(request) == ["grant.created", "request.approved", "request.submitted", "step.approved"]
    else:  # the rejection came first
        assert isinstance(rejected, AccessRequest) and isinstance(approved, services.DecisionError)
        assert (request.status, step.status, grants) == (AccessRequest.Status.REJECTED, ApprovalStep.Status.REJECTED, 0)
        assert not mesh.requester.has_perm(services.ACCESS_PERMISSION, mesh.product)
        assert actions(request) == ["request.rejected", "request.submitted", "step.rejected"]
    chain_holds()


@pytest.mark.parametrize("round", range(ROUNDS))
def test_owner_approving_while_the_steward_rejects_ends_rejected_without_a_grant(round):
    mesh = Mesh(classification="confidential")
    request = submit(mesh)
    owner_step, steward_step = request.steps.get(role="owner"), request.steps.get(role="steward")

    approved, rejected = at_once(
        lambda: services.approve_step(owner_step, by=mesh.owner, comment="Yes."),
        lambda: services.reject_step(steward_step, by=mesh.steward, comment="No: personal data."),
    )

    assert isinstance(rejected, AccessRequest)
    assert isinstance(approved, AccessRequest | services.DecisionError)  # before the rejection, or refused after it
    request.refresh_from_db()
    owner_step.refresh_from_db()
    assert request.status == AccessRequest.Status.REJECTED
    assert owner_step.status in (ApprovalStep.Status.APPROVED, ApprovalStep.Status.CANCELLED)
    assert (owner_step.status == ApprovalStep.Status.APPROVED) == isinstance(approved, AccessRequest)
    assert Grant.objects.filter(request=request).count() == 0
    assert not mesh.requester.has_perm(services.ACCESS_PERMISSION, mesh.product)
    chain_holds()


def test_many_concurrent_submissions_never_fork_the_audit_chain():
    mesh = Mesh(classification="confidential")
    consumers = [UserFactory() for _ in range(12)]
    before = AuditEvent.objects.count()

    results = at_once(*[lambda consumer=consumer: submit(mesh, by=consumer) for consumer in consumers])

    assert [type(result) for result in results] == [AccessRequest] * len(consumers)
    assert AuditEvent.objects.filter(action="request.submitted").count() == len(consumers)
    assert AuditEvent.objects.count() == before + len(consumers)
    chain_holds()


@pytest.mark.parametrize("round", range(ROUNDS))
def test_two_submissions_by_one_user_for_one_product_at_once_make_one_request(round):
    mesh = Mesh(classification="internal")

    results = at_once(lambda: submit(mesh), lambda: submit(mesh))

    assert sorted(type(result).__name__ for result in results) == ["AccessRequest", "DecisionError"]
    assert AccessRequest.objects.filter(requester=mesh.requester, product=mesh.product).count() == 1
    assert AuditEvent.objects.filter(action="request.submitted").count() == 1
    chain_holds()
