"""The search index of the database backends (catalog/search/).

SQLite: an FTS5 table (porter stemming, diacritics folded) with one row per
product, rowid = product id, and a trigram FTS5 table of the catalog's words
for typo correction. PostgreSQL: a weighted tsvector per product with a GIN
index, and a words table with a pg_trgm index. Other databases get nothing.
"""

from django.db import migrations

SQLITE = [
    """CREATE VIRTUAL TABLE catalog_search_fts USING fts5(
        name, summary, description, domain, team, tags, ports, fields,
        tokenize = 'porter unicode61 remove_diacritics 2'
    )""",
    "CREATE TABLE catalog_search_term (term TEXT PRIMARY KEY) WITHOUT ROWID",
    "CREATE VIRTUAL TABLE catalog_search_term_trigram USING fts5(term, tokenize = 'trigram')",
]
SQLITE_DROP = [
    "DROP TABLE IF EXISTS catalog_search_term_trigram",
    "DROP TABLE IF EXISTS catalog_search_term",
    "DROP TABLE IF EXISTS catalog_search_fts",
]

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """CREATE TABLE catalog_search_document (
        product_id bigint PRIMARY KEY,  -- no foreign key: flushing the catalog must not need CASCADE
        vector tsvector NOT NULL,
        body text NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX catalog_search_document_vector ON catalog_search_document USING gin (vector)",
    "CREATE TABLE catalog_search_term (term text PRIMARY KEY)",
    "CREATE INDEX catalog_search_term_trigram ON catalog_search_term USING gin (term gin_trgm_ops)",
    "CREATE INDEX catalog_dataproduct_name_trigram ON catalog_dataproduct USING gin (lower(name) gin_trgm_ops)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS catalog_dataproduct_name_trigram",
    "DROP TABLE IF EXISTS catalog_search_term",
    "DROP TABLE IF EXISTS catalog_search_document",
]


def statements_for(vendor: str, *, drop: bool = False) -> list[str]:
    if vendor == "sqlite":
        return SQLITE_DROP if drop else SQLITE
    if vendor == "postgresql":
        return POSTGRES_DROP if drop else POSTGRES
    return []


def create(apps, schema_editor):
    for statement in statements_for(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    for statement in statements_for(schema_editor.connection.vendor, drop=True):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_consumer_count")]

    operations = [migrations.RunPython(create, drop)]
