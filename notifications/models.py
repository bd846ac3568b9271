"""The outbox: one row per message to one user, written in the transaction
of the change it announces and e-mailed after commit (notifications.services).
Every app notifies through notifications.services.notify."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Notification(models.Model):
    """A message to one user: shown in the in-app inbox and e-mailed. Rows are
    written in the transaction of the change they announce (an outbox);
    Celery delivers the e-mail after commit and sets `delivered_at`, and a
    periodic sweep delivers what is still undelivered.

    A sender first claims the row for a while (`claimed_until`, with its own
    `claim_token`) in a short transaction, sends with no transaction open,
    then marks it delivered only if its claim still holds. A sender that dies
    mid-send leaves a claim that expires; the mail may then go out twice, with
    the same Message-ID (notifications.services.message_id)."""

    class Kind(models.TextChoices):
        REQUEST_SUBMITTED = "request.submitted", "A request awaits your decision"
        REQUEST_APPROVED = "request.approved", "Your request was approved"
        REQUEST_REJECTED = "request.rejected", "Your request was rejected"
        REQUEST_WITHDRAWN = "request.withdrawn", "A request was withdrawn"
        GRANT_REVOKED = "grant.revoked", "Your access was revoked"
        GRANT_EXPIRED = "grant.expired", "Your access expired"
        STEP_REMINDER = "step.reminder", "A request still awaits your decision"
        STEP_ESCALATED = "step.escalated", "A request in your domain is overdue"
        SLO_BREACHED = "slo.breached", "A data product breached its SLO"
        CONTRACT_CHANGED = "contract.changed", "A data product you use or follow changed its contract"
        CONTRACT_CHANGE_SCHEDULED = "contract.change_scheduled", "A data product you use or follow will change its contract"
        CONTRACT_CHANGE_CANCELLED = "contract.change_cancelled", "A scheduled contract change will not happen"
        CONTRACT_CHANGE_FAILED = "contract.change_failed", "Your scheduled contract change was not applied"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    url = models.CharField(max_length=300, blank=True, help_text="Where the notification leads, a path on this site.")
    request = models.ForeignKey(
        "access_requests.AccessRequest", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(
        null=True, blank=True, help_text="When the e-mail went out (or was found to have no address to go to)."
    )
    delivery_attempts = models.PositiveIntegerField(
        default=0, help_text="Deliveries begun (claims taken), including any that died mid-send."
    )
    last_error = models.TextField(blank=True)
    claimed_until = models.DateTimeField(
        null=True, blank=True, help_text="A sender is e-mailing it until then; after that its claim has lapsed."
    )
    claim_token = models.CharField(max_length=32, blank=True, help_text="Who holds the claim: only they may mark it delivered.")

    class Meta:
        db_table = "access_requests_notification"  # its table since before notifications had an app of their own
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["created_at"], condition=Q(delivered_at=None), name="notification_undelivered"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.subject}"
