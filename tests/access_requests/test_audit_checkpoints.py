"""The audit trail against someone who may write the database but does not
hold the signing key: signed checkpoints kept outside the database, and
triggers that refuse replacing inserts, head rewrites and TRUNCATE.

Each tampering scenario runs on SQLite and (with --postgres) on PostgreSQL.
`tamper` drops the triggers first, as such a person would."""

import base64
import json
import os
import stat
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from access_requests import services
from audit import checkpoints as audit_checkpoints
from audit import tasks as audit_tasks
from audit import trail
from audit.models import AuditChainHead, AuditEvent
from tests.factories import Mesh, UserFactory, submit

pytestmark = pytest.mark.django_db

EVENTS = AuditEvent._meta.db_table
HEAD = AuditChainHead._meta.db_table
REFUSED = IntegrityError  # SQLite RAISE(ABORT); PostgreSQL restrict_violation


def append(count: int) -> list[AuditEvent]:
    user = UserFactory()
    events = []
    for number in range(count):
        with transaction.atomic():
            events.append(trail.record("test.note", actor=user, obj=user, payload={"note": number}))
    return events


def execute(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def tamper(*statements: tuple[str, list]) -> None:
    """Write behind the application's back, as someone with database access
    would: drop every trigger, write, put the triggers back."""
    trail.drop_triggers()
    try:
        for sql, params in statements:
            execute(sql, params)
    finally:
        trail.create_triggers()


def recomputed_from(sequence: int, change) -> list[tuple[str, list]]:
    """The statements that rewrite every event from `sequence` on with
    `change(event)` applied and every hash recomputed, and move the head:
    a chain that is internally perfect."""
    statements = []
    prev_hash = AuditEvent.objects.get(sequence=sequence - 1).hash if sequence > 1 else trail.GENESIS_HASH
    for event in AuditEvent.objects.filter(sequence__gte=sequence).order_by("sequence"):
        change(event)
        event.prev_hash = prev_hash
        event.hash = trail.compute_hash(event, prev_hash)
        statements.append(
            (
                f"UPDATE {EVENTS} SET actor_name = %s, payload = %s, prev_hash = %s, hash = %s WHERE sequence = %s",
                [event.actor_name, json.dumps(event.payload), event.prev_hash, event.hash, event.sequence],
            )
        )
        prev_hash = event.hash
    statements.append((f"UPDATE {HEAD} SET hash = %s WHERE id = 1", [prev_hash]))
    return statements


def verify_fails() -> str:
    with pytest.raises(CommandError) as error:
        call_command("verify_audit", stdout=StringIO())
    return str(error.value)


def verify_output() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


@pytest.fixture
def anchored_trail():
    """Twelve events, a checkpoint after the tenth: events 1–10 anchored, 11–12 not yet."""
    events = append(10)
    checkpoint = audit_checkpoints.write_checkpoint()
    assert checkpoint.sequence == 10
    return events + append(2)


# --- what verify_audit reports -------------------------------------------------


def test_intact_trail_with_checkpoints_verifies_and_counts_unanchored_events(anchored_trail):
    output = verify_output()
    assert "Audit trail intact: 12 events verified" in output
    key = audit_checkpoints.key_id(audit_checkpoints.verify_key())
    assert f"Checkpoints: 1 signed, in order, checked with the key {key}; the last, checkpoint #1" in output
    assert "Not yet anchored: 2 events (#11–#12)" in output
    assert "Warning" not in output


def test_events_after_the_last_checkpoint_are_not_a_failure():
    append(3)
    report = trail.verify_trail()
    assert (report.broken, report.unanchored, report.checked) == (None, 3, 3)
    assert "Not yet anchored: 3 events (#1–#3)" in verify_output()


def test_a_long_unanchored_tail_is_warned_about(settings):
    settings.AUDIT_CHECKPOINT_EVERY = 2
    append(3)
    assert "Warning: 3 events since the last checkpoint, more than AUDIT_CHECKPOINT_EVERY (2)" in verify_output()


def test_edited_event_before_a_checkpoint_is_found(anchored_trail):
    tamper((f"UPDATE {EVENTS} SET payload = %s WHERE sequence = 4", ['{"note": "something else"}']))
    assert "event #4: hash does not match the event's content (altered)" in verify_fails()


def test_deleted_middle_event_is_found(anchored_trail):
    tamper((f"DELETE FROM {EVENTS} WHERE sequence = 6", []))
    assert "event #6: missing (the next event found is #7)" in verify_fails()


def test_deleted_tail_with_the_head_moved_back_is_found_through_the_checkpoint(anchored_trail):
    eight = AuditEvent.objects.get(sequence=8)
    tamper(
        (f"DELETE FROM {EVENTS} WHERE sequence > 8", []),
        (f"UPDATE {HEAD} SET sequence = 8, hash = %s WHERE id = 1", [eight.hash]),
    )
    assert trail.verify_trail().broken.sequence == 9
    message = verify_fails()
    assert "event #9: missing: checkpoint #1" in message
    assert "signs the chain through event #10, but the last event is #8 (the trail was truncated)" in message


def test_whole_chain_recomputed_from_event_5_is_found_through_the_checkpoint(anchored_trail):
    def rewrite(event):
        event.actor_name = "mallory"
        event.payload = {"note": "rewritten"}

    tamper(*recomputed_from(5, rewrite))
    message = verify_fails()
    assert "event #10: differs from the hash signed by checkpoint #1" in message
    assert "history between events #1 and #10 was rewritten and its hashes recomputed (0 events before it are intact)" in message


def test_recomputed_chain_without_any_checkpoint_is_the_limit_of_the_hash_chain():
    """Without a checkpoint the hash chain alone cannot tell: this is why checkpoints exist."""
    append(6)
    tamper(*recomputed_from(2, lambda event: setattr(event, "actor_name", "mallory")))
    assert trail.verify_trail().broken is None


def test_replacing_insert_is_refused_by_the_database(anchored_trail):
    with pytest.raises(REFUSED) as error, transaction.atomic():
        execute(*replace_event_sql(anchored_trail[4], actor_name="mallory"))
    assert "append-only" in str(error.value)
    assert AuditEvent.objects.get(sequence=5).actor_name != "mallory"


def test_replacing_insert_without_triggers_is_found(anchored_trail):
    tamper(replace_event_sql(anchored_trail[4], actor_name="mallory"))
    assert AuditEvent.objects.get(sequence=5).actor_name == "mallory"
    assert "event #5: hash does not match the event's content (altered)" in verify_fails()


def test_replacing_insert_with_recomputed_hashes_without_triggers_is_found(anchored_trail):
    tamper(*recomputed_from(5, lambda event: setattr(event, "actor_name", "mallory")))
    assert "event #10: differs from the hash signed by checkpoint #1" in verify_fails()


def replace_event_sql(event: AuditEvent, **changes) -> tuple[str, list]:
    """INSERT OR REPLACE (SQLite) or INSERT … ON CONFLICT DO UPDATE
    (PostgreSQL) of `event` with `changes`, keeping its sequence and hash."""
    values = {
        "id": event.id,
        "sequence": event.sequence,
        "occurred_at": event.occurred_at,
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "product_id": event.product_id,
        "payload": json.dumps(event.payload),
        "prev_hash": event.prev_hash,
        "hash": event.hash,
        **changes,
    }
    columns = ", ".join(values)
    placeholders = ", ".join(["%s"] * len(values))
    if connection.vendor == "sqlite":
        return f"INSERT OR REPLACE INTO {EVENTS} ({columns}) VALUES ({placeholders})", list(values.values())
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in values if column != "id")
    return f"INSERT INTO {EVENTS} ({columns}) VALUES ({placeholders}) ON CONFLICT (id) DO UPDATE SET {updates}", list(values.values())


# --- the checkpoints themselves ------------------------------------------------


@pytest.fixture
def three_checkpoints():
    for _ in range(3):
        append(4)
        audit_checkpoints.write_checkpoint()
    return sorted(os.listdir(django_settings.STORAGES["audit_checkpoints"]["OPTIONS"]["location"]))


def checkpoint_path(name: str) -> str:
    return os.path.join(django_settings.STORAGES["audit_checkpoints"]["OPTIONS"]["location"], name)


def test_checkpoints_chain_by_signature(three_checkpoints):
    checkpoints = audit_checkpoints.load_verified()
    assert [(c.number, c.sequence) for c in checkpoints] == [(1, 4), (2, 8), (3, 12)]
    assert checkpoints[0].previous_signature == ""
    assert checkpoints[1].previous_signature == checkpoints[0].signature
    assert checkpoints[2].hash == AuditEvent.objects.get(sequence=12).hash
    assert three_checkpoints == ["audit-checkpoint-00000001.json", "audit-checkpoint-00000002.json", "audit-checkpoint-00000003.json"]


def test_rewrite_found_at_a_later_checkpoint_keeps_what_earlier_ones_anchored(three_checkpoints):
    tamper(*recomputed_from(10, lambda event: setattr(event, "actor_name", "mallory")))
    message = verify_fails()
    assert "event #12: differs from the hash signed by checkpoint #3" in message
    assert "history between events #9 and #12 was rewritten and its hashes recomputed (8 events before it are intact)" in message


def test_deleted_checkpoint_file_is_found(three_checkpoints):
    os.remove(checkpoint_path(three_checkpoints[1]))
    assert "checkpoint #2 missing from storage (the next one found is #3)" in verify_fails()


def test_deleted_first_checkpoint_file_is_found(three_checkpoints):
    os.remove(checkpoint_path(three_checkpoints[0]))
    assert "checkpoint #1 missing from storage" in verify_fails()


def test_edited_checkpoint_file_is_found(three_checkpoints):
    path = checkpoint_path(three_checkpoints[1])
    document = json.loads(open(path).read())
    document["digest"]["sequence"] = 6  # as if the trail had ended earlier
    open(path, "w").write(json.dumps(document))
    message = verify_fails()
    assert "checkpoint #2 (audit-checkpoint-00000002.json): the signature does not verify" in message


def test_garbled_checkpoint_file_is_found(three_checkpoints):
    open(checkpoint_path(three_checkpoints[2]), "w").write("{ not json")
    assert "audit-checkpoint-00000003.json: unreadable" in verify_fails()


def test_checkpoint_forged_with_another_key_is_found(three_checkpoints):
    """Someone rewrites the chain and signs a matching checkpoint, with a key of their own."""
    tamper(*recomputed_from(10, lambda event: setattr(event, "actor_name", "mallory")))
    os.remove(checkpoint_path(three_checkpoints[2]))
    forged = sign_checkpoint(3, previous=audit_checkpoints.read(three_checkpoints[1]), key=audit_checkpoints.Ed25519PrivateKey.generate())
    open(checkpoint_path(three_checkpoints[2]), "w").write(forged)
    assert "checkpoint #3 (audit-checkpoint-00000003.json): the signature does not verify" in verify_fails()


def test_checkpoint_not_naming_its_predecessor_is_found(three_checkpoints):
    """A well-signed checkpoint spliced into another chain (say, one written
    against a copy of the database) does not name its predecessor's signature."""
    os.remove(checkpoint_path(three_checkpoints[2]))
    spliced = sign_checkpoint(3, previous=None, key=audit_checkpoints.signing_key())
    open(checkpoint_path(three_checkpoints[2]), "w").write(spliced)
    assert "checkpoint #3 (audit-checkpoint-00000003.json): does not name the signature of the checkpoint before it" in verify_fails()


def sign_checkpoint(number: int, *, previous, key) -> str:
    head = AuditChainHead.objects.get()
    digest = {
        "format": audit_checkpoints.FORMAT,
        "number": number,
        "sequence": head.sequence,
        "hash": head.hash,
        "created_at": "2026-12-07T12:00:00+00:00",
        "previous_signature": previous.signature if previous else "",
        "key_id": audit_checkpoints.key_id(key.public_key()),
    }
    signed = json.dumps(digest, sort_keys=True, separators=(",", ":")).encode()
    return json.dumps({"digest": digest, "signature": base64.b64encode(key.sign(signed)).decode()})


def test_checkpoint_is_not_written_when_nothing_is_new(three_checkpoints):
    assert audit_checkpoints.write_checkpoint() is None
    assert len(os.listdir(checkpoint_path(""))) == 3


def test_checkpoint_refuses_to_sign_a_head_behind_the_last_checkpoint(three_checkpoints, caplog):
    four = AuditEvent.objects.get(sequence=4)
    tamper((f"DELETE FROM {EVENTS} WHERE sequence > 4", []), (f"UPDATE {HEAD} SET sequence = 4, hash = %s WHERE id = 1", [four.hash]))
    assert audit_checkpoints.write_checkpoint() is None
    assert "behind checkpoint #3" in caplog.text


def test_hourly_task_writes_a_checkpoint_when_events_came():
    append(2)
    assert audit_tasks.checkpoint_audit_trail() == 1
    assert audit_tasks.checkpoint_audit_trail() is None
    assert django_settings.CELERY_BEAT_SCHEDULE["checkpoint-audit-trail"]["task"] == "audit.tasks.checkpoint_audit_trail"


def test_checkpoint_audit_command_signs_the_head():
    append(3)
    out = StringIO()
    call_command("checkpoint_audit", stdout=out)
    assert "Wrote checkpoint #1 (audit-checkpoint-00000001.json): signs the chain through event #3" in out.getvalue()
    call_command("checkpoint_audit", stdout=out)
    assert "No checkpoint written: nothing new to sign" in out.getvalue()


def test_verify_key_alone_checks_checkpoints(three_checkpoints, settings, audit_signing_key):
    """The verifier needs the public key only."""
    settings.AUDIT_SIGNING_KEY_FILE = ""
    settings.AUDIT_VERIFY_KEY = audit_signing_key.with_suffix(".pub").read_text()
    settings.AUDIT_VERIFY_KEY_FILE = ""
    assert trail.verify_trail().broken is None


# --- every N events, after commit ----------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_checkpoint_is_written_after_the_commit_that_reaches_every_nth_event(settings, audit_checkpoint_dir):
    settings.AUDIT_CHECKPOINT_EVERY = 3
    mesh = Mesh()
    request = submit(mesh)  # event 1
    assert not audit_checkpoint_dir.exists()
    with transaction.atomic():
        services.approve_step(request.steps.get(), by=mesh.owner)  # events 2–4: step, request, grant
        assert not audit_checkpoint_dir.exists(), "never inside the transaction"
    checkpoints = audit_checkpoints.load_verified()
    assert [checkpoint.sequence for checkpoint in checkpoints] == [4]
    assert checkpoints[0].hash == AuditEvent.objects.get(sequence=4).hash


@pytest.mark.django_db(transaction=True)
def test_a_failing_checkpoint_write_does_not_fail_the_request(settings, tmp_path, caplog, client):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the checkpoint directory should be")
    settings.AUDIT_CHECKPOINT_EVERY = 1
    settings.STORAGES = {
        **settings.STORAGES,
        "audit_checkpoints": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": blocker / "checkpoints"}},
    }
    mesh = Mesh()
    client.force_login(mesh.requester)
    response = client.post(
        "/api/v1/access-requests/",
        {"product": mesh.product.slug, "purpose": "Weekly churn analysis for the board.", "duration_days": 30},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert AuditEvent.objects.filter(action="request.submitted").count() == 1
    assert "Audit checkpoint not written; the next one will cover these events." in caplog.text


# --- keys ----------------------------------------------------------------------


def test_create_audit_key_writes_a_private_key_only_its_owner_reads(tmp_path):
    out = StringIO()
    call_command("create_audit_key", "--out", str(tmp_path / "keys" / "audit.pem"), stdout=out)
    assert stat.S_IMODE(os.stat(tmp_path / "keys" / "audit.pem").st_mode) == 0o600
    assert (tmp_path / "keys" / "audit.pub").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    assert "Audit signing key created" in out.getvalue()
    private_before = (tmp_path / "keys" / "audit.pem").read_bytes()
    call_command("create_audit_key", "--out", str(tmp_path / "keys" / "audit.pem"), stdout=out)
    assert "Audit signing key kept" in out.getvalue()
    assert (tmp_path / "keys" / "audit.pem").read_bytes() == private_before


def test_create_audit_key_needs_a_path_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--out"):
        call_command("create_audit_key", stdout=StringIO())


def start_settings(**environment) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AUDIT_")}
    env.update(DEBUG="false", SECRET_KEY="a-production-secret-key-" + "x" * 40, ALLOWED_HOSTS="market.example", **environment)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; print(settings.AUDIT_SIGNING_KEY_FILE)"],
        env={**env, "DJANGO_SETTINGS_MODULE": "marketplace.settings"},
        capture_output=True,
        text=True,
        cwd=django_settings.BASE_DIR,
    )


def test_production_start_is_refused_without_a_signing_key():
    result = start_settings()
    assert result.returncode != 0
    assert "ImproperlyConfigured: Set AUDIT_SIGNING_KEY" in result.stderr


def test_production_start_with_a_signing_key_file(audit_signing_key):
    result = start_settings(AUDIT_SIGNING_KEY_FILE=str(audit_signing_key))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(audit_signing_key)


def test_production_start_is_refused_with_a_key_that_is_not_ed25519(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    result = start_settings(AUDIT_SIGNING_KEY=pem.decode())
    assert "ImproperlyConfigured: AUDIT_SIGNING_KEY must be an Ed25519 key" in result.stderr


def test_verify_audit_names_a_missing_verify_key(three_checkpoints, settings, tmp_path):
    settings.AUDIT_VERIFY_KEY_FILE = str(tmp_path / "nowhere.pub")
    message = verify_fails()
    assert "the checkpoints cannot be checked: AUDIT_VERIFY_KEY_FILE: cannot read" in message


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_checkpoint_chain(settings):
    """Twelve submissions at once, each committing a multiple of
    AUDIT_CHECKPOINT_EVERY=1: their checkpoint writers race for the same
    numbers. The losers step back; the checkpoints still form one chain."""
    from tests.access_requests.test_concurrency import at_once

    settings.AUDIT_CHECKPOINT_EVERY = 1
    mesh = Mesh(classification="confidential")
    consumers = [UserFactory() for _ in range(12)]

    results = at_once(*[lambda consumer=consumer: submit(mesh, by=consumer) for consumer in consumers])

    assert not [result for result in results if isinstance(result, Exception)]
    report = trail.verify_trail()
    assert report.broken is None
    assert report.checkpoints, "at least one writer won"
    assert sorted(os.listdir(checkpoint_path(""))) == [audit_checkpoints.file_name(n) for n in range(1, len(report.checkpoints) + 1)]
