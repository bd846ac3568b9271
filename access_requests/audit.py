"""The append-only, hash-chained audit trail.

`record` appends an event in the caller's transaction: it locks the chain's
head row, computes the event's hash over its canonical JSON and the previous
event's hash, and moves the head. `verify` walks the chain from the start.
Database triggers (created by a migration, SQL below) refuse UPDATE and
DELETE on the events table in SQLite and PostgreSQL.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from django.db import connection, transaction
from django.utils import timezone

from .models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64
TABLE = AuditEvent._meta.db_table

# One trigger per refused statement, so that the error names it.
TRIGGERS_SQL = {
    "sqlite": [
        f"""CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON {TABLE}
            BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END""",
        f"""CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON {TABLE}
            BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused'); END""",
    ],
    "postgresql": [
        """CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation'; END $$""",
        f"DROP TRIGGER IF EXISTS audit_event_no_update ON {TABLE}",
        f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON {TABLE}
            FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()""",
        f"DROP TRIGGER IF EXISTS audit_event_no_delete ON {TABLE}",
        f"""CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON {TABLE}
            FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()""",
    ],
}
DROP_TRIGGERS_SQL = {
    "sqlite": ["DROP TRIGGER IF EXISTS audit_event_no_update", "DROP TRIGGER IF EXISTS audit_event_no_delete"],
    "postgresql": [
        f"DROP TRIGGER IF EXISTS audit_event_no_update ON {TABLE}",
        f"DROP TRIGGER IF EXISTS audit_event_no_delete ON {TABLE}",
    ],
}


def create_triggers(schema_connection=None) -> None:
    schema_connection = schema_connection or connection
    with schema_connection.cursor() as cursor:
        for statement in TRIGGERS_SQL[schema_connection.vendor]:
            cursor.execute(statement)


def drop_triggers(schema_connection=None) -> None:
    """Only for tests and for an operator repairing by hand: without the
    triggers the table can be rewritten, which `verify` then reports."""
    schema_connection = schema_connection or connection
    with schema_connection.cursor() as cursor:
        for statement in DROP_TRIGGERS_SQL[schema_connection.vendor]:
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


def record(action: str, *, actor=None, obj, product=None, payload: dict | None = None, at=None) -> AuditEvent:
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
    return event


@dataclass
class Break:
    """The first event where the chain does not hold, and why."""

    sequence: int
    reason: str

    def __str__(self) -> str:
        return f"event #{self.sequence}: {self.reason}"


def verify(*, batch_size: int = 2000, progress=None) -> tuple[int, Break | None]:
    """Walk the chain in order. Returns how many events were checked and the
    first break (None when the chain holds). A break is an event whose hash
    does not match its content, whose `prev_hash` is not the previous event's
    hash, or a gap in the sequence (a deleted event); the head row must also
    name the last event (a deleted tail)."""
    expected_prev, expected_sequence, checked = GENESIS_HASH, 1, 0
    last_sequence = 0
    while True:
        batch = list(AuditEvent.objects.filter(sequence__gte=expected_sequence).order_by("sequence")[:batch_size])
        if not batch:
            break
        for event in batch:
            if event.sequence != expected_sequence:
                return checked, Break(expected_sequence, f"missing (the next event found is #{event.sequence})")
            if event.prev_hash != expected_prev:
                return checked, Break(event.sequence, "prev_hash does not match the previous event's hash")
            if compute_hash(event, event.prev_hash) != event.hash:
                return checked, Break(event.sequence, "hash does not match the event's content (altered)")
            expected_prev, expected_sequence = event.hash, event.sequence + 1
            last_sequence = event.sequence
            checked += 1
        if progress:
            progress(checked)
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.sequence != last_sequence or (last_sequence and head.hash != expected_prev)):
        return checked, Break(last_sequence + 1, f"missing: the chain's head is at #{head.sequence} but the last event is #{last_sequence}")
    return checked, None
