"""Access requests to data products.

This is the first slice: the request itself, so that the catalog can show
what is most requested. Routing, approval steps, grants and the audit trail
follow (see DESIGN.md, "The access request flow"); state changes will go
through access_requests.services.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class AccessRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Access(models.TextChoices):
        READ = "read", "Read"
        READ_MASKED = "read-masked", "Read (personal data masked)"

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_requests")
    product = models.ForeignKey("catalog.DataProduct", on_delete=models.PROTECT, related_name="access_requests")
    port = models.ForeignKey("catalog.OutputPort", on_delete=models.PROTECT, null=True, blank=True, related_name="access_requests")
    purpose = models.TextField()
    access = models.CharField(max_length=20, choices=Access.choices, default=Access.READ)
    duration_days = models.PositiveIntegerField(default=90)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["pending", "approved", "rejected", "withdrawn"]), name="request_status_valid"),
        ]
        indexes = [
            models.Index(fields=["product", "status"]),
            models.Index(fields=["requester", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.requester} → {self.product} ({self.status})"
