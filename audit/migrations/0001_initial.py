"""The audit trail's models, moved here from access_requests with their
tables, rows and triggers as they were: state only (core.moves)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.moves import relabel_content_types


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("access_requests", "0007_audit_chain_triggers"),
        ("catalog", "0012_search_without_port_locations"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditChainHead",
                    fields=[
                        ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                        ("sequence", models.PositiveBigIntegerField(default=0)),
                        (
                            "hash",
                            models.CharField(default="0000000000000000000000000000000000000000000000000000000000000000", max_length=64),
                        ),
                    ],
                    options={
                        "db_table": "access_requests_auditchainhead",
                        "constraints": [models.CheckConstraint(condition=models.Q(("id", 1)), name="audit_chain_single_head")],
                    },
                ),
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("sequence", models.PositiveBigIntegerField(unique=True)),
                        ("occurred_at", models.DateTimeField()),
                        (
                            "actor_name",
                            models.CharField(
                                blank=True, help_text="The actor's username when the event happened; empty for the system.", max_length=150
                            ),
                        ),
                        ("action", models.CharField(max_length=50)),
                        ("object_type", models.CharField(max_length=50)),
                        ("object_id", models.CharField(max_length=50)),
                        ("payload", models.JSONField(default=dict)),
                        ("prev_hash", models.CharField(max_length=64)),
                        ("hash", models.CharField(max_length=64, unique=True)),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "product",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="catalog.dataproduct",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "access_requests_auditevent",
                        "ordering": ["-sequence"],
                        "indexes": [
                            models.Index(fields=["product", "-sequence"], name="access_requ_product_3d8e28_idx"),
                            models.Index(fields=["action", "-sequence"], name="access_requ_action_5b49ab_idx"),
                            models.Index(fields=["occurred_at"], name="access_requ_occurre_ec960d_idx"),
                        ],
                    },
                ),
            ],
        ),
        relabel_content_types("access_requests", "audit", ["auditevent", "auditchainhead"]),
    ]
