"""Signing in: who the client is, when repeated failures lock an account or
an address (django-axes), and what a locked-out client is told.

django-axes sits on every path that calls `authenticate()`: the sign-in
page, the admin's sign-in and the token endpoint (`ObtainToken` below). Its
backend refuses a locked-out account or address before the password is
checked, so the right password does not help until the lock ends; its
middleware turns that refusal into `lockout_response` on the pages, and
`ObtainToken` into a JSON 429 on the API.
"""

import ipaddress
from datetime import datetime

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_credentials
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address: the socket's, or with TRUSTED_PROXY_COUNT
    proxies in front the address the outermost of them saw, taken from the
    right of X-Forwarded-For (entries further left are the client's to
    invent). The same rule as the API throttles (DRF's NUM_PROXIES, set from
    the same setting); a value that is not an IP address counts as the
    socket's."""
    address = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return request.META.get("REMOTE_ADDR")


def attempted_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The username a sign-in tried, as the lockout counts it (axes'
    AXES_USERNAME_CALLABLE): cut to the longest a user can have. A longer one
    names no account, and the sign-in form does not bound it (Django sets
    its max_length too late for a validator), so uncut it would not fit the
    attempts table and the sign-in would fail with a 500."""
    field = get_user_model().USERNAME_FIELD
    if credentials is not None:
        username = credentials.get(field)
    else:
        username = getattr(request, "data", request.POST).get(field)
    if not isinstance(username, str):
        return None
    return username[: get_user_model()._meta.get_field(field).max_length]


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class SignInAttemptHandler(AxesDatabaseHandler):
    """axes' database handler with two limits instead of one: an account is
    locked after SIGNIN_FAILURE_LIMIT recent failures (from any address), a
    client address after SIGNIN_ADDRESS_FAILURE_LIMIT (against any account).
    The address limit is the higher one, because an office or a mobile
    network puts many people behind one address; it stops one client from
    trying a few passwords on each of many accounts. A successful sign-in
    clears the failures against its own account only, so that an attacker
    who holds one account cannot reset their address's count with it."""

    def get_failures(self, request, credentials=None) -> int:
        """Failures measured against AXES_FAILURE_LIMIT: the account's own,
        or the limit itself once the address has reached its limit."""
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        username = get_client_username(request, credentials)
        account_failures = _failures(recent.filter(username=username)) if username else 0
        if _failures(recent.filter(ip_address=request.axes_ip_address)) >= settings.SIGNIN_ADDRESS_FAILURE_LIMIT:
            return max(account_failures, settings.AXES_FAILURE_LIMIT)
        return account_failures

    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def locked_until(request: HttpRequest, credentials: dict | None = None) -> datetime:
    """When the lock on this request's account and address ends at the
    latest: the cool-off after the last failure that counts against them."""
    username = get_client_username(request, credentials)
    address = getattr(request, "axes_ip_address", None) or client_address(request)
    last = (
        AccessAttempt.objects.filter(Q(username=username) | Q(ip_address=address))
        .filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
        .aggregate(last=Max("attempt_time"))["last"]
    )
    return (last or timezone.now()) + settings.AXES_COOLOFF_TIME


def _retry_after(until: datetime) -> int:
    return max(1, int((until - timezone.now()).total_seconds() + 0.999))


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """The page a locked-out sign-in gets (axes' AXES_LOCKOUT_CALLABLE), on
    the sign-in page and the admin's: a 429 saying until when, with Retry-After."""
    until = locked_until(request, credentials)
    context = {"locked_until": until, "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)}
    response = render(request, "registration/locked_out.html", context, status=status.HTTP_429_TOO_MANY_REQUESTS)
    response["Retry-After"] = str(_retry_after(until))
    return response


class SignInLocked(exceptions.APIException):
    """A sign-in refused because the account or the address is locked."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "signin_locked"

    def __init__(self, until: datetime):
        self.wait = _retry_after(until)  # DRF's handler sends it as Retry-After
        super().__init__(
            {
                "detail": "Too many failed sign-ins for this account or from this address: signing in is locked "
                f"until {until.isoformat(timespec='seconds')}. Try again then, or ask an administrator to unlock it.",
                "locked_until": until.isoformat(timespec="seconds"),
            }
        )


class TokenRequestSerializer(AuthTokenSerializer):
    """DRF's, with the username bounded as the user model bounds it: a
    longer one is a 400 naming the field, not a row the lockout cannot store."""

    username = serializers.CharField(label="Username", write_only=True, max_length=get_user_model()._meta.get_field("username").max_length)


_TOKEN = inline_serializer("Token", {"token": serializers.CharField()})
_DETAIL = inline_serializer("SignInError", {"detail": serializers.CharField()})
_LOCKED = inline_serializer("SignInLocked", {"detail": serializers.CharField(), "locked_until": serializers.DateTimeField(required=False)})


class ObtainToken(ObtainAuthToken):
    """POST username and password, get the token machines send as
    `Authorization: Token <key>`. Throttled per client address, and locked
    like the sign-in page after repeated failures."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"
    serializer_class = TokenRequestSerializer
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES  # DRF's view lists its own, without the nesting bound

    @extend_schema(
        responses={
            200: _TOKEN,
            400: OpenApiResponse(description="Wrong username or password, or one of them missing."),
            429: OpenApiResponse(
                _LOCKED,
                description="Too many failed sign-ins for this account or from this client address "
                "(`detail`, `locked_until`), or too many requests for a token (`detail`). "
                "The `Retry-After` header says how many seconds to wait.",
            ),
        },
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        valid = serializer.is_valid()
        # axes marks the request it saw in authenticate() (this DRF request).
        if getattr(request, "axes_locked_out", False):
            raise SignInLocked(locked_until(request, getattr(request, "axes_credentials", None)))
        if not valid:
            raise exceptions.ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        # No session sign-in happens here, so clear the account's failures as a sign-in would (AXES_RESET_ON_SUCCESS).
        AxesProxyHandler.get_implementation().reset_user_attempts(request, get_credentials(user.get_username()))
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
