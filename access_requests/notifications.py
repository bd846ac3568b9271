"""Notifications: written as rows in the transaction of the change (the
outbox), e-mailed by a Celery task queued after commit, swept up later by a
periodic task when the broker was down or a sender died.

No transaction is held across SMTP: a sender claims the row for
NOTIFICATION_LEASE_SECONDS in one short UPDATE, sends with no transaction
open, then marks it delivered in another short UPDATE that only its own claim
can make. Delivery is therefore at-least-once, never exactly-once (SMTP
cannot give that): a sender that dies after the mail server took the mail but
before marking it leaves a claim that lapses, and the sweep sends it again.
Every copy carries the same Message-ID (`message_id`), so mail systems can
drop the duplicate; the in-app inbox shows the notification's one row."""

import logging
import smtplib
import uuid
from collections.abc import Iterable
from datetime import timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from core import queueing

from .models import AccessRequest, Notification

logger = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """The mail server refused or could not be reached; the task retries."""


def render(kind: str, context: dict) -> tuple[str, str]:
    """The subject and body of a notification of `kind`, from its templates
    `templates/notifications/<kind>.subject.txt` and `<kind>.txt` (pretalx's
    way: texts live in templates, not in services). Each template is plain
    text inside `{% autoescape off %}`; the one newline that ends the file is
    not part of the text."""
    subject = render_to_string(f"notifications/{kind}.subject.txt", context).removesuffix("\n")
    body = render_to_string(f"notifications/{kind}.txt", context).removesuffix("\n")
    return subject, body


def notify(recipients: Iterable, *, kind: str, context: dict, url: str = "", request: AccessRequest | None = None) -> list[Notification]:
    """Write one notification per recipient (each once, however often named)
    in the current transaction, its subject and body rendered from the
    templates of `kind` with `context` (see `render`), and queue their
    e-mail for after commit."""
    subject, body = render(kind, context)
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
    """Hand the e-mails to Celery, waiting for the broker no longer than
    TASK_QUEUE_TIMEOUT. If it does not take them, the change has already
    committed: log it and leave the rows to the periodic sweep."""
    from . import tasks

    try:
        queueing.enqueue(tasks.deliver_notifications, notification_ids=notification_ids)
    except Exception as error:  # the broker is away (QueueUnavailable), or, run eagerly, the mail server failed
        logger.warning("Could not queue %d notification e-mail(s) (%s); the sweep will send them.", len(notification_ids), error)


def message_id(notification: Notification) -> str:
    """The Message-ID of this notification's e-mail: the same on every copy
    sent (a retry after a lost sender), different for every notification."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<notification-{notification.pk}-{int(notification.created_at.timestamp())}@{domain}>"


def email_message(notification: Notification, *, address: str) -> EmailMessage:
    return EmailMessage(
        notification.subject,
        render_to_string("emails/notification.txt", {"notification": notification, "site_url": settings.SITE_URL}),
        settings.DEFAULT_FROM_EMAIL,
        [address],
        headers={"Message-ID": message_id(notification)},
    )


def deliver(notification_id: int) -> bool:
    """E-mail one notification unless it went out already or another sender
    holds a live claim on it. Returns whether this call sent it.

    Claims the row (counting the attempt) in one UPDATE, sends with no
    transaction open, then marks it delivered if the claim is still this
    call's. Raises DeliveryFailed when the mail server fails: the error is
    recorded, the claim released and the row left for the sweep."""
    token = uuid.uuid4().hex
    now = timezone.now()
    claimed = (
        Notification.objects.filter(pk=notification_id, delivered_at=None)
        .filter(Q(claimed_until=None) | Q(claimed_until__lte=now))
        .update(
            claimed_until=now + timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS),
            claim_token=token,
            delivery_attempts=F("delivery_attempts") + 1,
        )
    )
    if not claimed:
        return False  # sent already, being sent, or gone: safe to run twice
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None:
        return False  # deleted (with its recipient) since the claim
    address = notification.recipient.email
    error = None
    if address:
        try:
            email_message(notification, address=address).send()
        except (smtplib.SMTPException, OSError) as failure:
            error = failure
    ours = Notification.objects.filter(pk=notification_id, claim_token=token)
    if error is not None:
        ours.update(claimed_until=None, claim_token="", last_error=f"{type(error).__name__}: {error}"[:1000])
        raise DeliveryFailed(str(error)) from error
    marked = ours.update(
        delivered_at=timezone.now(),
        claimed_until=None,
        claim_token="",
        last_error="" if address else "The recipient has no e-mail address; shown in the app only.",
    )
    if not marked:
        logger.warning(
            "Notification %s was sent after its claim lapsed; another sender may send it too, with the same Message-ID.",
            notification_id,
        )
    return True


def undelivered(*, older_than_seconds: float = 0):
    """What the sweep sends: notifications whose e-mail has not gone out,
    older than `older_than_seconds`, that no sender holds (or whose sender's
    claim lapsed)."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=older_than_seconds)
    return (
        Notification.objects.filter(delivered_at=None, created_at__lte=cutoff)
        .filter(Q(claimed_until=None) | Q(claimed_until__lte=now))
        .order_by("created_at")
    )


def mark_read(user, *, notification_ids: Iterable[int] | None = None) -> int:
    """Mark `user`'s notifications read (all of them, or those named)."""
    unread = Notification.objects.filter(recipient=user, read_at=None)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())
