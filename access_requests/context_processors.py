"""What the frame of every page shows about access: the bell's unread count,
the inbox's count of steps awaiting the user, and whether the audit trail
link applies. Computed lazily: a page that never shows them never asks."""

from django.utils.functional import cached_property

from notifications import queries as notification_queries

from . import queries


class AccessNavigation:
    def __init__(self, user):
        self.user = user

    @cached_property
    def unread_notifications(self) -> int:
        return notification_queries.unread_count(self.user)

    @cached_property
    def steps_awaiting(self) -> int:
        return queries.steps_decidable_by(self.user).count()

    @cached_property
    def may_read_audit(self) -> bool:
        return queries.may_read_audit(self.user)


def access_navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"access_nav": AccessNavigation(user)}
