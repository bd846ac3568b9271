"""Time `manage.py generate_catalog` on a fresh database.

    .venv/bin/python bench/generate_catalog.py --products 100000

Without DATABASE_URL it migrates a new SQLite file in a temporary directory
and removes it afterwards (--keep to keep it, e.g. to try search on it). With
DATABASE_URL it uses that database as it is: point it at a scratch database,
not one you care about. See bench/README.md for the figures measured so far.
"""

import argparse
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description="Time manage.py generate_catalog on a fresh database.")
    parser.add_argument("--products", type=int, default=100_000, help="how many data products to generate (default 100000)")
    parser.add_argument("--seed", type=int, default=0, help="generate_catalog --seed (default 0)")
    parser.add_argument("--batch-size", type=int, default=2000, help="generate_catalog --batch-size (default 2000)")
    parser.add_argument("--replace", action="store_true", help="generate_catalog --replace, for a DATABASE_URL that already holds the seed")
    parser.add_argument("--keep", action="store_true", help="keep the temporary SQLite database and print its path")
    args = parser.parse_args()

    scratch = None
    if not os.environ.get("DATABASE_URL"):
        scratch = Path(tempfile.mkdtemp(prefix="bench-generate-catalog-"))
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrated = time.perf_counter() - started

        started = time.perf_counter()
        call_command("generate_catalog", products=args.products, seed=args.seed, batch_size=args.batch_size, replace=args.replace)
        generated = time.perf_counter() - started

        database = connection.vendor
        if database == "sqlite":
            database += f" {sqlite3.sqlite_version}"
            size = sum(
                path.stat().st_size
                for path in Path(connection.settings_dict["NAME"]).parent.glob(Path(connection.settings_dict["NAME"]).name + "*")
            )
            database += f", {size / 2**20:,.0f} MiB on disk"
        print()
        print(f"machine:      {os.cpu_count()} CPUs, Python {platform.python_version()}, Django {django.get_version()}, {database}")
        print(f"migrate:      {migrated:.1f} s")
        print(f"generate:     {args.products:,} products in {generated:.1f} s = {args.products / generated:,.0f} products/s")
    finally:
        connection.close()
        if scratch is not None:
            if args.keep:
                print(f"database kept: DATABASE_URL={os.environ['DATABASE_URL']}")
            else:
                shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
