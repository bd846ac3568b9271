"""The audit trail's remaining side doors closed by triggers: an INSERT that
replaces an event (SQLite's INSERT OR REPLACE, PostgreSQL's ON CONFLICT DO
UPDATE) or does not follow the chain head, any write to the head but moving it
forward by one to the event just appended, and TRUNCATE (PostgreSQL)."""

from django.db import migrations


def create_chain_triggers(apps, schema_editor):
    from audit.trail import CHAIN_TRIGGERS, create_triggers

    create_triggers(schema_editor.connection, names=CHAIN_TRIGGERS)


def drop_chain_triggers(apps, schema_editor):
    from audit.trail import CHAIN_TRIGGERS, drop_triggers

    drop_triggers(schema_editor.connection, names=CHAIN_TRIGGERS)


class Migration(migrations.Migration):
    dependencies = [("access_requests", "0006_notification_claims")]

    operations = [migrations.RunPython(create_chain_triggers, drop_chain_triggers)]
