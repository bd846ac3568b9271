from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication, get_authorization_header


class BearerOrTokenAuthentication(TokenAuthentication):
    """DRF token auth that also accepts `Authorization: Bearer <key>`, the form
    machine clients such as the OpenLineage HTTP transport send.

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
        return self.authenticate_credentials(key)

    def authenticate_header(self, request):
        return 'Token realm="api", Bearer realm="api"'
