"""The search index's state, moved here from catalog with its table as it
was: state only (core.moves). The index tables themselves were made by
catalog's migrations 0003-0012 and are kept by search.database."""

from django.db import migrations, models

from core.moves import relabel_content_types


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("catalog", "0012_search_without_port_locations"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SearchIndexState",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("generation", models.BigIntegerField(default=0)),
                    ],
                    options={
                        "verbose_name": "search index state",
                        "db_table": "catalog_searchindexstate",
                    },
                ),
            ],
        ),
        relabel_content_types("catalog", "search", ["searchindexstate"]),
    ]
