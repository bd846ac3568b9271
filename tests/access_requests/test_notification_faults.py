"""Notifications under faults, with real sockets: a mail server that stalls
blocks no request, a broker that accepts connections and never answers costs
a request at most a short wait (and a circuit breaker spares the next ones),
and a worker killed mid-delivery leads to a second copy with the same
Message-ID, never a second in-app notification.

The mail servers are SMTP sinks on loopback ports (tests/services.py), the
silent broker a listener that never answers (tests/net.py); Redis and the
Celery workers are real."""

import os
import subprocess
import sys
import threading
import time

import pytest
from django.db import connection, connections
from django.utils import timezone

from catalog import services as catalog_services
from core import queueing
from notifications import delivery
from notifications import tasks as notification_tasks
from notifications.models import Notification
from tests.factories import Mesh, ProductFactory, TeamFactory, member_of, submit
from tests.net import SilentBroker
from tests.services import CeleryWorker, SmtpSink, celery_publishing_to, database_url, wait_until

REQUESTS = "/api/v1/access-requests/"


def send_mail_to(settings, sink: SmtpSink, *, timeout: float = 5) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = "127.0.0.1", sink.port, False, timeout
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""


def request_access(client, user, product) -> tuple[int, float]:
    """POST an access request as `user`; returns the status and the seconds it took."""
    client.force_login(user)
    started = time.monotonic()
    response = client.post(
        REQUESTS, {"product": product.slug, "purpose": "Weekly churn analysis.", "duration_days": 30}, content_type="application/json"
    )
    return response.status_code, time.monotonic() - started


def message_ids(sink: SmtpSink) -> list[str]:
    return [message["message"]["Message-ID"] for message in sink.messages]


# --- a slow mail server --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_that_stalls_for_30_seconds_neither_delays_nor_fails_a_request(client, settings, redis_server):
    stalling = SmtpSink()
    stalling.start()
    in_exchange, answer = threading.Event(), threading.Event()

    def stall() -> None:
        in_exchange.set()
        answer.wait(timeout=30)

    stalling.before_reply = stall
    send_mail_to(settings, stalling, timeout=60)  # the sender waits out the stall
    mesh = Mesh(classification="internal")
    outcome: list = []

    def deliver(notification_id: int) -> None:
        try:
            outcome.append(delivery.deliver(notification_id))
        finally:
            connections.close_all()  # this thread's own connections

    try:
        # Queued where no worker listens: this test delivers by hand, in a thread.
        with celery_publishing_to(redis_server.url(1)):
            notification = Notification.objects.get(request=submit(mesh))
            sender = threading.Thread(target=deliver, args=(notification.pk,))
            sender.start()
            assert in_exchange.wait(timeout=10), "the delivery never reached the mail server"

            status, elapsed = request_access(client, mesh.consumer, mesh.product)

            notification.refresh_from_db()
            being_sent = (notification.delivered_at, notification.claimed_until is not None)
            swept = list(delivery.undelivered().values_list("pk", flat=True))
    finally:
        answer.set()
        sender.join(timeout=15)
        stalling.stop()
        redis_server.client(db=1).flushdb()

    assert (status, elapsed < 2) == (201, True), f"the request answered {status} after {elapsed:.2f} s"
    assert being_sent == (None, True)
    assert notification.pk not in swept  # claimed by the sender: the sweep leaves it alone
    assert outcome == [True]
    notification.refresh_from_db()
    assert notification.delivered_at is not None
    assert (notification.delivery_attempts, notification.claimed_until, notification.claim_token) == (1, None, "")
    assert message_ids(stalling) == [delivery.message_id(notification)]


@pytest.mark.django_db
def test_a_notification_claimed_by_a_live_sender_is_not_sent_again_until_its_claim_lapses(mailoutbox):
    mesh = Mesh(classification="internal")
    notification = Notification.objects.get(request=submit(mesh))
    # Another sender claimed it a moment ago and is talking to the mail server.
    Notification.objects.filter(pk=notification.pk).update(
        claimed_until=timezone.now() + timezone.timedelta(seconds=60), claim_token="another"
    )

    assert delivery.deliver(notification.pk) is False
    assert list(delivery.undelivered()) == []
    assert mailoutbox == []

    # That sender died: its claim lapses.
    Notification.objects.filter(pk=notification.pk).update(claimed_until=timezone.now() - timezone.timedelta(seconds=1))

    assert delivery.deliver(notification.pk) is True
    assert [message.to for message in mailoutbox] == [[mesh.owner.email]]
    assert mailoutbox[0].extra_headers["Message-ID"] == delivery.message_id(notification)


def test_a_lease_no_longer_than_the_smtp_timeout_is_refused():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "marketplace.settings", "EMAIL_TIMEOUT": "30", "NOTIFICATION_LEASE_SECONDS": "30"},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "NOTIFICATION_LEASE_SECONDS (30) must be longer than EMAIL_TIMEOUT (30)" in result.stderr


# --- a silent broker ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_silent_broker_answers_requests_within_half_a_second_and_their_mail_goes_out_once_it_is_back(
    client, settings, celery_worker, redis_server, smtp_outbox, caplog
):
    settings.TASK_QUEUE_BREAKER_RESET_SECONDS = 1
    mesh = Mesh(classification="internal")
    # One request served and queued first (to a queue no worker reads), so that
    # the timed ones pay no one-off start-up cost (imports of the view and the
    # broker's client). The sweep at the end sends its e-mail too.
    with celery_publishing_to(redis_server.url(1)):
        assert request_access(client, mesh.admin, mesh.product)[0] == 201
    redis_server.client(db=1).flushdb()
    broker = SilentBroker()
    try:
        with celery_publishing_to(broker.url(0)):
            first = request_access(client, mesh.requester, mesh.product)
            second = request_access(client, mesh.consumer, mesh.product)
            tried = broker.accepted
            waiting = Notification.objects.filter(delivered_at=None).count()

            broker.answer_from(redis_server.port)  # the broker is back, at the same address
            time.sleep(settings.TASK_QUEUE_BREAKER_RESET_SECONDS)  # the breaker lets one publish try again
            third = request_access(client, mesh.other_owner, mesh.product)
            sweep = notification_tasks.sweep_notifications.delay()
        wait_until(
            lambda: not Notification.objects.filter(delivered_at=None).exists(),
            timeout=20,
            message=f"every notification delivered (sweep {sweep.id})",
        )
    finally:
        broker.close()

    assert [(status, elapsed < 0.5) for status, elapsed in (first, second)] == [(201, True), (201, True)], (first, second)
    assert tried == 1  # after the first failure the breaker kept the second request away from the broker
    assert waiting == 3  # the warm-up's and the two requests'
    assert "the sweep will send them" in caplog.text
    assert third[0] == 201
    assert [message["to"] for message in smtp_outbox.messages] == [[mesh.owner.email]] * 4
    assert queueing.breaker.current_state == "closed"


@pytest.mark.django_db(transaction=True)
def test_a_silent_broker_holds_a_product_edit_under_half_a_second_and_search_finds_the_change(client, redis_server):

    team = TeamFactory()
    owner = member_of(team, role="owner", username=f"owner-{team.slug}")
    product = ProductFactory(domain__owner_team=team, owner_team=team)
    broker = SilentBroker()
    try:
        with celery_publishing_to(broker.url(0)):
            started = time.monotonic()
            catalog_services.update_product(product, by=owner, summary="Quokka sightings by region.")
            elapsed = time.monotonic() - started
    finally:
        broker.close()

    assert elapsed < 0.5, f"the edit took {elapsed:.2f} s"
    client.force_login(owner)
    found = client.get("/api/v1/search/", {"q": "quokka"}).json()
    assert [hit["slug"] for hit in found["results"]] == [product.slug]


# --- a worker killed mid-delivery -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_after_the_mail_server_took_the_mail_leads_to_a_second_copy_with_the_same_message_id(
    client, settings, redis_server
):
    sink = SmtpSink()
    sink.start()
    worker = CeleryWorker(
        broker_url=redis_server.url(2),
        database_url=database_url(connection.settings_dict),
        smtp_port=sink.port,
        # A short claim, so that the test need not wait two minutes for it to lapse.
        environment={"NOTIFICATION_LEASE_SECONDS": "4", "EMAIL_TIMEOUT": "3"},
    )
    worker.start()

    def kill_the_worker() -> None:
        # The mail server has the mail; the worker waits for its answer and dies.
        worker.process.kill()
        worker.process.wait()

    sink.before_reply = kill_the_worker
    send_mail_to(settings, sink)
    settings.NOTIFICATION_SWEEP_GRACE_SECONDS = 0
    mesh = Mesh(classification="internal")
    try:
        with celery_publishing_to(redis_server.url(2)):
            request = submit(mesh)
        wait_until(lambda: worker.process.poll() is not None, timeout=20, message="the worker killed mid-delivery")
        sink.before_reply = None
        notification = Notification.objects.get(request=request)
        left = (notification.delivered_at, notification.delivery_attempts, notification.claimed_until is not None)
        while_claimed = notification_tasks.sweep_notifications()

        time.sleep(max(0.0, (notification.claimed_until - timezone.now()).total_seconds()) + 0.2)
        after_the_claim_lapsed = notification_tasks.sweep_notifications()
    finally:
        worker.stop()
        sink.stop()
        redis_server.client(db=2).flushdb()

    assert left == (None, 1, True)  # the mail went out, but the row was never marked
    assert (while_claimed, after_the_claim_lapsed) == (0, 1)
    notification.refresh_from_db()
    assert (notification.delivered_at is not None, notification.delivery_attempts) == (True, 2)
    assert [message["to"] for message in sink.messages] == [[mesh.owner.email]] * 2
    assert message_ids(sink) == [delivery.message_id(notification)] * 2

    client.force_login(mesh.owner)
    inbox = client.get("/notifications/")
    assert [shown.pk for shown in inbox.context["page"]] == [notification.pk]
    assert inbox.context["access_nav"].unread_notifications == 1
