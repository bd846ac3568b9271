"""A database made by an earlier release migrates forward with every row kept.

Models move between apps (catalog → lineage, slos, search; access_requests →
audit, notifications) while their tables keep their names, through
SeparateDatabaseAndState migrations. Such a move is easy to get subtly wrong:
a state-only operation that is not, a table renamed or dropped and created
again, a model whose db_table no longer names the old table, content types
left behind in the old app (so guardian's object permissions and the admin's
log entries stop following the model). None of it shows on a fresh test
database, which is built from the latest migrations.

So this test builds the schema of an existing database: it migrates the test
database back to OLD_STATE, the leaf migrations of every app as of main
0380b1a (apps that came later: not migrated at all), fills every table of
catalog and access_requests (and users, groups, permissions, guardian rows,
content types, an admin log entry, a token) through the historical models of
that state, writes a valid audit chain past its triggers, records every row
of every table, migrates forward to the latest migrations, and checks that:

- every table is still there, with every recorded row unchanged (compared by
  the old columns: a forward migration may add columns; the content types'
  app_label may change, as moving a model relabels its content type);
- today's models read those rows (each model whose table existed counts the
  rows recorded), which proves moved models still point at their tables;
- content types keep their ids, and every current model whose table existed
  finds a content type that existed, so what references it follows it.

It runs in both passes (SQLite, PostgreSQL), as a transactional test: the
migrations commit. It leaves the database migrated to the latest state.
"""

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps as current_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.operations import SeparateDatabaseAndState

# The leaf migration of every installed app on main as of 0380b1a: what an
# existing database (the demo on SQLite, a PostgreSQL one) is migrated to.
# Apps with migrations that are not listed here did not exist then.
OLD_STATE = [
    ("access_requests", "0007_audit_chain_triggers"),
    ("admin", "0003_logentry_add_action_flag_choices"),
    ("auth", "0012_alter_user_first_name_max_length"),
    ("authtoken", "0004_alter_tokenproxy_options"),
    ("axes", "0010_accessattemptexpiration"),
    ("catalog", "0012_search_without_port_locations"),
    ("contenttypes", "0002_remove_content_type_name"),
    ("guardian", "0003_remove_groupobjectpermission_guardian_gr_content_ae6aec_idx_and_more"),
    ("sessions", "0001_initial"),
]

FILLED_APPS = ("catalog", "access_requests")

# The search index of the database backends (migration catalog 0003): tables
# that are not models, filled by indexing code, derived from the catalog. A
# forward migration may rebuild them (0012 did), so for them only the table
# must survive, and the documents the products they index (their words may
# change). Table → the column naming the product, None for the words tables.
SEARCH_TABLES = {
    "sqlite": {"catalog_search_fts": "rowid", "catalog_search_term": None, "catalog_search_term_trigram": None},
    "postgresql": {"catalog_search_document": "product_id", "catalog_search_term": None},
}
# Rows whose contents a model move legitimately changes: column → why.
MAY_CHANGE = {"django_content_type": {"app_label": "a moved model's content type is relabelled to its new app"}}
# Tables whose model's count may grow: a model move may add content types and
# permissions (for new models); the rows that were there must stay.
MAY_GROW = {"django_content_type", "auth_permission"}
# The migration recorder's own table changes by design.
NOT_COMPARED = {"django_migrations"}

T0 = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
GENESIS_HASH = "0" * 64


# --- migrating -----------------------------------------------------------------


def old_targets(executor: MigrationExecutor) -> list[tuple[str, str | None]]:
    """OLD_STATE, plus every app with migrations that it does not name at zero."""
    named = {app for app, _ in OLD_STATE}
    later_apps = sorted({app for app, _ in executor.loader.graph.leaf_nodes()} - named)
    return [*OLD_STATE, *[(app, None) for app in later_apps]]


def irreversible_operations(operations) -> list[str]:
    found = []
    for operation in operations:
        if isinstance(operation, SeparateDatabaseAndState):
            # Its state operations are always reversible; what it does to the database may not be.
            found += irreversible_operations(operation.database_operations)
        elif not operation.reversible:  # e.g. RunPython or RunSQL without reverse code
            found.append(operation.describe())
    return found


def migrate_to_old_state() -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    targets = old_targets(executor)
    plan = executor.migration_plan(targets)
    assert all(backwards for _, backwards in plan), f"the database is behind OLD_STATE: {plan}"
    irreversible = {
        f"{migration.app_label}.{migration.name}": found
        for migration, _ in plan
        if (found := irreversible_operations(migration.operations))
    }
    assert not irreversible, (
        f"migrations after the old state must be reversible, so that this test can build the old schema: {irreversible}"
    )
    executor.migrate(targets)
    return executor


def migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


# --- reading every row ---------------------------------------------------------


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def all_tables() -> list[str]:
    """Every table (not view) of the database, without SQLite's internal and
    FTS5 shadow tables (their contents are the index's storage format)."""
    with connection.cursor() as cursor:
        tables = [info.name for info in connection.introspection.get_table_list(cursor) if info.type == "t"]
    shadows = {f"{table}_{suffix}" for table in tables for suffix in ("data", "idx", "content", "docsize", "config")}
    return sorted(t for t in tables if t not in shadows and not t.startswith("sqlite_"))


def primary_key(table: str) -> str | None:
    with connection.cursor() as cursor:
        return connection.introspection.get_primary_key_column(cursor, table)


def read_rows(table: str, columns: list[str] | None = None) -> tuple[list[str], list[tuple]]:
    """The table's rows (only `columns`, by name, when given), ordered by its
    primary key, or by every column when it has none."""
    selected = ", ".join(quote(c) for c in columns) if columns else "*"
    pk = primary_key(table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {selected} FROM {quote(table)} WHERE 1 = 0")
        names = [column[0] for column in cursor.description]
        order = quote(pk) if pk else ", ".join(str(i) for i in range(1, len(names) + 1))
        cursor.execute(f"SELECT {selected} FROM {quote(table)} ORDER BY {order}")
        return names, [tuple(row) for row in cursor.fetchall()]


def indexed_keys(table: str, key: str | None) -> list:
    """The products a search document table indexes; the words of a words table."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {key or 'term'} FROM {quote(table)} ORDER BY 1")
        return [row[0] for row in cursor.fetchall()]


# --- filling the old schema ----------------------------------------------------


def audit_hash(event, prev_hash: str) -> str:
    """access_requests.audit.compute_hash as of the old state, frozen here (the
    triggers check the linkage only; the same hash keeps verify_audit happy)."""
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
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


def content_types_as_of(old_apps) -> None:
    """The content types and default permissions an old database has: one per
    model of the old state (as its post_migrate made them), none for a model
    that only exists later (the flush between tests made them for today's)."""
    ContentType = old_apps.get_model("contenttypes", "ContentType")
    Permission = old_apps.get_model("auth", "Permission")
    models = {(m._meta.app_label, m._meta.model_name): m for m in old_apps.get_models()}
    for content_type in ContentType.objects.all():
        if (content_type.app_label, content_type.model) not in models:
            content_type.delete()  # and its permissions, through the historical models' cascade
    for (app_label, model_name), model in models.items():
        content_type, created = ContentType.objects.get_or_create(app_label=app_label, model=model_name)
        if not created:
            continue
        wanted = [(f"{action}_{model_name}", f"Can {action} {model._meta.verbose_name_raw}") for action in model._meta.default_permissions]
        for codename, name in [*wanted, *model._meta.permissions]:
            Permission.objects.get_or_create(content_type=content_type, codename=codename, defaults={"name": name})


def fill_old_schema(old_apps) -> None:
    """A few rows in every table of catalog and access_requests, written
    through the models of the old state (today's may have moved)."""
    model = old_apps.get_model
    ContentType = model("contenttypes", "ContentType")
    Permission = model("auth", "Permission")
    User, Group = model("auth", "User"), model("auth", "Group")

    content_types_as_of(old_apps)
    product_type = ContentType.objects.get(app_label="catalog", model="dataproduct")
    access = Permission.objects.get(content_type=product_type, codename="access_dataproduct")
    change = Permission.objects.get(content_type=product_type, codename="change_dataproduct")

    users = {
        name: User.objects.create(
            username=name,
            email=f"{name}@example.org",
            password="md5$salt$" + "0" * 32,
            date_joined=T0,
            is_staff=name == "olga",
            is_superuser=name == "olga",
        )
        for name in ("olga", "reto", "stina")
    }
    olga, reto, stina = users["olga"], users["reto"], users["stina"]
    team_group = Group.objects.create(name="team:listener")
    stewards = Group.objects.create(name="stewards")
    olga.groups.add(team_group)
    stina.groups.add(stewards)
    team_group.permissions.add(change)
    stina.user_permissions.add(access)

    # catalog
    Team, TeamMembership = model("catalog", "Team"), model("catalog", "TeamMembership")
    team = Team.objects.create(
        name="Listener", slug="listener", description="Listening data", contact_email="l@example.org", group=team_group
    )
    TeamMembership.objects.create(team=team, user=olga, role="owner")
    TeamMembership.objects.create(team=team, user=reto, role="developer")
    domain = model("catalog", "Domain").objects.create(name="Listener", slug="listener", description="Who listens", owner_team=team)
    tags = [model("catalog", "Tag").objects.create(name=name) for name in ("plays", "daily")]
    DataProduct = model("catalog", "DataProduct")
    products = [
        DataProduct.objects.create(
            domain=domain,
            owner_team=team,
            product_owner=olga,
            slug=slug,
            name=name,
            summary=f"{name}, daily.",
            description="**Markdown**",
            kind=kind,
            status=status,
            classification=classification,
            contains_pii=pii,
            terms_of_use="Internal use",
            documentation_url="https://docs.example.org/x",
            consumer_count=count,
            slo_status=slo_status,
        )
        for slug, name, kind, status, classification, pii, count, slo_status in [
            ("play-events", "Play events", "source-aligned", "published", "confidential", True, 2, "meeting"),
            ("daily-plays", "Daily plays", "aggregate", "draft", "internal", False, 0, "no_data"),
        ]
    ]
    plays, daily = products
    plays.tags.add(*tags)
    daily.tags.add(tags[1])
    model("catalog", "DataProductUserObjectPermission").objects.create(content_object=plays, permission=access, user=reto)
    model("catalog", "DataProductGroupObjectPermission").objects.create(content_object=plays, permission=change, group=team_group)
    OutputPort = model("catalog", "OutputPort")
    ports = [
        OutputPort.objects.create(product=plays, name="events", port_type="table", format="Parquet", location="bigquery://p/d.events"),
        OutputPort.objects.create(product=daily, name="daily", port_type="files", format="Delta", location="s3://bucket/daily"),
    ]
    for position, (name, data_type, pii) in enumerate([("listener_id", "bigint", True), ("played_at", "timestamp", False)]):
        model("catalog", "SchemaField").objects.create(
            port=ports[0],
            position=position,
            name=name,
            data_type=data_type,
            required=True,
            primary_key=position == 0,
            classification="confidential" if pii else "",
            is_pii=pii,
        )
    # One row, pk 1 (search.database; the conftest's clearing of the index may have made it).
    model("catalog", "SearchIndexState").objects.update_or_create(pk=1, defaults={"generation": 7})
    LineageNode = model("catalog", "LineageNode")
    nodes = [
        LineageNode.objects.create(
            namespace="bigquery://p",
            name="d.events",
            port=ports[0],
            observed_schema=[{"name": "listener_id", "type": "bigint"}],
            observed_at=T0,
        ),
        LineageNode.objects.create(namespace="s3://bucket", name="daily", port=ports[1]),
        LineageNode.objects.create(namespace="postgres://crm", name="public.listeners"),
    ]
    LineageEdge = model("catalog", "LineageEdge")
    LineageEdge.objects.create(upstream=nodes[2], downstream=nodes[0], origin="manual", last_seen=T0)
    LineageEdge.objects.create(
        upstream=nodes[0],
        downstream=nodes[1],
        origin="openlineage",
        job_namespace="airflow",
        job_name="daily_plays",
        run_id="run-1",
        column_lineage={"plays": ["listener_id"]},
        last_seen=T0,
    )
    model("catalog", "LineageRun").objects.create(
        run_id="run-1",
        event_type="COMPLETE",
        event_time=T0,
        job_namespace="airflow",
        job_name="daily_plays",
        producer="https://example.org/producer",
        received_by=olga,
        edge_count=1,
    )
    SLO = model("catalog", "ServiceLevelObjective")
    freshness = SLO.objects.create(
        product=plays,
        port=ports[0],
        indicator="freshness",
        operator="lte",
        threshold=6,
        unit="h",
        target=99.5,
        window_days=28,
        status="meeting",
        attainment=100.0,
        budget_remaining=100.0,
        good_count=2,
        total_count=2,
        status_computed_at=T0,
    )
    SLO.objects.create(
        product=daily, indicator="custom", name="duplicate rate", operator="lte", threshold=0.1, unit="%", target=95, window_days=7
    )
    for hours in (1, 2):
        model("catalog", "SLOMeasurement").objects.create(slo=freshness, measured_at=T0 + timedelta(hours=hours), value=hours, good=True)
    model("catalog", "Sample").objects.create(
        port=ports[0],
        columns=["listener_id", "played_at"],
        rows=[[1, "2026-11-01T09:00:00Z"], [2, None]],
        source_name="sample.csv",
        uploaded_by=olga,
    )

    # access_requests (the policies: from the migration or the conftest, plus one if absent)
    model("access_requests", "Policy").objects.get_or_create(
        applies_to="personal-data", defaults={"requires_steward_approval": True, "max_duration_days": 90}
    )
    AccessRequest = model("access_requests", "AccessRequest")
    approved = AccessRequest.objects.create(
        requester=reto,
        product=plays,
        port=ports[0],
        purpose="Churn analysis for Q4",
        access="read-masked",
        duration_days=90,
        status="approved",
        created_at=T0,
        decided_at=T0 + timedelta(hours=3),
    )
    pending = AccessRequest.objects.create(requester=stina, product=plays, purpose="Royalty reporting", created_at=T0)
    ApprovalStep = model("access_requests", "ApprovalStep")
    ApprovalStep.objects.create(
        request=approved, role="owner", status="approved", decided_by=olga, comment="ok", decided_at=T0 + timedelta(hours=1), created_at=T0
    )
    ApprovalStep.objects.create(
        request=approved, role="steward", status="approved", decided_by=stina, decided_at=T0 + timedelta(hours=3), created_at=T0
    )
    ApprovalStep.objects.create(
        request=pending, role="owner", created_at=T0, reminded_at=T0 + timedelta(days=2), escalated_at=T0 + timedelta(days=5)
    )
    model("access_requests", "Grant").objects.create(
        request=approved,
        user=reto,
        product=plays,
        port=ports[0],
        access="read-masked",
        starts_at=T0 + timedelta(hours=3),
        ends_at=T0 + timedelta(days=90),
        revoked_at=T0 + timedelta(days=10),
        revoked_by=olga,
        revoke_reason="project ended",
    )
    Notification = model("access_requests", "Notification")
    Notification.objects.create(
        recipient=olga,
        kind="request.submitted",
        subject="A request awaits you",
        body="Reto asks.",
        url="/access/requests/1/",
        request=pending,
        created_at=T0,
        delivered_at=T0 + timedelta(minutes=1),
        delivery_attempts=1,
    )
    Notification.objects.create(
        recipient=reto,
        kind="slo.breached",
        subject="Play events breached",
        body="Freshness.",
        created_at=T0,
        read_at=T0 + timedelta(hours=1),
        delivery_attempts=2,
        last_error="SMTP 451",
        claimed_until=T0 + timedelta(minutes=5),
        claim_token="c" * 32,
    )
    append_audit_events(
        old_apps,
        [
            (olga, "product.created", "dataproduct", plays.pk, plays, {"status": "published"}),
            (reto, "request.submitted", "accessrequest", approved.pk, plays, {"purpose": "Churn analysis for Q4"}),
            (None, "grant.revoked", "grant", 1, plays, {"reason": "project ended", "é": "ü"}),
        ],
    )

    # what refers to content types, in other apps
    model("guardian", "UserObjectPermission").objects.create(
        content_type=product_type, object_pk=str(daily.pk), permission=access, user=stina
    )
    model("guardian", "GroupObjectPermission").objects.create(
        content_type=product_type, object_pk=str(daily.pk), permission=change, group=stewards
    )
    model("admin", "LogEntry").objects.create(
        action_time=T0,
        user=olga,
        content_type=product_type,
        object_id=str(plays.pk),
        object_repr="Play events",
        action_flag=2,
        change_message='[{"changed": {"fields": ["Summary"]}}]',
    )
    model("authtoken", "Token").objects.create(key="a" * 40, user=reto, created=T0)

    fill_search_index([plays, daily])


def append_audit_events(old_apps, events) -> None:
    """Events appended as access_requests.audit.record appends them, so the
    triggers (migrations 0004, 0007) let them in: each follows the chain head
    (the next sequence, the head's hash), then the head moves forward by one
    to it. A missing head (the flush between tests deletes it) is first
    inserted at the start of the chain, the only insert its trigger allows."""
    AuditEvent = old_apps.get_model("access_requests", "AuditEvent")
    AuditChainHead = old_apps.get_model("access_requests", "AuditChainHead")
    head, _ = AuditChainHead.objects.get_or_create(pk=1, defaults={"sequence": 0, "hash": GENESIS_HASH})
    for number, (actor, action, object_type, object_id, product, payload) in enumerate(events):
        event = AuditEvent(
            sequence=head.sequence + 1,
            occurred_at=T0 + timedelta(minutes=number),
            actor=actor,
            actor_name=actor.username if actor else "",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            product=product,
            payload=payload,
            prev_hash=head.hash,
        )
        event.hash = audit_hash(event, head.hash)
        event.save(force_insert=True)
        AuditChainHead.objects.filter(pk=1).update(sequence=event.sequence, hash=event.hash)
        head.sequence, head.hash = event.sequence, event.hash


def fill_search_index(products) -> None:
    """Rows in the search index tables by hand (the indexing code is today's,
    not the old state's): one document per product, a few words."""
    words = ["plays", "daily", "listener"]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for product in products:
                cursor.execute(
                    "INSERT INTO catalog_search_fts (rowid, name, summary, description, domain, team, tags, ports, fields)"
                    " VALUES (%s, %s, %s, %s, 'Listener', 'Listener', 'plays daily', 'events', 'listener id')",
                    [product.pk, product.name, product.summary, product.description],
                )
            for word in words:
                cursor.execute("INSERT INTO catalog_search_term (term) VALUES (%s)", [word])
                cursor.execute("INSERT INTO catalog_search_term_trigram (term) VALUES (%s)", [word])
        elif connection.vendor == "postgresql":
            for product in products:
                cursor.execute(
                    "INSERT INTO catalog_search_document (product_id, vector, body, name_vector)"
                    " VALUES (%s, to_tsvector('english', %s), %s, to_tsvector('simple', %s))",
                    [product.pk, f"{product.name} {product.summary}", product.summary, product.name],
                )
            for word in words:
                cursor.execute("INSERT INTO catalog_search_term (term) VALUES (%s)", [word])


def empty_search_index() -> None:
    """The search tables are not models: the flush after this test leaves them."""
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        for table in SEARCH_TABLES.get(connection.vendor, {}):
            if table in existing:
                cursor.execute(f"DELETE FROM {quote(table)}")


# --- the test ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_database_of_the_old_schema_migrates_forward_keeping_every_row_and_content_type():
    try:
        executor = migrate_to_old_state()
        old_apps = executor.loader.project_state(OLD_STATE).apps
        fill_old_schema(old_apps)

        old_tables = {m._meta.db_table for m in old_apps.get_models(include_auto_created=True) if m._meta.app_label in FILLED_APPS}
        empty = sorted(t for t in old_tables if not read_rows(t)[1])
        assert not empty, f"the test left tables of the old state empty: {empty}"

        search_tables = SEARCH_TABLES.get(connection.vendor, {})
        tables = [t for t in all_tables() if t not in NOT_COMPARED]
        before = {t: read_rows(t) for t in tables if t not in search_tables}
        search_before = {t: indexed_keys(t, key) for t, key in search_tables.items()}
        assert all(search_before.values()), f"the search index was not filled: {search_before}"
        ContentType = old_apps.get_model("contenttypes", "ContentType")
        old_content_types = dict(ContentType.objects.values_list("id", "model"))

        migrate_to_latest()

        missing = sorted(set(tables) - set(all_tables()))
        assert not missing, f"tables gone after migrating forward: {missing}"

        for table, (columns, rows) in before.items():
            kept = [c for c in columns if c not in MAY_CHANGE.get(table, {})]
            _, rows_after = read_rows(table, kept)
            positions = [columns.index(c) for c in kept]
            expected = [tuple(row[i] for i in positions) for row in rows]
            assert rows_after == expected, f"{table}: rows changed or lost by migrating forward"
        for table, key in search_tables.items():
            if key:
                assert indexed_keys(table, key) == search_before[table], f"{table}: the search index lost products"

        # Today's models read those rows: a moved model still names its table.
        models = [
            m
            for m in current_apps.get_models(include_auto_created=True)
            if m._meta.db_table in before and m._meta.managed and not m._meta.proxy
        ]
        assert {m._meta.db_table for m in models} >= old_tables
        for model in models:
            table = model._meta.db_table
            counted, recorded = model._base_manager.count(), len(before[table][1])
            if table in MAY_GROW:
                assert counted >= recorded, f"{model._meta.label} reads {counted} rows of {table}, {recorded} were there"
            else:
                assert counted == recorded, f"{model._meta.label} reads {counted} rows of {table}, {recorded} were there"

        # Content types keep their ids, and a model whose table existed finds
        # one of them (not a new one, which guardian's rows and the admin's
        # log entries would not reference).
        from django.contrib.contenttypes.models import ContentType as CurrentContentType

        CurrentContentType.objects.clear_cache()
        assert dict(CurrentContentType.objects.filter(pk__in=old_content_types).values_list("id", "model")) == old_content_types
        for model in current_apps.get_models():
            if model._meta.db_table in before and model._meta.db_table not in NOT_COMPARED and not model._meta.proxy:
                content_type = CurrentContentType.objects.get_for_model(model)
                assert content_type.pk in old_content_types, (
                    f"{model._meta.label} has a new content type ({content_type.app_label}.{content_type.model}): "
                    "its old one was not relabelled, so object permissions and log entries no longer reach it"
                )
    finally:
        migrate_to_latest()
        empty_search_index()
