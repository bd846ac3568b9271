"""Access requests to data products: requests, their approval steps, grants,
and the governance policies that route them.

State changes go through access_requests.services (submit_request,
approve_step, reject_step, withdraw_request, revoke_grant, expire_grants,
send_reminders): they lock what they change, keep the django-guardian
permission in step with the grants, and write the audit events and the
notifications in the same transaction. Nothing else writes these tables.
Reads that depend on who asks live in access_requests.queries.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

CLASSIFICATIONS = ["public", "internal", "confidential", "restricted"]


class Policy(models.Model):
    """Federated governance as data: how requests for products of one
    classification are routed and bounded. Products that contain personal
    data also follow the "personal data" policy: the stricter of the two
    applies (see services.policy_for)."""

    class AppliesTo(models.TextChoices):
        PUBLIC = "public", "Public products"
        INTERNAL = "internal", "Internal products"
        CONFIDENTIAL = "confidential", "Confidential products"
        RESTRICTED = "restricted", "Restricted products"
        PERSONAL_DATA = "personal-data", "Products containing personal data"

    applies_to = models.CharField(max_length=20, choices=AppliesTo.choices, unique=True)
    requires_owner_approval = models.BooleanField(default=True, help_text="An owner of the product's team must approve.")
    requires_steward_approval = models.BooleanField(
        default=False, help_text="A governance steward (a member of the stewards group) must approve as well."
    )
    max_duration_days = models.PositiveIntegerField(default=365, help_text="The longest grant a request may ask for, in days.")
    purpose_min_length = models.PositiveIntegerField(default=10, help_text="Shortest purpose accepted, in characters.")
    purpose_max_length = models.PositiveIntegerField(default=2000, help_text="Longest purpose accepted, in characters.")
    reminder_after_hours = models.PositiveIntegerField(
        default=48, help_text="A step still open after this many hours reminds its approvers."
    )
    escalate_after_hours = models.PositiveIntegerField(
        default=120, help_text="A step still open after this many hours is escalated to the domain's owners."
    )

    class Meta:
        verbose_name_plural = "policies"
        ordering = ["applies_to"]
        constraints = [
            models.CheckConstraint(condition=Q(max_duration_days__gte=1), name="policy_duration_positive"),
            models.CheckConstraint(condition=Q(purpose_max_length__gte=models.F("purpose_min_length")), name="policy_purpose_bounds"),
            models.CheckConstraint(
                condition=Q(escalate_after_hours__gte=models.F("reminder_after_hours")), name="policy_escalate_after_reminder"
            ),
        ]

    def __str__(self) -> str:
        return self.get_applies_to_display()


class AccessRequest(models.Model):
    """A user's request to use a data product. State changes must go through
    access_requests.services: pending → approved | rejected | withdrawn."""

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
    port = models.ForeignKey("catalog.OutputPort", on_delete=models.SET_NULL, null=True, blank=True, related_name="access_requests")
    purpose = models.TextField()
    access = models.CharField(max_length=20, choices=Access.choices, default=Access.READ)
    duration_days = models.PositiveIntegerField(default=90)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    auto_approved = models.BooleanField(default=False, help_text="Approved without steps: the requester is in the owning team.")
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["pending", "approved", "rejected", "withdrawn"]), name="request_status_valid"),
            models.CheckConstraint(condition=Q(duration_days__gte=1), name="request_duration_positive"),
            # One open request per user and product, even when two submissions race.
            models.UniqueConstraint(fields=["requester", "product"], condition=Q(status="pending"), name="one_open_request_per_product"),
        ]
        indexes = [
            models.Index(fields=["product", "status"]),
            models.Index(fields=["requester", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.requester} → {self.product} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("access_requests:request", args=[self.pk])

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class ApprovalStep(models.Model):
    """One approver role's decision on a request. All steps must approve; one
    rejection rejects the request and cancels the others. Written only by
    access_requests.services."""

    class Role(models.TextChoices):
        OWNER = "owner", "Product owner"
        STEWARD = "steward", "Governance steward"

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting decision"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        CANCELLED = "cancelled", "Not needed any more"

    request = models.ForeignKey(AccessRequest, on_delete=models.CASCADE, related_name="steps")
    role = models.CharField(max_length=20, choices=Role.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="approval_decisions"
    )
    comment = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["request", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "role"], name="one_step_per_role"),
            models.CheckConstraint(condition=Q(role__in=["owner", "steward"]), name="step_role_valid"),
            models.CheckConstraint(condition=Q(status__in=["pending", "approved", "rejected", "cancelled"]), name="step_status_valid"),
        ]
        indexes = [models.Index(fields=["status", "role"])]

    def __str__(self) -> str:
        return f"{self.get_role_display()} step of request {self.request_id} ({self.status})"


class GrantQuerySet(models.QuerySet):
    def live(self, now=None):
        """Grants in force now: started, not ended, not revoked, not expired.
        Checked at access time, so a grant past its end never works even when
        the expiry task is late."""
        now = now or timezone.now()
        return self.filter(revoked_at=None, expired_at=None, starts_at__lte=now, ends_at__gt=now)


class Grant(models.Model):
    """Who may use which product, from when to when. A live grant is the
    django-guardian permission `catalog.access_dataproduct` on the product;
    ending the grant removes it. State changes must go through
    access_requests.services (a grant is created by an approved request and
    ended by revoke_grant or expire_grants)."""

    request = models.OneToOneField(AccessRequest, on_delete=models.PROTECT, related_name="grant")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grants")
    product = models.ForeignKey("catalog.DataProduct", on_delete=models.PROTECT, related_name="grants")
    port = models.ForeignKey("catalog.OutputPort", on_delete=models.SET_NULL, null=True, blank=True, related_name="grants")
    access = models.CharField(max_length=20, choices=AccessRequest.Access.choices, default=AccessRequest.Access.READ)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    revoke_reason = models.TextField(blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)

    objects = GrantQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="grant_ends_after_start"),
        ]
        indexes = [
            models.Index(fields=["user", "product"]),
            models.Index(fields=["product", "ends_at"]),
            models.Index(fields=["ends_at"], condition=Q(revoked_at=None, expired_at=None), name="grant_open_by_end"),
        ]

    def __str__(self) -> str:
        return f"{self.user} may use {self.product} until {self.ends_at:%Y-%m-%d}"

    def is_live(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expired_at is None and self.starts_at <= now < self.ends_at

    @property
    def state(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expired_at or self.ends_at <= timezone.now():
            return "expired"
        return "live"

    @property
    def days_left(self) -> int:
        return max(0, (self.ends_at - timezone.now()) // timedelta(days=1))
