"""The audit trail's triggers (refuse UPDATE and DELETE), the chain's head
row, and the default policy per classification (access_requests.policies)."""

from django.db import migrations


def create_triggers(apps, schema_editor):
    from audit.trail import TRIGGERS_SQL

    for statement in TRIGGERS_SQL[schema_editor.connection.vendor]:
        schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):
    from audit.trail import DROP_TRIGGERS_SQL

    for statement in DROP_TRIGGERS_SQL[schema_editor.connection.vendor]:
        schema_editor.execute(statement, params=None)


def create_defaults(apps, schema_editor):
    from access_requests.policies import create_default_policies

    apps.get_model("access_requests", "AuditChainHead").objects.get_or_create(pk=1)
    create_default_policies(apps.get_model("access_requests", "Policy"))


class Migration(migrations.Migration):
    dependencies = [("access_requests", "0003_grants_policies_audit")]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
        migrations.RunPython(create_defaults, migrations.RunPython.noop),
    ]
