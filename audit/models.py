"""The append-only, hash-chained audit trail every app writes to through
audit.trail.record. Its tables keep the names they had in access_requests."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class AuditEvent(models.Model):
    """One entry of the append-only audit trail. Each event's `hash` is the
    SHA-256 of its canonical JSON and the previous event's hash, so changing
    or removing an event breaks the chain (manage.py verify_audit finds it),
    and signed checkpoints kept outside the database find a chain whose
    hashes were all recomputed (audit.checkpoints).
    Written by audit.trail.record in the transaction of the change
    it records; database triggers refuse UPDATE, DELETE, TRUNCATE and an
    INSERT that replaces an event or does not follow the head.

    Actor and product are kept as plain ids (no database constraint, nothing
    cascades into this table): deleting a user or product must never rewrite
    the record of what they did."""

    sequence = models.PositiveBigIntegerField(unique=True)
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(
        max_length=150, blank=True, help_text="The actor's username when the event happened; empty for the system."
    )
    action = models.CharField(max_length=50)
    object_type = models.CharField(max_length=50)
    object_id = models.CharField(max_length=50)
    product = models.ForeignKey(
        "catalog.DataProduct", on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+"
    )
    payload = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        db_table = "access_requests_auditevent"  # its table since before the audit trail had an app of its own
        ordering = ["-sequence"]
        indexes = [
            models.Index(fields=["product", "-sequence"]),
            models.Index(fields=["action", "-sequence"]),
            models.Index(fields=["occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type} {self.object_id}"


class AuditChainHead(models.Model):
    """A single row holding the end of the audit chain. Appending locks it
    (SELECT ... FOR UPDATE on PostgreSQL; SQLite's write lock serialises
    writers), so concurrent writers queue instead of forking the chain.
    Triggers let it only move forward by one, to the event just appended."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        db_table = "access_requests_auditchainhead"
        constraints = [models.CheckConstraint(condition=Q(id=1), name="audit_chain_single_head")]

    def __str__(self) -> str:
        return f"audit chain at #{self.sequence}"
