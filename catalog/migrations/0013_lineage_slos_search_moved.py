"""Lineage, SLOs and samples, and the search index's state moved to apps of
their own with their tables: dropped from this app's state only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0012_search_without_port_locations"),
        ("lineage", "0001_initial"),
        ("slos", "0001_initial"),
        ("search", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="lineageedge",
                    name="downstream",
                ),
                migrations.RemoveField(
                    model_name="lineageedge",
                    name="upstream",
                ),
                migrations.RemoveField(
                    model_name="lineagenode",
                    name="port",
                ),
                migrations.RemoveField(
                    model_name="lineagerun",
                    name="received_by",
                ),
                migrations.RemoveField(
                    model_name="sample",
                    name="port",
                ),
                migrations.RemoveField(
                    model_name="sample",
                    name="uploaded_by",
                ),
                migrations.DeleteModel(
                    name="SearchIndexState",
                ),
                migrations.RemoveField(
                    model_name="servicelevelobjective",
                    name="port",
                ),
                migrations.RemoveField(
                    model_name="servicelevelobjective",
                    name="product",
                ),
                migrations.RemoveField(
                    model_name="slomeasurement",
                    name="slo",
                ),
                migrations.DeleteModel(
                    name="LineageEdge",
                ),
                migrations.DeleteModel(
                    name="LineageNode",
                ),
                migrations.DeleteModel(
                    name="LineageRun",
                ),
                migrations.DeleteModel(
                    name="Sample",
                ),
                migrations.DeleteModel(
                    name="ServiceLevelObjective",
                ),
                migrations.DeleteModel(
                    name="SLOMeasurement",
                ),
            ],
        ),
    ]
