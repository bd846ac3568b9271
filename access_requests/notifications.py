"""Notifications: written as rows in the transaction of the change (the
outbox), e-mailed by a Celery task queued after commit, swept up later by a
periodic task when the broker was down. Delivery is idempotent: it locks
the row and sends only while `delivered_at` is empty."""

import logging
import smtplib
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import AccessRequest, Notification

logger = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """The mail server refused or could not be reached; the task retries."""


def notify(recipients: Iterable, *, kind: str, subject: str, body: str, url: str = "", request: AccessRequest | None = None) -> list[Notification]:
    """Write one notification per recipient (each once, however often named)
    in the current transaction, and queue their e-mail for after commit."""
    unique = {user.pk: user for user in recipients if user is not None and user.is_active}
    notifications = Notification.objects.bulk_create(
        Notification(recipient=user, kind=kind, subject=subject[:200], body=body, url=url, request=request)
        for user in unique.values()
    )
    ids = [notification.pk for notification in notifications]
    if ids:
        transaction.on_commit(lambda: queue_delivery(ids))
    return notifications


def queue_delivery(notification_ids: list[int]) -> None:
    """Hand the e-mails to Celery. If the broker is down the change has
    already committed: log it and leave the rows to the periodic sweep."""
    from . import tasks

    try:
        tasks.deliver_notifications.delay(notification_ids=notification_ids)
    except Exception as error:  # kombu raises several kinds when Redis is away
        logger.warning("Could not queue %d notification e-mail(s) (%s); the sweep will send them.", len(notification_ids), error)


def deliver(notification_id: int) -> bool:
    """E-mail one notification unless it went out already. Returns whether
    this call sent it. Raises DeliveryFailed when the mail server fails (the
    attempt is counted and the row stays undelivered)."""
    error = None
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id, delivered_at=None)
            .first()
        )
        if notification is None:
            return False  # sent already, or gone: safe to run twice
        address = notification.recipient.email
        if address:
            try:
                send_mail(
                    notification.subject,
                    render_to_string("emails/notification.txt", {"notification": notification, "site_url": settings.SITE_URL}),
                    settings.DEFAULT_FROM_EMAIL,
                    [address],
                )
            except (smtplib.SMTPException, OSError) as failure:
                error = failure
        notification.delivery_attempts += 1
        if error is None:
            notification.delivered_at = timezone.now()
            notification.last_error = "" if address else "The recipient has no e-mail address; shown in the app only."
        else:
            notification.last_error = f"{type(error).__name__}: {error}"[:1000]
        notification.save(update_fields=["delivered_at", "delivery_attempts", "last_error"])
    if error is not None:
        raise DeliveryFailed(str(error)) from error
    return True


def undelivered(*, older_than_seconds: int = 0):
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    return Notification.objects.filter(delivered_at=None, created_at__lte=cutoff).order_by("created_at")


def mark_read(user, *, notification_ids: Iterable[int] | None = None) -> int:
    """Mark `user`'s notifications read (all of them, or those named)."""
    unread = Notification.objects.filter(recipient=user, read_at=None)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())
