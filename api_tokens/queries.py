"""Reads about API tokens that depend on who asks."""

from django.db.models import QuerySet

from core.users import User

from .models import SERVICE_ACCOUNTS_GROUP, ApiToken


def is_service_account(user: User) -> bool:
    return user.groups.filter(name=SERVICE_ACCOUNTS_GROUP).exists()


def may_manage_tokens_of(by: User, owner: User) -> bool:
    """A user manages their own tokens; staff also manage a service account's."""
    if not by.is_authenticated or not by.is_active:
        return False
    return by.pk == owner.pk or (by.is_staff and is_service_account(owner))


def tokens_of(owner: User) -> QuerySet[ApiToken]:
    """`owner`'s tokens, newest first, expired ones included (shown as expired)."""
    return ApiToken.objects.filter(user=owner).select_related("auth_token", "created_by")


def service_accounts() -> QuerySet[User]:
    return User.objects.filter(groups__name=SERVICE_ACCOUNTS_GROUP).order_by("username")
