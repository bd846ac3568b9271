"""Every change to API tokens: create_token and revoke_token, both audited."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken

from audit import trail
from core.errors import Forbidden, ServiceError
from core.users import User

from . import queries
from .models import ApiToken

DEFAULT_EXPIRY_DAYS = 90
MAX_EXPIRY_DAYS = 365
# Secrets start with this, so the authentication tells them from the older DRF tokens at a glance.
TOKEN_PREFIX = "dpm_"


@dataclass(frozen=True)
class CreatedToken:
    """A new token and its secret. The secret exists only here: it is stored as a digest."""

    token: ApiToken
    secret: str


@transaction.atomic
def create_token(
    owner: User, *, by: User, name: str, scope: str = ApiToken.Scope.READ, expires_in_days: int = DEFAULT_EXPIRY_DAYS
) -> CreatedToken:
    """Create a named token for `owner` (by themselves, or by staff for a service
    account), valid for `expires_in_days` (1 to 365). Writes the knox token
    (hashed), its details and an `api_token.created` audit event."""
    if not queries.may_manage_tokens_of(by, owner):
        raise Forbidden("You may create tokens only for yourself, or as staff for a service account.")
    name = (name or "").strip()
    if not name:
        raise ServiceError("Give the token a name.", field="name")
    if len(name) > 100:
        raise ServiceError("A name has at most 100 characters.", field="name")
    if scope not in ApiToken.Scope.values:
        raise ServiceError(f"Scope is one of {', '.join(ApiToken.Scope.values)}.", field="scope")
    if isinstance(expires_in_days, bool) or not isinstance(expires_in_days, int) or not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise ServiceError(f"A token expires after 1 to {MAX_EXPIRY_DAYS} days.", field="expires_in_days")
    if ApiToken.objects.filter(user=owner, name=name).exists():
        raise ServiceError("A token with this name exists already.", field="name")
    auth_token, secret = AuthToken.objects.create(owner, expiry=timedelta(days=expires_in_days), prefix=TOKEN_PREFIX)
    token = ApiToken.objects.create(
        auth_token=auth_token,
        user=owner,
        name=name,
        scope=scope,
        created_by=by,
    )
    trail.record(
        "api_token.created",
        actor=by,
        obj=token,
        payload={"owner": owner.get_username(), "name": name, "scope": scope, "expires_at": token.expires_at.isoformat()},
    )
    return CreatedToken(token=token, secret=secret)


@transaction.atomic
def revoke_token(token: ApiToken, *, by: User) -> None:
    """Revoke `token` (by its owner, staff for a service account, or a superuser) at once: deletes the knox token and its details, so the
    next request with it is a 401. Writes an `api_token.revoked` audit event."""
    # A superuser may revoke anyone's token (one that leaked, say); nobody creates one for another person.
    if not (by.is_active and by.is_superuser) and not queries.may_manage_tokens_of(by, token.user):
        raise Forbidden("You may revoke only your own tokens, or as staff a service account's.")
    trail.record(
        "api_token.revoked",
        actor=by,
        obj=token,
        payload={"owner": token.user.get_username(), "name": token.name, "scope": token.scope},
    )
    AuthToken.objects.filter(pk=token.auth_token_id).delete()


def note_use(token: ApiToken, *, every: timedelta = timedelta(minutes=1)) -> None:
    """Record that `token` was used now, writing at most once per `every`
    (a conditional UPDATE, no lock, no audit event: use is not a change)."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < every:
        return
    ApiToken.objects.filter(pk=token.pk).exclude(last_used_at__gt=now - every).update(last_used_at=now)
    token.last_used_at = now
