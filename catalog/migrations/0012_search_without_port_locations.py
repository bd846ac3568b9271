"""Output port locations leave the search index: the database backends'
documents and words held them, so anyone who searched could find a product
by a location, and read it in a snippet, without being allowed to use the
port. The database's index and its words are emptied (the words table only
ever grows, and its words are shown as corrections), then built again from
the catalog without locations.

The rebuild uses today's indexing code: should a later release have changed
the catalog's tables so that it cannot run at this point of an upgrade, the
index is left empty and `manage.py reindex` fills it after the migrations.
Elasticsearch is not touched here: run `manage.py reindex` when it is
configured (README, "Upgrading")."""

import sys

from django.db import migrations, transaction

BATCH = 1000


def rebuild_without_locations(apps, schema_editor):
    if schema_editor.connection.vendor not in ("sqlite", "postgresql"):
        return
    from search import engines as search
    from search.documents import documents_for

    backend = search.database_backend()
    backend.clear()
    ids = list(apps.get_model("catalog", "DataProduct").objects.order_by("pk").values_list("pk", flat=True))
    if not ids:
        return
    try:
        with transaction.atomic():
            for start in range(0, len(ids), BATCH):
                backend.index(documents_for(ids[start : start + BATCH]))
    except Exception as error:  # noqa: BLE001 - any failure leaves an empty index, never a stale one
        sys.stderr.write(f"\n  The search index could not be rebuilt here ({error}); run `manage.py reindex` after migrating.\n")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0011_product_facets_slo_status")]

    # Not reversed: an older release's next reindex puts the locations back.
    operations = [migrations.RunPython(rebuild_without_locations, migrations.RunPython.noop)]
