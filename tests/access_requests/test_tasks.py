"""Notifications that are never lost: the outbox rows are written in the
transaction of the change, a real Celery worker (through a real Redis)
e-mails them after commit, delivery is idempotent, a broker outage neither
blocks nor loses anything, and a failing mail server is retried by the
sweep. The SMTP server is the one thing faked: a sink on a loopback port."""

import json
import re
import time

import pytest
from django.core import mail
from django.db import transaction

from access_requests import services, tasks
from access_requests.models import AccessRequest
from notifications import tasks as notification_tasks
from notifications.delivery import DeliveryFailed
from notifications.models import Notification
from tests.factories import Mesh, submit
from tests.net import free_port
from tests.services import celery_publishing_to, wait_until

DELIVERY_TIMEOUT = 20  # seconds; a delivery takes well under one


def undelivered(request: AccessRequest | None = None):
    rows = Notification.objects.filter(delivered_at=None)
    return rows.filter(request=request) if request is not None else rows


def wait_for_delivery(worker, **filters) -> None:
    try:
        wait_until(
            lambda: not Notification.objects.filter(delivered_at=None, **filters).exists(),
            timeout=DELIVERY_TIMEOUT,
            message="every notification delivered",
        )
    except TimeoutError as error:
        raise AssertionError(f"{error}; the worker's log:\n{worker.log()}") from None


def recipients(outbox) -> list[str]:
    return sorted(address for message in outbox.messages for address in message["to"])


def task_result(worker, task_id: str) -> str:
    """What the worker logged as the task's return value."""
    pattern = re.compile(rf"\[{re.escape(task_id)}\] succeeded in [^:]+: (.*)")
    found = wait_until(lambda: pattern.search(worker.log()), timeout=DELIVERY_TIMEOUT, message=f"task {task_id} finished")
    return found.group(1).strip()


# --- the outbox is written with the change and queued after commit ---------------


@pytest.mark.django_db(transaction=True)
def test_notifications_are_written_with_the_change_and_queued_only_after_commit(redis_server):
    # Publish to a Redis database no worker consumes, to see exactly what was queued.
    queue = redis_server.client(db=1)
    queue.flushdb()
    mesh = Mesh(classification="internal")
    with celery_publishing_to(redis_server.url(1)):
        with transaction.atomic():
            request = submit(mesh)
            assert list(undelivered(request).values_list("recipient__username", flat=True)) == [mesh.owner.username]
            assert queue.llen("celery") == 0
        assert queue.llen("celery") == 1
    message = json.loads(queue.lpop("celery"))
    assert message["headers"]["task"] == "notifications.tasks.deliver_notifications"


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_leaves_no_notification_and_queues_nothing(redis_server):
    queue = redis_server.client(db=1)
    queue.flushdb()
    mesh = Mesh(classification="internal")
    with celery_publishing_to(redis_server.url(1)):
        with pytest.raises(RuntimeError), transaction.atomic():
            submit(mesh)
            raise RuntimeError("the surrounding change failed")
    assert AccessRequest.objects.count() == 0
    assert Notification.objects.count() == 0
    assert queue.llen("celery") == 0


# --- a real worker delivers ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_worker_emails_the_approvers_after_commit_and_marks_the_notifications_delivered(celery_worker, celery_broker, smtp_outbox):
    mesh = Mesh(classification="confidential")

    request = submit(mesh)

    wait_for_delivery(celery_worker, request=request)
    assert recipients(smtp_outbox) == sorted([mesh.owner.email, mesh.steward.email])
    subjects = {message["message"]["Subject"] for message in smtp_outbox.messages}
    assert subjects == {f"Access request: {mesh.requester.username} asks for {mesh.product.name}"}
    assert list(Notification.objects.filter(request=request).values_list("delivery_attempts", "last_error")) == [(1, ""), (1, "")]


@pytest.mark.django_db(transaction=True)
def test_worker_emails_the_requester_when_the_last_step_is_approved(celery_worker, celery_broker, smtp_outbox):
    mesh = Mesh(classification="internal")
    request = submit(mesh)
    wait_for_delivery(celery_worker, request=request)
    smtp_outbox.clear()

    services.approve_step(request.steps.get(), by=mesh.owner, comment="Fine by me.")

    wait_for_delivery(celery_worker, request=request)
    assert recipients(smtp_outbox) == [mesh.requester.email]
    assert smtp_outbox.messages[0]["message"]["Subject"] == f"You may now use {mesh.product.name}"


# --- idempotent delivery ------------------------------------------------------------


@pytest.mark.django_db
def test_delivering_twice_sends_once():
    mesh = Mesh(classification="internal")
    request = submit(mesh)  # in this rolled-back test nothing runs on commit
    ids = list(Notification.objects.filter(request=request).values_list("pk", flat=True))

    first = notification_tasks.deliver_notifications(notification_ids=ids)
    second = notification_tasks.deliver_notifications(notification_ids=ids)

    assert (first, second) == (1, 0)
    assert [message.to for message in mail.outbox] == [[mesh.owner.email]]
    assert Notification.objects.get(pk=ids[0]).delivery_attempts == 1


@pytest.mark.django_db(transaction=True)
def test_worker_running_the_same_delivery_twice_sends_once(celery_worker, redis_server, smtp_outbox):
    mesh = Mesh(classification="internal")
    with celery_publishing_to(redis_server.url(1)):  # queued where no worker looks: not delivered yet
        request = submit(mesh)
    ids = list(Notification.objects.filter(request=request).values_list("pk", flat=True))

    with celery_publishing_to(redis_server.url(0)):
        # As when the broker redelivers a task whose acknowledgement was lost.
        first = notification_tasks.deliver_notifications.delay(notification_ids=ids)
        second = notification_tasks.deliver_notifications.delay(notification_ids=ids)

    assert (task_result(celery_worker, first.id), task_result(celery_worker, second.id)) == ("1", "0")
    assert recipients(smtp_outbox) == [mesh.owner.email]
    redis_server.client(db=1).flushdb()


def test_tasks_are_acknowledged_late_and_rejected_when_the_worker_is_lost():
    for task in (
        notification_tasks.deliver_notifications,
        notification_tasks.sweep_notifications,
        tasks.expire_grants,
        tasks.send_reminders,
    ):
        assert (task.name, task.acks_late, task.reject_on_worker_lost) == (task.name, True, True)


# --- broker outage ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_broker_outage_neither_blocks_decisions_nor_loses_notifications(celery_worker, redis_server, smtp_outbox, caplog):
    mesh = Mesh(classification="confidential")
    nothing_listens = f"redis://127.0.0.1:{free_port()}/0"

    with celery_publishing_to(nothing_listens):
        started = time.monotonic()
        request = submit(mesh)
        services.approve_step(request.steps.get(role="owner"), by=mesh.owner, comment="Yes.")
        services.approve_step(request.steps.get(role="steward"), by=mesh.steward, comment="Yes.")
        elapsed = time.monotonic() - started

    assert elapsed < 3, f"deciding took {elapsed:.1f} s with the broker down"
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.APPROVED
    assert request.grant is not None
    assert sorted(undelivered(request).values_list("recipient__username", flat=True)) == sorted(
        [mesh.owner.username, mesh.steward.username, mesh.requester.username]
    )
    assert "the sweep will send them" in caplog.text
    assert smtp_outbox.messages == []

    with celery_publishing_to(redis_server.url(0)):  # the broker is back
        sweep = notification_tasks.sweep_notifications.delay()

    assert task_result(celery_worker, sweep.id) == "3"
    wait_for_delivery(celery_worker, request=request)
    assert recipients(smtp_outbox) == sorted([mesh.owner.email, mesh.steward.email, mesh.requester.email])


# --- a failing mail server -------------------------------------------------------------


@pytest.mark.django_db
def test_failing_mail_server_counts_the_attempt_and_the_sweep_tries_again(settings, smtp_outbox):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), False, 2
    settings.NOTIFICATION_SWEEP_GRACE_SECONDS = 0
    mesh = Mesh(classification="internal")
    request = submit(mesh)
    notification = Notification.objects.get(request=request)

    with pytest.raises(DeliveryFailed):
        notification_tasks.deliver_notifications(notification_ids=[notification.pk])
    notification.refresh_from_db()
    assert (notification.delivered_at, notification.delivery_attempts) == (None, 1)
    assert notification.last_error.startswith("ConnectionRefusedError")

    assert notification_tasks.sweep_notifications() == 0  # still down: counted again, kept for the next sweep
    notification.refresh_from_db()
    assert (notification.delivered_at, notification.delivery_attempts) == (None, 2)

    settings.EMAIL_PORT = smtp_outbox.port  # the mail server is back
    assert notification_tasks.sweep_notifications() == 1
    notification.refresh_from_db()
    assert notification.delivered_at is not None
    assert (notification.delivery_attempts, notification.last_error) == (3, "")
    assert recipients(smtp_outbox) == [mesh.owner.email]
    assert notification_tasks.sweep_notifications() == 0
