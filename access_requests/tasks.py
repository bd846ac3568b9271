"""Celery tasks: thin, idempotent, taking ids and delegating."""

from celery import shared_task
from django.conf import settings

from . import audit_checkpoints, notifications, services
from .notifications import DeliveryFailed


@shared_task(autoretry_for=(DeliveryFailed,), retry_backoff=True, max_retries=5, acks_late=True, reject_on_worker_lost=True)
def deliver_notifications(*, notification_ids: list[int]) -> int:
    """E-mail these notifications. Running it twice does not send twice
    (a notification delivered or claimed by a live sender is skipped); only a
    sender that died mid-send leads to a second copy, with the same Message-ID."""
    sent = 0
    failed = None
    for notification_id in notification_ids:
        try:
            sent += notifications.deliver(notification_id)
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
    for notification_id in notifications.undelivered(older_than_seconds=grace).values_list("pk", flat=True)[:500]:
        try:
            sent += notifications.deliver(notification_id)
        except DeliveryFailed:
            continue  # counted on the row; the next sweep tries again
    return sent


@shared_task(acks_late=True, reject_on_worker_lost=True)
def expire_grants() -> int:
    return services.expire_grants()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_reminders() -> dict:
    reminded, escalated = services.send_reminders()
    return {"reminded": reminded, "escalated": escalated}


@shared_task(acks_late=True, reject_on_worker_lost=True)
def checkpoint_audit_trail() -> int | None:
    """Sign the audit chain's head (hourly, from beat): the number of the
    checkpoint written, or None when no event came since the last one."""
    checkpoint = audit_checkpoints.write_checkpoint()
    return checkpoint.number if checkpoint else None
