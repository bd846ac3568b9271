"""A covering index of the columns search counts facets on: a broad match's
facets are counted by scanning it (catalog/search/sqlite.py, count_rows)
rather than by reading 100 000 product rows."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("catalog", "0007_search_terms_split_identifiers")]

    operations = [
        migrations.AddIndex(
            model_name="dataproduct",
            index=models.Index(fields=["domain", "owner_team", "status", "kind", "classification"], name="product_facets"),
        ),
    ]
