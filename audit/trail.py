"""The append-only, hash-chained audit trail.

`record` appends an event in the caller's transaction: it locks the chain's
head row, computes the event's hash over its canonical JSON and the previous
event's hash, and moves the head. Every AUDIT_CHECKPOINT_EVERY events it asks
for a signed checkpoint after the commit (audit_checkpoints).

`verify_trail` walks the chain from the start and holds it to every signed
checkpoint, so a rewrite is found even when every hash was recomputed, and a
truncation is found back to the last checkpoint.

Database triggers (created by migrations, SQL below) refuse in SQLite and
PostgreSQL: UPDATE and DELETE of events, an INSERT that would replace an event
or does not follow the head (SQLite's INSERT OR REPLACE, PostgreSQL's
ON CONFLICT DO UPDATE), any write to the head but moving it forward by one to
the event just appended, and TRUNCATE.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from core.users import AnonymousUser, User

from . import checkpoints
from .checkpoints import Checkpoint, CheckpointInvalid
from .models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64
TABLE = AuditEvent._meta.db_table
HEAD_TABLE = AuditChainHead._meta.db_table

# One trigger per refused statement, so that the error names it. Each entry:
# (trigger name, table, CREATE statement). The first two came with migration
# 0004; the others with 0006 (CHAIN_TRIGGERS).
_SQLITE_TRIGGERS = [
    (
        "audit_event_no_update",
        TABLE,
        f"""CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END""",
    ),
    (
        "audit_event_no_delete",
        TABLE,
        f"""CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused'); END""",
    ),
    # INSERT OR REPLACE deletes the conflicting row without firing DELETE
    # triggers, so the insert itself must refuse to meet an existing row. An
    # event must also follow the head: the next sequence, the head's hash.
    (
        "audit_event_append_only",
        TABLE,
        f"""CREATE TRIGGER IF NOT EXISTS audit_event_append_only BEFORE INSERT ON {TABLE}
        BEGIN
            SELECT RAISE(ABORT, 'audit events are append-only: an INSERT replacing an event refused')
            WHERE EXISTS (SELECT 1 FROM {TABLE} WHERE id = NEW.id OR sequence = NEW.sequence OR hash = NEW.hash);
            SELECT RAISE(ABORT, 'audit events are append-only: an INSERT must follow the chain head')
            WHERE NEW.sequence IS NOT (SELECT sequence + 1 FROM {HEAD_TABLE} WHERE id = 1)
               OR NEW.prev_hash IS NOT (SELECT hash FROM {HEAD_TABLE} WHERE id = 1);
        END""",
    ),
    (
        "audit_head_insert",
        HEAD_TABLE,
        f"""CREATE TRIGGER IF NOT EXISTS audit_head_insert BEFORE INSERT ON {HEAD_TABLE}
        BEGIN
            SELECT RAISE(ABORT, 'the audit chain head is append-only: only one head, at the start of an empty chain, may be inserted')
            WHERE EXISTS (SELECT 1 FROM {HEAD_TABLE}) OR EXISTS (SELECT 1 FROM {TABLE})
               OR NEW.sequence IS NOT 0 OR NEW.hash IS NOT '{GENESIS_HASH}';
        END""",
    ),
    (
        "audit_head_forward_only",
        HEAD_TABLE,
        f"""CREATE TRIGGER IF NOT EXISTS audit_head_forward_only BEFORE UPDATE ON {HEAD_TABLE}
        BEGIN
            SELECT RAISE(ABORT, 'the audit chain head is append-only: it may only move forward by one, to the event just appended')
            WHERE NEW.id IS NOT OLD.id OR NEW.sequence IS NOT OLD.sequence + 1
               OR NEW.hash IS NOT (SELECT hash FROM {TABLE} WHERE sequence = NEW.sequence);
        END""",
    ),
    (
        "audit_head_no_delete",
        HEAD_TABLE,
        f"""CREATE TRIGGER IF NOT EXISTS audit_head_no_delete BEFORE DELETE ON {HEAD_TABLE}
        BEGIN SELECT RAISE(ABORT, 'the audit chain head is append-only: DELETE refused'); END""",
    ),
]

_POSTGRES_FUNCTIONS = [
    """CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation'; END $$""",
    f"""CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       DECLARE head_sequence bigint; head_hash varchar;
       BEGIN
           IF EXISTS (SELECT 1 FROM {TABLE} WHERE id = NEW.id OR sequence = NEW.sequence OR hash = NEW.hash) THEN
               RAISE EXCEPTION 'audit events are append-only: an INSERT replacing an event refused' USING ERRCODE = 'restrict_violation';
           END IF;
           SELECT sequence, hash INTO head_sequence, head_hash FROM {HEAD_TABLE} WHERE id = 1;
           IF head_sequence IS NULL OR NEW.sequence IS DISTINCT FROM head_sequence + 1 OR NEW.prev_hash IS DISTINCT FROM head_hash THEN
               RAISE EXCEPTION 'audit events are append-only: an INSERT must follow the chain head' USING ERRCODE = 'restrict_violation';
           END IF;
           RETURN NEW;
       END $$""",
    f"""CREATE OR REPLACE FUNCTION audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
           IF TG_OP = 'INSERT' THEN
               IF EXISTS (SELECT 1 FROM {HEAD_TABLE}) OR EXISTS (SELECT 1 FROM {TABLE})
                  OR NEW.sequence <> 0 OR NEW.hash <> '{GENESIS_HASH}' THEN
                   RAISE EXCEPTION 'the audit chain head is append-only: only one head, at the start of an empty chain, may be inserted'
                       USING ERRCODE = 'restrict_violation';
               END IF;
               RETURN NEW;
           ELSIF TG_OP = 'UPDATE' THEN
               IF NEW.id IS DISTINCT FROM OLD.id OR NEW.sequence IS DISTINCT FROM OLD.sequence + 1
                  OR NEW.hash IS DISTINCT FROM (SELECT hash FROM {TABLE} WHERE sequence = NEW.sequence) THEN
                   RAISE EXCEPTION 'the audit chain head is append-only: it may only move forward by one, to the event just appended'
                       USING ERRCODE = 'restrict_violation';
               END IF;
               RETURN NEW;
           END IF;
           RAISE EXCEPTION 'the audit chain head is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
       END $$""",
]
_POSTGRES_TRIGGERS = [
    (
        "audit_event_no_update",
        TABLE,
        f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()""",
    ),
    (
        "audit_event_no_delete",
        TABLE,
        f"""CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()""",
    ),
    # ON CONFLICT DO UPDATE runs the BEFORE INSERT trigger first: it refuses there.
    (
        "audit_event_append_only",
        TABLE,
        f"""CREATE TRIGGER audit_event_append_only BEFORE INSERT ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
    ),
    (
        "audit_event_no_truncate",
        TABLE,
        f"""CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change()""",
    ),
    (
        "audit_head_forward_only",
        HEAD_TABLE,
        f"""CREATE TRIGGER audit_head_forward_only BEFORE INSERT OR UPDATE OR DELETE ON {HEAD_TABLE}
        FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only()""",
    ),
    (
        "audit_head_no_truncate",
        HEAD_TABLE,
        f"""CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON {HEAD_TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change()""",
    ),
]
ROW_TRIGGERS = ("audit_event_no_update", "audit_event_no_delete")
CHAIN_TRIGGERS = (
    "audit_event_append_only",
    "audit_event_no_truncate",
    "audit_head_insert",
    "audit_head_forward_only",
    "audit_head_no_delete",
    "audit_head_no_truncate",
)
TRIGGERS = {"sqlite": _SQLITE_TRIGGERS, "postgresql": _POSTGRES_TRIGGERS}


def _statements_to_create(vendor: str, names) -> list[str]:
    statements = list(_POSTGRES_FUNCTIONS) if vendor == "postgresql" else []
    for name, table, create in TRIGGERS[vendor]:
        if name in names:
            if vendor == "postgresql":
                statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            statements.append(create)
    return statements


def _statements_to_drop(vendor: str, names) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {name} ON {table}" if vendor == "postgresql" else f"DROP TRIGGER IF EXISTS {name}"
        for name, table, _ in TRIGGERS[vendor]
        if name in names
    ]


# What migration 0004 creates and drops: the first two triggers only.
TRIGGERS_SQL = {vendor: _statements_to_create(vendor, ROW_TRIGGERS) for vendor in TRIGGERS}
DROP_TRIGGERS_SQL = {vendor: _statements_to_drop(vendor, ROW_TRIGGERS) for vendor in TRIGGERS}


def create_triggers(schema_connection=None, *, names=ROW_TRIGGERS + CHAIN_TRIGGERS) -> None:
    schema_connection = schema_connection or connection
    with schema_connection.cursor() as cursor:
        for statement in _statements_to_create(schema_connection.vendor, names):
            cursor.execute(statement)


def drop_triggers(schema_connection=None, *, names=ROW_TRIGGERS + CHAIN_TRIGGERS) -> None:
    """Only for tests and for an operator repairing by hand: without the
    triggers the tables can be rewritten, which `verify_trail` then reports
    (through the checkpoints, back to the last one)."""
    schema_connection = schema_connection or connection
    with schema_connection.cursor() as cursor:
        for statement in _statements_to_drop(schema_connection.vendor, names):
            cursor.execute(statement)


def canonical(event: AuditEvent) -> str:
    """The event as canonical JSON: sorted keys, no spaces, UTC times."""
    body = {
        "sequence": event.sequence,
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": str(event.object_id),
        "product_id": event.product_id,
        "payload": event.payload,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def compute_hash(event: AuditEvent, prev_hash: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical(event)}".encode()).hexdigest()


def record(
    action: str, *, actor: User | AnonymousUser | None = None, obj, product=None, payload: dict | None = None, at: datetime | None = None
) -> AuditEvent:
    """Append an event about `obj` (a model instance) to the chain, in the
    current transaction (which the caller must hold: the event stands or
    falls with the change it records)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the transaction of the change it records")
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    # Round-trip the payload through JSON now, so the hash covers exactly what is stored.
    payload = json.loads(json.dumps(payload or {}, default=str))
    event = AuditEvent(
        sequence=head.sequence + 1,
        occurred_at=at or timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=actor.get_username() if actor is not None and actor.is_authenticated else "",
        action=action,
        object_type=obj._meta.model_name,
        object_id=str(obj.pk),
        product=product,
        payload=payload,
        prev_hash=head.hash,
    )
    event.hash = compute_hash(event, head.hash)
    event.save(force_insert=True)
    head.sequence, head.hash = event.sequence, event.hash
    head.save(update_fields=["sequence", "hash"])
    if event.sequence % settings.AUDIT_CHECKPOINT_EVERY == 0:
        # After the commit, never inside it: signing and storing must not hold
        # the chain's lock, and a failure must not undo the change recorded.
        transaction.on_commit(checkpoints.write_checkpoint_after_commit)
    return event


@dataclass
class Break:
    """The first place where the trail does not hold, and why: an event
    (`sequence`), or a checkpoint (no sequence; the reason names it)."""

    sequence: int | None
    reason: str
    # How many events from the start are still known to be intact, when
    # fewer than were checked (a rewrite found at a checkpoint).
    intact: int | None = None

    def __str__(self) -> str:
        return self.reason if self.sequence is None else f"event #{self.sequence}: {self.reason}"


@dataclass
class Report:
    """What `verify_trail` found."""

    checked: int = 0
    broken: Break | None = None
    last_sequence: int = 0
    checkpoints: list[Checkpoint] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def anchored_through(self) -> int:
        """The sequence the last signed checkpoint vouches for (0: none)."""
        return self.checkpoints[-1].sequence if self.checkpoints else 0

    @property
    def unanchored(self) -> int:
        """Events newer than the last checkpoint: no signature covers them yet."""
        return max(0, self.last_sequence - self.anchored_through)


def verify_trail(*, batch_size: int = 2000, progress=None, now=None) -> Report:
    """Check the checkpoints (signatures, and their own chain), then walk
    the events in order. A break is a checkpoint that is unreadable, badly
    signed, missing or out of its chain; an event whose hash does not match
    its content, whose `prev_hash` is not the previous event's hash, or a gap
    in the sequence (a deleted event); an event whose hash differs from the
    one a checkpoint signed (history rewritten, even with every hash
    recomputed); a chain that ends before the last checkpoint's event
    (truncated); a head that does not name the last event. Events after the
    last checkpoint are reported as not yet anchored, which is no break."""
    report = Report()
    try:
        report.checkpoints = checkpoints.load_verified()
    except CheckpointInvalid as error:
        report.broken = Break(None, str(error))
        return report
    except ImproperlyConfigured as error:
        report.broken = Break(None, f"the checkpoints cannot be checked: {error}")
        return report
    signed: dict[int, list[Checkpoint]] = {}
    for checkpoint in report.checkpoints:
        signed.setdefault(checkpoint.sequence, []).append(checkpoint)

    expected_prev, expected_sequence = GENESIS_HASH, 1
    anchored = 0  # the last event whose hash a checkpoint confirmed
    while True:
        batch = list(AuditEvent.objects.filter(sequence__gte=expected_sequence).order_by("sequence")[:batch_size])
        if not batch:
            break
        for event in batch:
            if event.sequence != expected_sequence:
                report.broken = Break(expected_sequence, f"missing (the next event found is #{event.sequence})")
                return report
            if event.prev_hash != expected_prev:
                report.broken = Break(event.sequence, "prev_hash does not match the previous event's hash")
                return report
            if compute_hash(event, event.prev_hash) != event.hash:
                report.broken = Break(event.sequence, "hash does not match the event's content (altered)")
                return report
            for checkpoint in signed.get(event.sequence, ()):
                if checkpoint.hash != event.hash:
                    report.broken = Break(
                        event.sequence,
                        f"differs from the hash signed by {checkpoint} on {checkpoint.created_at}: "
                        f"history between events #{anchored + 1} and #{event.sequence} was rewritten and its hashes recomputed",
                        intact=anchored,
                    )
                    return report
                anchored = event.sequence
            expected_prev, expected_sequence = event.hash, event.sequence + 1
            report.last_sequence = event.sequence
            report.checked += 1
        if progress:
            progress(report.checked)

    last = report.last_sequence
    if report.checkpoints and report.anchored_through > last:
        checkpoint = report.checkpoints[-1]
        report.broken = Break(
            last + 1,
            f"missing: {checkpoint} signs the chain through event #{checkpoint.sequence}, "
            f"but the last event is #{last} (the trail was truncated)",
        )
        return report
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.sequence != last or (last and head.hash != expected_prev)):
        report.broken = Break(last + 1, f"missing: the chain's head is at #{head.sequence} but the last event is #{last}")
        return report
    report.warnings = _anchoring_warnings(report, now or timezone.now())
    return report


def _anchoring_warnings(report: Report, now) -> list[str]:
    """Signs that checkpoints are not being written, or that the newest were
    removed: events after the last checkpoint can be removed unnoticed, so a
    long unanchored tail deserves a look. Warnings, not breaks."""
    if not report.unanchored:
        return []
    warnings = []
    if report.unanchored > settings.AUDIT_CHECKPOINT_EVERY:
        warnings.append(
            f"{report.unanchored:,} events since the last checkpoint, more than AUDIT_CHECKPOINT_EVERY "
            f"({settings.AUDIT_CHECKPOINT_EVERY}): checkpoints are not being written, or the newest were removed."
        )
    first_unanchored = AuditEvent.objects.filter(sequence=report.anchored_through + 1).values_list("occurred_at", flat=True).first()
    overdue = timedelta(seconds=2 * settings.AUDIT_CHECKPOINT_INTERVAL_SECONDS)
    if first_unanchored is not None and now - first_unanchored > overdue:
        warnings.append(
            f"the oldest unanchored event (#{report.anchored_through + 1}) is from {first_unanchored:%Y-%m-%d %H:%M} UTC, "
            f"over twice AUDIT_CHECKPOINT_INTERVAL_SECONDS ago: is the hourly checkpoint task running?"
        )
    return warnings


def verify(*, batch_size: int = 2000, progress=None) -> tuple[int, Break | None]:
    """`verify_trail` in short: how many events were checked and the first break (None when the trail holds)."""
    report = verify_trail(batch_size=batch_size, progress=progress)
    return report.checked, report.broken
