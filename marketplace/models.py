"""Who signed in through the identity provider (marketplace/oidc.py)."""

from django.conf import settings
from django.db import models


class SignInIdentity(models.Model):
    """The identity provider's subject (`sub`) a user signs in as. Users are
    found by it, never by a username or e-mail address the provider reports,
    so a provider account cannot take over a local account of the same name."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_in_identity")
    issuer = models.CharField(max_length=255, help_text="The identity provider (its token endpoint's origin).")
    subject = models.CharField(max_length=255, help_text="The provider's `sub` claim for this user.")
    first_signed_in = models.DateTimeField(auto_now_add=True)
    last_signed_in = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="unique_sign_in_identity")]
        verbose_name_plural = "sign-in identities"

    def __str__(self) -> str:
        return f"{self.user} ({self.subject} at {self.issuer})"
