"""Reads of a user's own notifications."""

from django.db.models import QuerySet

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
