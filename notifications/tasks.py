"""Celery tasks of the outbox: thin, idempotent, taking ids."""

from celery import shared_task
from django.conf import settings

from . import delivery
from .delivery import DeliveryFailed


@shared_task(autoretry_for=(DeliveryFailed,), retry_backoff=True, max_retries=5, acks_late=True, reject_on_worker_lost=True)
def deliver_notifications(*, notification_ids: list[int]) -> int:
    """E-mail these notifications. Running it twice does not send twice
    (a notification delivered or claimed by a live sender is skipped); only a
    sender that died mid-send leads to a second copy, with the same Message-ID."""
    sent = 0
    failed = None
    for notification_id in notification_ids:
        try:
            sent += delivery.deliver(notification_id)
        except DeliveryFailed as error:
            failed = error  # try the others first; the retry skips what went out
    if failed is not None:
        raise failed
    return sent


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_notifications() -> int:
    """Deliver what the queue never got (the broker was down or slow at
    commit) and what a sender that died left behind once its claim lapsed."""
    sent = 0
    grace = settings.NOTIFICATION_SWEEP_GRACE_SECONDS
    for notification_id in delivery.undelivered(older_than_seconds=grace).values_list("pk", flat=True)[:500]:
        try:
            sent += delivery.deliver(notification_id)
        except DeliveryFailed:
            continue  # counted on the row; the next sweep tries again
    return sent
