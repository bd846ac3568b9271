"""Finding the user of an API token's secret, with its expiry and scope."""

import binascii
from hmac import compare_digest

from django.utils import timezone
from knox.crypto import hash_token
from knox.settings import CONSTANTS
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS

from . import services
from .models import ApiToken


def is_api_token(secret: str) -> bool:
    return secret.startswith(services.TOKEN_PREFIX)


def authenticate_secret(secret: str, *, method: str):
    """(user, ApiToken) for a live token's secret; 401 for an unknown, expired or
    revoked one, 403 when a read-only token is used for an unsafe method."""
    candidates = ApiToken.objects.filter(
        auth_token__token_key=secret[: CONSTANTS.TOKEN_KEY_LENGTH], auth_token__expiry__gt=timezone.now()
    ).select_related("auth_token", "user")
    try:
        digest = hash_token(secret)
    except (TypeError, ValueError, binascii.Error):
        raise exceptions.AuthenticationFailed("Invalid token.") from None
    for token in candidates:
        if compare_digest(digest, token.auth_token.digest):
            break
    else:
        raise exceptions.AuthenticationFailed("Invalid token: unknown, expired or revoked.")
    if not token.user.is_active:
        raise exceptions.AuthenticationFailed("User inactive or deleted.")
    services.note_use(token)
    if token.read_only and method not in SAFE_METHODS:
        raise exceptions.PermissionDenied(
            f"This token is read-only: it may not be used for {method}. Create a read-write token for changes."
        )
    return token.user, token
