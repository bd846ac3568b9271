"""The search words table (typo correction, expansion of words typed in part)
holds words, not identifiers: a term with underscores (listener_id) is
replaced by its parts, as ProductDocument.words() now indexes them. At
100 000 products this takes the table from 840 000 terms to the ~24 000 words
of the catalog's vocabulary. No reindex needed."""

import re

from django.db import migrations

PART = re.compile(r"[^\W_]+")  # as catalog.search.types.WORD_PART, frozen here
BATCH = 5000


def is_word(part: str) -> bool:
    return 3 <= len(part) <= 40 and not part.isdigit()  # as ProductDocument.words()


def split_identifiers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT term FROM catalog_search_term")
        terms = [row[0] for row in cursor.fetchall()]
        known = {term for term in terms if "_" not in term}
        parts = {part for term in terms if "_" in term for part in PART.findall(term) if is_word(part)}
        new = sorted(parts - known)
        for start in range(0, len(new), BATCH):
            rows = [(word,) for word in new[start : start + BATCH]]
            cursor.executemany("INSERT INTO catalog_search_term (term) VALUES (%s)", rows)
            if vendor == "sqlite":
                cursor.executemany("INSERT INTO catalog_search_term_trigram (term) VALUES (%s)", rows)
        cursor.execute(
            "DELETE FROM catalog_search_term WHERE instr(term, '_') > 0"
            if vendor == "sqlite"
            else "DELETE FROM catalog_search_term WHERE strpos(term, '_') > 0"
        )
        if vendor == "sqlite":
            cursor.execute("DELETE FROM catalog_search_term_trigram WHERE instr(term, '_') > 0")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0006_search_name_rank_indexes")]

    # Not reversed: the identifiers come back with the next reindex of the older code.
    operations = [migrations.RunPython(split_identifiers, migrations.RunPython.noop)]
