"""The user types services and queries are annotated with. The project keeps
Django's default user model (AUTH_USER_MODEL is not set), so its class is
imported directly: get_user_model() cannot run before the app registry is ready,
and a type checker cannot follow it. Services take a signed-in `User`; reads
that depend on who asks also take the `AnonymousUser` of a visitor."""

from django.contrib.auth.models import AnonymousUser, User

__all__ = ["AnonymousUser", "User"]
