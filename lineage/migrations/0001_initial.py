"""The lineage graph's models, moved here from catalog with their tables and
rows as they were: state only (core.moves)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.moves import relabel_content_types


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("catalog", "0012_search_without_port_locations"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="LineageNode",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("namespace", models.CharField(max_length=500)),
                        ("name", models.CharField(max_length=1000)),
                        ("observed_schema", models.JSONField(blank=True, default=list)),
                        ("observed_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "port",
                            models.OneToOneField(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="lineage_node",
                                to="catalog.outputport",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "catalog_lineagenode",
                        "ordering": ["namespace", "name"],
                    },
                ),
                migrations.CreateModel(
                    name="LineageEdge",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "origin",
                            models.CharField(
                                choices=[("manual", "Declared by the owners"), ("openlineage", "OpenLineage run event")], max_length=20
                            ),
                        ),
                        ("job_namespace", models.CharField(blank=True, max_length=500)),
                        ("job_name", models.CharField(blank=True, max_length=1000)),
                        ("run_id", models.CharField(blank=True, max_length=64)),
                        ("column_lineage", models.JSONField(blank=True, default=dict)),
                        ("first_seen", models.DateTimeField(auto_now_add=True)),
                        ("last_seen", models.DateTimeField()),
                        (
                            "downstream",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="upstream_edges", to="lineage.lineagenode"
                            ),
                        ),
                        (
                            "upstream",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="downstream_edges", to="lineage.lineagenode"
                            ),
                        ),
                    ],
                    options={
                        "db_table": "catalog_lineageedge",
                        "ordering": ["upstream", "downstream"],
                    },
                ),
                migrations.CreateModel(
                    name="LineageRun",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("run_id", models.CharField(max_length=64)),
                        ("event_type", models.CharField(max_length=20)),
                        ("event_time", models.DateTimeField()),
                        ("job_namespace", models.CharField(max_length=500)),
                        ("job_name", models.CharField(max_length=1000)),
                        ("producer", models.CharField(blank=True, max_length=500)),
                        ("received_at", models.DateTimeField(auto_now_add=True)),
                        ("edge_count", models.PositiveIntegerField(default=0)),
                        (
                            "received_by",
                            models.ForeignKey(
                                null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL
                            ),
                        ),
                    ],
                    options={
                        "db_table": "catalog_lineagerun",
                        "ordering": ["-received_at"],
                    },
                ),
                migrations.AddConstraint(
                    model_name="lineagenode",
                    constraint=models.UniqueConstraint(fields=("namespace", "name"), name="unique_lineage_dataset"),
                ),
                migrations.AddIndex(
                    model_name="lineageedge",
                    index=models.Index(fields=["downstream", "upstream"], name="catalog_lin_downstr_7b8fab_idx"),
                ),
                migrations.AddConstraint(
                    model_name="lineageedge",
                    constraint=models.UniqueConstraint(
                        fields=("upstream", "downstream", "origin", "job_namespace", "job_name"), name="unique_lineage_edge_per_origin"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="lineageedge",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("origin__in", ["manual", "openlineage"])), name="lineage_origin_valid"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="lineagerun",
                    constraint=models.UniqueConstraint(fields=("run_id", "event_type"), name="unique_lineage_run_event"),
                ),
            ],
        ),
        relabel_content_types("catalog", "lineage", ["lineagenode", "lineageedge", "lineagerun"]),
    ]
