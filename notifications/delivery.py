"""E-mail delivery of the outbox's rows: claimed for a lease, sent with no
transaction open, marked delivered by the claim's holder (see
notifications.services for why delivery is at-least-once)."""

import logging
import smtplib
import uuid
from datetime import timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """The mail server refused or could not be reached; the task retries."""


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
