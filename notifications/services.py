"""Notifications: written as rows in the transaction of the change (the
outbox), e-mailed by a Celery task queued after commit, swept up later by a
periodic task when the broker was down or a sender died.

No transaction is held across SMTP: a sender claims the row for
NOTIFICATION_LEASE_SECONDS in one short UPDATE, sends with no transaction
open, then marks it delivered in another short UPDATE that only its own claim
can make. Delivery is therefore at-least-once, never exactly-once (SMTP
cannot give that): a sender that dies after the mail server took the mail but
before marking it leaves a claim that lapses, and the sweep sends it again.
Every copy carries the same Message-ID (`delivery.message_id`), so mail systems can
drop the duplicate; the in-app inbox shows the notification's one row."""

import logging
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from core import queueing
from core.users import User

from . import tasks
from .models import Notification

logger = logging.getLogger(__name__)


def render(kind: str, context: dict) -> tuple[str, str]:
    """The subject and body of a notification of `kind`, from its templates
    `templates/notifications/<kind>.subject.txt` and `<kind>.txt` (pretalx's
    way: texts live in templates, not in services). Each template is plain
    text inside `{% autoescape off %}`; the one newline that ends the file is
    not part of the text."""
    subject = render_to_string(f"notifications/{kind}.subject.txt", context).removesuffix("\n")
    body = render_to_string(f"notifications/{kind}.txt", context).removesuffix("\n")
    return subject, body


def notify(
    recipients: Iterable, *, kind: str, context: dict, url: str = "", request=None, now: datetime | None = None
) -> list[Notification]:
    """Write one notification per recipient (each once, however often named)
    in the current transaction, its subject and body rendered from the
    templates of `kind` with `context` (see `render`), and queue their
    e-mail for after commit. `request` links them to the access request
    they are about (an access_requests.AccessRequest), if any. `now`
    (default: the current time) is their `created_at`."""
    now = now or timezone.now()
    subject, body = render(kind, context)
    unique = {user.pk: user for user in recipients if user is not None and user.is_active}
    notifications = Notification.objects.bulk_create(
        Notification(recipient=user, kind=kind, subject=subject[:200], body=body, url=url, request=request, created_at=now)
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
    try:
        queueing.enqueue(tasks.deliver_notifications, notification_ids=notification_ids)
    except Exception as error:  # the broker is away (QueueUnavailable), or, run eagerly, the mail server failed
        logger.warning("Could not queue %d notification e-mail(s) (%s); the sweep will send them.", len(notification_ids), error)


def mark_read(user: User, *, notification_ids: Iterable[int] | None = None) -> int:
    """Mark `user`'s notifications read (all of them, or those named)."""
    unread = Notification.objects.filter(recipient=user, read_at=None)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())
