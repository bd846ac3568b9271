from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication, get_authorization_header

from api_tokens.authentication import authenticate_secret, is_api_token


class BearerOrTokenAuthentication(TokenAuthentication):
    """Token auth for machines, as `Authorization: Token <key>` or `Bearer <key>`
    (the form the OpenLineage HTTP transport sends).

    A key starting `dpm_` is a named API token (api_tokens: hashed, expiring,
    scoped, revocable); any other key is a legacy DRF token from
    `POST /api/v1/auth/token/`, accepted during the deprecation period.

    It is the first authentication class, so its challenge is the one DRF
    sends: a missing or invalid credential is a 401 with `WWW-Authenticate`
    naming both schemes, not a 403."""

    keywords = (b"token", b"bearer")

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header: send 'Token <key>' or 'Bearer <key>'.")
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid token header: the token has invalid characters.") from None
        if is_api_token(key):
            return authenticate_secret(key, method=request.method)
        return self.authenticate_credentials(key)

    def authenticate_header(self, request):
        return 'Token realm="api", Bearer realm="api"'
