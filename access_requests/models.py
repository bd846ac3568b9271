"""Access requests to data products: requests, their approval steps, grants,
and the governance policies that route them.

State changes go through access_requests.services (submit_request,
approve_step, reject_step, withdraw_request, revoke_grant, expire_grants,
send_reminders, and set_port_roles for a port's data contract roles): they lock what they change, keep the django-guardian
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
    role_name = models.CharField(
        "contract role",
        max_length=200,
        blank=True,
        help_text="The role of the port's data contract (ODCS roles[].role) the requester asked for, as it was named then.",
    )
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
    # Routed by the port's data contract roles when the request was submitted
    # (see PortRole): a snapshot, as the policy's steps are, so a re-imported
    # contract changes the next request's routing, not an open one's.
    approvers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="role_approval_steps",
        help_text="People a data contract role names as this step's approvers: they may decide it beside the owners or stewards.",
    )
    contract_roles = models.CharField(
        max_length=500, blank=True, help_text="The data contract roles whose approvers this step was routed to, comma-separated."
    )

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


class PortRole(models.Model):
    """A role of an output port's data contract (ODCS `roles[]`), as the port's
    current contract names it: the IAM role a consumer is given, its access,
    and who approves it. It feeds the access policy: a request for the port
    (or for one of its roles) may be decided by the role's first-level
    approvers beside the product's owners (owner step) and by its
    second-level approvers beside the stewards (steward step, added even
    where the classification's policy needs none). See services.submit_request.
    Written only by access_requests.services.set_port_roles (the contract import)."""

    port = models.ForeignKey("catalog.OutputPort", on_delete=models.CASCADE, related_name="access_roles")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField("role", max_length=200, help_text="The IAM role's name (ODCS roles[].role).")
    description = models.TextField(blank=True)
    access = models.CharField(max_length=60, blank=True, help_text="The access the role gives, as the contract says (read, write, …).")
    first_level_approvers = models.CharField(max_length=1000, blank=True, help_text="As the contract gives them.")
    second_level_approvers = models.CharField(max_length=1000, blank=True, help_text="As the contract gives them.")

    class Meta:
        ordering = ["port", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.port})"

    def approvers_at(self, level: int) -> list["RoleApprover"]:
        return [approver for approver in self.approvers.all() if approver.level == level]

    @property
    def first_level(self) -> list["RoleApprover"]:
        return self.approvers_at(RoleApprover.Level.FIRST)

    @property
    def second_level(self) -> list["RoleApprover"]:
        return self.approvers_at(RoleApprover.Level.SECOND)


class RoleApprover(models.Model):
    """One name a PortRole gives as an approver, and the marketplace user or
    team it resolves to (by username, e-mail address, team slug or team
    name). A name that resolves to nobody is kept, unresolved: it routes to
    no one, is shown as such, and is resolved again when the roles are set
    again. A team stands for its owners at the time a request is routed.
    Written only by access_requests.services.set_port_roles."""

    class Level(models.IntegerChoices):
        FIRST = 1, "First-level approver"
        SECOND = 2, "Second-level approver"

    role = models.ForeignKey(PortRole, on_delete=models.CASCADE, related_name="approvers")
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    name = models.CharField(max_length=200, help_text="The name as the contract gives it.")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    team = models.ForeignKey("catalog.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["role", "level", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(user=None) | Q(team=None), name="role_approver_user_or_team"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def resolved(self) -> bool:
        return self.user_id is not None or self.team_id is not None


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
