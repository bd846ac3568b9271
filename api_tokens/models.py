"""Named API tokens: knox's hashed token plus what people need to manage it."""

from django.conf import settings
from django.db import models
from knox.models import AuthToken

SERVICE_ACCOUNTS_GROUP = "service accounts"


class ApiToken(models.Model):
    """The name, scope and last use of one knox token (`auth_token`, which keeps
    only the secret's SHA-512 digest and its expiry). Revoking deletes the knox
    token, and this row with it.

    State changes must go through api_tokens.services (create_token,
    revoke_token): they are audited."""

    class Scope(models.TextChoices):
        READ = "read", "Read-only"
        WRITE = "write", "Read and write"

    auth_token = models.OneToOneField(AuthToken, on_delete=models.CASCADE, related_name="details")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. “nightly OpenLineage export”.")
    scope = models.CharField(max_length=5, choices=Scope.choices, default=Scope.READ)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="api_token_unique_name_per_user")]

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    @property
    def created_at(self):
        return self.auth_token.created

    @property
    def expires_at(self):
        return self.auth_token.expiry

    @property
    def read_only(self) -> bool:
        return self.scope == self.Scope.READ
