"""manage.py reindex: rebuild the search indexes from the database."""

import time

from django.core.management.base import BaseCommand
from tqdm import tqdm

from catalog.models import DataProduct
from search import engines


class Command(BaseCommand):
    help = (
        "Rebuild the search index from the database: the database's own index always, and "
        "Elasticsearch when ELASTICSEARCH_URL is set (into a new index, then an alias swap)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000, help="Products per batch (default 1000).")

    def handle(self, *args, batch_size: int, verbosity: int, **options):
        started = time.monotonic()
        total = DataProduct.objects.count()
        external = engines.external_backend()
        targets = "database" + (" and Elasticsearch" if external else "")
        with tqdm(total=total, unit="product", disable=verbosity == 0, desc=f"Indexing ({targets})") as bar:
            count = engines.rebuild(batch_size=batch_size, progress=bar.update)
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Indexed {count} data products in {time.monotonic() - started:.1f} s."))
