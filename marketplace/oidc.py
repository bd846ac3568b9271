"""Single sign-on through OpenID Connect (mozilla-django-oidc), beside the
local accounts (README, "Single sign-on").

A user is found by the provider's subject (`SignInIdentity`), created at
their first sign-in and updated at every later one: name, e-mail address,
and through `catalog.services.sync_memberships` their teams and stewardship
as the provider's groups claim says (settings OIDC_GROUPS_CLAIM,
OIDC_TEAM_ROLES, OIDC_STEWARDS_VALUE). Only the teams the mapping names, and
the stewards group when OIDC_STEWARDS_VALUE is set, are managed this way;
memberships given here by hand in other teams stay.

django-axes' backend runs before this one, as for a password: a locked-out
address is refused, and a failed sign-in counts against it.
"""

import logging
import re

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import LoginView
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import Http404
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from catalog import services as catalog_services

from .models import SignInIdentity

logger = logging.getLogger(__name__)


def is_enabled() -> bool:
    """Whether sign-in through the identity provider is configured."""
    return bool(getattr(settings, "OIDC_ENABLED", False))


def memberships_from_claims(claims: dict) -> tuple[dict[str, str], bool | None]:
    """The teams (slug -> role) and the stewardship that `claims` ask for, by
    the mapping in settings. Owner wins when two values name one team. The
    stewardship is None when OIDC_STEWARDS_VALUE is empty (not managed)."""
    values = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    if isinstance(values, str):
        values = [values]
    values = {value for value in values if isinstance(value, str)}
    roles: dict[str, str] = {}
    for value in sorted(values):
        if value in settings.OIDC_TEAM_ROLES:
            slug, role = settings.OIDC_TEAM_ROLES[value]
            if roles.get(slug) != "owner":
                roles[slug] = role
    steward = (settings.OIDC_STEWARDS_VALUE in values) if settings.OIDC_STEWARDS_VALUE else None
    return roles, steward


def _username_from(claims: dict) -> str:
    """A free username for a new user: the provider's preferred_username, or
    the e-mail address' local part, or the subject; made of the characters
    Django allows, and numbered when taken."""
    User = get_user_model()
    email = claims.get("email") or ""
    wanted = claims.get("preferred_username") or email.split("@")[0] or claims["sub"]
    base = re.sub(r"[^\w.@+-]", "", str(wanted))[:140] or "user"
    username, number = base, 1
    while User.objects.filter(username__iexact=username).exists():
        number += 1
        username = f"{base}-{number}"
    return username


class IdentityProviderBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, finding users by issuer and subject."""

    def authenticate(self, request, **kwargs):
        try:
            return super().authenticate(request, **kwargs)
        except requests.RequestException as error:
            # An unreachable or refusing provider is a failed sign-in, not a 500.
            logger.warning("sign-in through the identity provider failed: %s", error)
            return None

    def retrieve_matching_jwk(self, token):
        """The provider's signing key. A token without a key id (`kid`) is
        allowed when the provider publishes exactly one key, as OpenID
        Connect permits; otherwise the library's matching by id applies."""
        if "kid" in jwt.get_unverified_header(token):
            return super().retrieve_matching_jwk(token)
        response = requests.get(self.OIDC_OP_JWKS_ENDPOINT, timeout=self.get_settings("OIDC_TIMEOUT", None))
        response.raise_for_status()
        keys = response.json().get("keys", [])
        if len(keys) != 1:
            raise SuspiciousOperation("The ID token names no key, and the provider publishes more than one")
        return jwt.PyJWK(keys[0])

    def verify_claims(self, claims) -> bool:
        return bool(claims.get("sub"))

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if not self.verify_claims(userinfo) or userinfo.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("The provider's user information names no subject, or another one than its ID token")
        # Some providers put the groups in the ID token only: the user information wins where both say.
        claims = {**payload, **userinfo}
        issuer = str(payload.get("iss") or self.OIDC_OP_TOKEN_ENDPOINT)
        with transaction.atomic():
            identity = SignInIdentity.objects.select_related("user").filter(issuer=issuer, subject=claims["sub"]).first()
            if identity is None:
                user = get_user_model().objects.create_user(_username_from(claims))
                user.set_unusable_password()
                identity = SignInIdentity(user=user, issuer=issuer, subject=claims["sub"])
            user = identity.user
            if not user.is_active:
                return None
            user.email = str(claims.get("email") or user.email)[:254]
            user.first_name = str(claims.get("given_name") or user.first_name)[:150]
            user.last_name = str(claims.get("family_name") or user.last_name)[:150]
            user.save()
            identity.save()
            roles, steward = memberships_from_claims(claims)
            catalog_services.sync_memberships(
                user,
                roles=roles,
                managed_teams={slug for slug, _ in settings.OIDC_TEAM_ROLES.values()},
                steward=steward,
                source=f"sign-in through {settings.OIDC_PROVIDER_NAME}",
            )
        return user


class SignInRequestView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider; a 404 when single sign-on is off."""

    def __init__(self, *args, **kwargs):
        if not is_enabled():
            raise Http404("Single sign-on is not configured.")
        super().__init__(*args, **kwargs)


class SignInCallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back; a failure says so on the sign-in page."""

    def dispatch(self, request, *args, **kwargs):
        if not is_enabled():
            raise Http404("Single sign-on is not configured.")
        return super().dispatch(request, *args, **kwargs)

    def login_failure(self):
        messages.error(self.request, f"Signing in through {settings.OIDC_PROVIDER_NAME} did not succeed. Please try again.")
        return super().login_failure()


class SignInPageView(LoginView):
    """The sign-in page: the local accounts' form, and a button for the
    identity provider when single sign-on is configured."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["single_sign_on"] = settings.OIDC_PROVIDER_NAME if is_enabled() else ""
        return context
