"""PostgreSQL: a separate tsvector of the product's name with its own GIN
index, so that relevance can rank name matches first without scoring every
product that mentions a word somewhere (catalog/search/postgresql.py)."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE catalog_search_document ADD COLUMN name_vector tsvector NOT NULL DEFAULT ''")
        schema_editor.execute("CREATE INDEX catalog_search_document_name_vector ON catalog_search_document USING gin (name_vector)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE catalog_search_document DROP COLUMN name_vector")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_search_index_state")]

    operations = [migrations.RunPython(create, drop)]
