"""The audit trail: one event per transition in the same transaction, a hash
chain that `verify_audit` walks, and triggers that refuse UPDATE and DELETE."""

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from access_requests import services
from access_requests.models import AccessRequest
from audit import trail as audit
from audit.models import AuditEvent
from catalog import services as catalog_services
from tests.factories import Mesh, submit

pytestmark = pytest.mark.django_db

REFUSED = IntegrityError  # SQLite RAISE(ABORT); PostgreSQL restrict_violation


def test_every_transition_appends_a_chained_event():
    mesh = Mesh(classification="confidential")
    request = submit(mesh)
    services.approve_step(request.steps.get(role="owner"), by=mesh.owner, comment="ok")
    services.approve_step(request.steps.get(role="steward"), by=mesh.steward)
    services.revoke_grant(AccessRequest.objects.get(pk=request.pk).grant, by=mesh.owner, reason="Project over")
    events = list(AuditEvent.objects.order_by("sequence"))
    assert [event.action for event in events] == [
        "request.submitted",
        "step.approved",
        "step.approved",
        "request.approved",
        "grant.created",
        "grant.revoked",
    ]
    assert [event.sequence for event in events] == list(range(1, 7))
    assert events[0].prev_hash == audit.GENESIS_HASH
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(events, events[1:]))
    assert events[1].actor_name == mesh.owner.username
    assert events[1].payload["comment"] == "ok"
    assert audit.verify() == (6, None)


def test_refused_transition_writes_no_event():
    mesh = Mesh()
    request = submit(mesh)
    with pytest.raises(services.NotAllowed):
        services.approve_step(request.steps.get(), by=mesh.requester)
    assert AuditEvent.objects.count() == 1


def test_event_rolls_back_with_its_change():
    mesh = Mesh()
    with pytest.raises(RuntimeError), transaction.atomic():
        submit(mesh)
        raise RuntimeError("the change fails after the event was written")
    assert AuditEvent.objects.count() == 0
    assert audit.verify() == (0, None)


def test_update_of_an_event_is_refused_by_the_database():
    submit(Mesh())
    with pytest.raises(REFUSED) as error, transaction.atomic():
        AuditEvent.objects.update(action="request.approved")
    assert "append-only" in str(error.value)


def test_delete_of_an_event_is_refused_by_the_database():
    submit(Mesh())
    with pytest.raises(REFUSED) as error, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table}")
    assert "append-only" in str(error.value)
    assert AuditEvent.objects.count() == 1


def tamper(sql: str, params=()) -> None:
    """Change the table behind the application's back: drop the triggers,
    write, put the triggers back."""
    audit.drop_triggers()
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    finally:
        audit.create_triggers()


@pytest.fixture
def trail():
    mesh = Mesh(classification="confidential")
    request = submit(mesh)
    services.approve_step(request.steps.get(role="owner"), by=mesh.owner)
    services.reject_step(request.steps.get(role="steward"), by=mesh.steward, comment="Too broad")
    return list(AuditEvent.objects.order_by("sequence"))


def test_verify_audit_passes_on_an_intact_trail(trail, capsys):
    call_command("verify_audit")
    assert f"Audit trail intact: {len(trail)} events verified" in capsys.readouterr().out


def test_verify_audit_names_an_altered_event(trail):
    table = AuditEvent._meta.db_table
    tamper(f"UPDATE {table} SET payload = %s WHERE sequence = 2", ['{"role": "owner", "comment": "approved by someone else"}'])
    with pytest.raises(CommandError) as error:
        call_command("verify_audit")
    assert "event #2" in str(error.value)
    assert "altered" in str(error.value)


def test_verify_audit_finds_a_rehashed_event_by_its_successor(trail):
    """Recomputing the altered event's own hash is not enough: the next event names the old one."""
    table = AuditEvent._meta.db_table
    altered = AuditEvent.objects.get(sequence=2)
    altered.actor_name = "mallory"
    tamper(f"UPDATE {table} SET actor_name = %s, hash = %s WHERE sequence = 2", ["mallory", audit.compute_hash(altered, altered.prev_hash)])
    with pytest.raises(CommandError) as error:
        call_command("verify_audit")
    assert "event #3" in str(error.value)


def test_verify_audit_finds_a_deleted_event(trail):
    tamper(f"DELETE FROM {AuditEvent._meta.db_table} WHERE sequence = 2")
    with pytest.raises(CommandError) as error:
        call_command("verify_audit")
    assert "event #2: missing" in str(error.value)


def test_verify_audit_finds_a_deleted_last_event(trail):
    tamper(f"DELETE FROM {AuditEvent._meta.db_table} WHERE sequence = %s", [len(trail)])
    with pytest.raises(CommandError) as error:
        call_command("verify_audit")
    assert f"event #{len(trail)}: missing" in str(error.value)


def test_governance_changes_of_a_product_are_audited():

    mesh = Mesh()
    catalog_services.update_product(mesh.product, by=mesh.admin, owner_team=mesh.other_team, classification="restricted")
    catalog_services.change_status(mesh.product, by=mesh.admin, status="deprecated")
    events = {event.action: event.payload for event in AuditEvent.objects.filter(product=mesh.product)}
    assert events["product.owner_changed"] == {"owner_team": {"from": mesh.team.slug, "to": mesh.other_team.slug}}
    assert events["product.classification_changed"] == {"classification": {"from": "internal", "to": "restricted"}}
    assert events["product.status_changed"] == {"status": {"from": "published", "to": "deprecated"}}
    assert audit.verify() == (3, None)


# --- the chain head and replacing inserts: refused by triggers on both engines --

HEAD_TABLE = audit.HEAD_TABLE


def execute(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_moving_the_chain_head_back_is_refused_by_the_database(trail):
    with pytest.raises(REFUSED) as error, transaction.atomic():
        execute(f"UPDATE {HEAD_TABLE} SET sequence = 2, hash = %s WHERE id = 1", [trail[1].hash])
    assert "may only move forward by one" in str(error.value)


def test_moving_the_chain_head_past_the_last_event_is_refused_by_the_database(trail):
    with pytest.raises(REFUSED), transaction.atomic():
        execute(f"UPDATE {HEAD_TABLE} SET sequence = sequence + 1 WHERE id = 1")


def test_pointing_the_chain_head_at_another_hash_is_refused_by_the_database(trail):
    with pytest.raises(REFUSED), transaction.atomic():
        execute(f"UPDATE {HEAD_TABLE} SET hash = %s WHERE id = 1", ["f" * 64])


def test_deleting_the_chain_head_is_refused_by_the_database(trail):
    with pytest.raises(REFUSED) as error, transaction.atomic():
        execute(f"DELETE FROM {HEAD_TABLE}")
    assert "append-only" in str(error.value)


def test_replacing_the_chain_head_is_refused_by_the_database(trail):
    if connection.vendor == "sqlite":
        sql = f"INSERT OR REPLACE INTO {HEAD_TABLE} (id, sequence, hash) VALUES (1, 0, %s)"
    else:
        sql = f"INSERT INTO {HEAD_TABLE} (id, sequence, hash) VALUES (1, 0, %s) ON CONFLICT (id) DO UPDATE SET sequence = 0, hash = EXCLUDED.hash"
    with pytest.raises(REFUSED) as error, transaction.atomic():
        execute(sql, [audit.GENESIS_HASH])
    assert "append-only" in str(error.value)
    assert audit.verify() == (len(trail), None)


def test_an_event_that_does_not_follow_the_head_is_refused_by_the_database(trail):
    last = trail[-1]
    with pytest.raises(REFUSED) as error, transaction.atomic():
        execute(
            f"INSERT INTO {AuditEvent._meta.db_table} (sequence, occurred_at, actor_name, action, object_type, object_id, payload, prev_hash, hash) "
            "VALUES (%s, %s, '', 'request.approved', 'accessrequest', '1', '{}', %s, %s)",
            [last.sequence + 5, last.occurred_at, last.hash, "e" * 64],
        )
    assert "must follow the chain head" in str(error.value)


@pytest.mark.postgres
@pytest.mark.parametrize("table", [AuditEvent._meta.db_table, HEAD_TABLE])
def test_truncate_is_refused_by_the_database(trail, table):
    with pytest.raises(REFUSED) as error, transaction.atomic():
        execute(f"TRUNCATE {table} CASCADE")
    assert "TRUNCATE refused" in str(error.value)
    assert audit.verify() == (len(trail), None)
