"""manage.py export_descriptors DIR: every product's descriptor and its ports'
contracts as files, as an admin sees them."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog import queries as catalog_queries
from contracts import services
from contracts.api import dump_yaml, file_name
from contracts.management.commands.import_descriptors import importer


class Command(BaseCommand):
    help = (
        "Write every product's ODPS descriptor to DIR/<slug>.odps.yaml and each output port's ODCS contract to "
        "DIR/<slug>.<port>.odcs.yaml, as an admin sees them (servers included). Files are overwritten."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", help="Where to write the files (created if missing).")
        parser.add_argument("--as", dest="username", metavar="USERNAME", help="The user the export runs as (default: the first superuser).")

    def handle(self, *args, directory: str, username: str | None, verbosity: int, **options):
        user = importer(username, action="export")
        target = Path(directory)
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CommandError(f"{directory}: {error.strerror or error}") from None
        products = catalog_queries.visible_products(user).order_by("slug").prefetch_related("output_ports")
        written = contracts = 0
        with tqdm(
            products, total=products.count(), unit="product", disable=verbosity == 0, desc="Exporting descriptors", file=self.stderr._out
        ) as bar:
            for product in bar:
                _write(target / file_name(product.slug, "odps", "yaml"), services.export_odps(product, user=user))
                written += 1
                for port in sorted(product.output_ports.all(), key=lambda port: port.name):
                    _write(target / file_name(product.slug, port.name, "odcs", "yaml"), services.export_odcs(port, user=user))
                    contracts += 1
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Wrote {_count(written, 'descriptor')} and {_count(contracts, 'contract')} to {target}."))


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _write(path: Path, document: dict) -> None:
    try:
        path.write_text(dump_yaml(document), encoding="utf-8")
    except OSError as error:
        raise CommandError(f"{path}: {error.strerror or error}") from None
