"""Reads of a user's own notifications, and of the outbox as a whole."""

from datetime import datetime

from django.db.models import Count, Min, QuerySet

from core.users import AnonymousUser, User

from .models import Notification


def notifications_of(user: User | AnonymousUser) -> QuerySet[Notification]:
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def unread_count(user: User | AnonymousUser) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at=None).count()


def outbox_backlog() -> tuple[int, datetime | None]:
    """How many notifications are not yet delivered (e-mailed, or found to
    have no address), and when the oldest of them was written. One query
    over the partial index of undelivered rows."""
    backlog = Notification.objects.filter(delivered_at=None).aggregate(count=Count("id"), oldest=Min("created_at"))
    return backlog["count"], backlog["oldest"]
