"""The service level objectives' and samples' models, moved here from catalog
with their tables and rows as they were: state only (core.moves)."""

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
                    name="Sample",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("columns", models.JSONField(default=list, help_text="Column names, in order.")),
                        ("rows", models.JSONField(default=list, help_text="Rows as lists of values, in column order.")),
                        ("source_name", models.CharField(blank=True, help_text="The uploaded file's name.", max_length=200)),
                        ("uploaded_at", models.DateTimeField(auto_now=True)),
                        (
                            "port",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE, related_name="sample", to="catalog.outputport"
                            ),
                        ),
                        (
                            "uploaded_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "catalog_sample",
                        "ordering": ["port"],
                    },
                ),
                migrations.CreateModel(
                    name="ServiceLevelObjective",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "indicator",
                            models.CharField(
                                choices=[
                                    ("freshness", "Freshness"),
                                    ("availability", "Availability"),
                                    ("completeness", "Completeness"),
                                    ("error_rate", "Error rate"),
                                    ("latency", "Latency"),
                                    ("custom", "Custom"),
                                ],
                                max_length=20,
                            ),
                        ),
                        (
                            "name",
                            models.CharField(
                                blank=True,
                                help_text='Required for a custom indicator, e.g. "duplicate rate"; optional otherwise.',
                                max_length=120,
                            ),
                        ),
                        ("description", models.TextField(blank=True)),
                        (
                            "operator",
                            models.CharField(
                                choices=[("lte", "≤ (at most)"), ("gte", "≥ (at least)")],
                                help_text="Whether a good measurement is at most or at least the threshold.",
                                max_length=3,
                            ),
                        ),
                        ("threshold", models.FloatField(help_text="e.g. 6 for freshness ≤ 6 h.")),
                        (
                            "unit",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("ms", "milliseconds"),
                                    ("s", "seconds"),
                                    ("min", "minutes"),
                                    ("h", "hours"),
                                    ("d", "days"),
                                    ("%", "percent"),
                                    ("count", "count"),
                                    ("", "no unit"),
                                ],
                                max_length=5,
                            ),
                        ),
                        (
                            "target",
                            models.FloatField(
                                help_text="Share of measurements in the window that must be good, e.g. 99.5.",
                                verbose_name="target attainment (%)",
                            ),
                        ),
                        (
                            "window_days",
                            models.PositiveIntegerField(
                                default=28, help_text="Rolling window the target applies to, 1 to 365 days.", verbose_name="window (days)"
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "status",
                            models.CharField(
                                choices=[("meeting", "Meeting"), ("at_risk", "At risk"), ("breached", "Breached"), ("no_data", "No data")],
                                default="no_data",
                                editable=False,
                                max_length=20,
                            ),
                        ),
                        (
                            "attainment",
                            models.FloatField(blank=True, editable=False, help_text="Good measurements in the window, in %.", null=True),
                        ),
                        (
                            "budget_remaining",
                            models.FloatField(blank=True, editable=False, help_text="Error budget left, in % of the budget.", null=True),
                        ),
                        ("good_count", models.PositiveIntegerField(default=0, editable=False)),
                        ("total_count", models.PositiveIntegerField(default=0, editable=False)),
                        ("status_computed_at", models.DateTimeField(blank=True, editable=False, null=True)),
                        (
                            "port",
                            models.ForeignKey(
                                blank=True,
                                help_text="Leave empty for an objective about the whole product.",
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="slos",
                                to="catalog.outputport",
                            ),
                        ),
                        (
                            "product",
                            models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="slos", to="catalog.dataproduct"),
                        ),
                    ],
                    options={
                        "verbose_name": "service level objective",
                        "db_table": "catalog_servicelevelobjective",
                        "ordering": ["product", "indicator", "name", "id"],
                    },
                ),
                migrations.CreateModel(
                    name="SLOMeasurement",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("measured_at", models.DateTimeField()),
                        ("value", models.FloatField(help_text="In the SLO's unit.")),
                        ("good", models.BooleanField()),
                        ("received_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "slo",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="measurements", to="slos.servicelevelobjective"
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "SLO measurement",
                        "db_table": "catalog_slomeasurement",
                        "ordering": ["slo", "-measured_at"],
                    },
                ),
                migrations.AddConstraint(
                    model_name="servicelevelobjective",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("indicator__in", ["freshness", "availability", "completeness", "error_rate", "latency", "custom"])
                        ),
                        name="slo_indicator_valid",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="servicelevelobjective",
                    constraint=models.CheckConstraint(condition=models.Q(("operator__in", ["lte", "gte"])), name="slo_operator_valid"),
                ),
                migrations.AddConstraint(
                    model_name="servicelevelobjective",
                    constraint=models.CheckConstraint(condition=models.Q(("target__gt", 0), ("target__lte", 100)), name="slo_target_valid"),
                ),
                migrations.AddConstraint(
                    model_name="servicelevelobjective",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("window_days__gte", 1), ("window_days__lte", 365)), name="slo_window_valid"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="slomeasurement",
                    constraint=models.UniqueConstraint(fields=("slo", "measured_at"), name="unique_slo_measurement_time"),
                ),
            ],
        ),
        relabel_content_types("catalog", "slos", ["servicelevelobjective", "slomeasurement", "sample"]),
    ]
