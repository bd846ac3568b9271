"""Importing a domain estate written to the standards: 1 000 generated descriptors.

    .venv/bin/python bench/import_descriptors.py                  # SQLite, a temporary file
    .venv/bin/python bench/import_descriptors.py --products 200   # a smaller run
    .venv/bin/python bench/import_descriptors.py --profile /tmp/import.prof   # cProfile of both imports (the re-import's: /tmp/import.prof.again)

Generates --products ODPS v1.0.0 documents (one product each, in 12 domains
owned by 24 teams, 1–2 output ports) and one ODCS v3.1.0 contract per output
port (one table of 15 properties, a server, half of them a freshness SLA), as
YAML files laid out as domains' repositories would hold them
(`<domain>/<product>/product.odps.yaml`, `<domain>/<product>/<port>.odcs.yaml`),
each checked against the standard's schema before the run. Then, on a fresh
database holding only the teams and the admin who imports (the domains are
created by the import, as an admin's import does), it times
`manage.py import_descriptors DIR --as bench-admin` as a whole process
(Python and Django start-up included):

- the first import: every product, port, field, contract and SLO created;
- a re-import of the same tree with no change: every file "unchanged".

Targets (issue 13): first import under 60 s, re-import under 15 s, on SQLite on
the 2-core machine. See bench/README.md for figures.
"""

import argparse
import os
import platform
import random
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from environment import ROOT, configure_environment  # bench/environment.py, beside this script

DOMAINS = [
    "Sales",
    "Marketing",
    "Finance",
    "Logistics",
    "Customer",
    "Supply chain",
    "Payments",
    "Risk",
    "Content",
    "Advertising",
    "People",
    "Product analytics",
]
ENTITIES = [
    "orders",
    "order lines",
    "invoices",
    "payments",
    "refunds",
    "shipments",
    "deliveries",
    "customers",
    "accounts",
    "subscriptions",
    "sessions",
    "page views",
    "campaigns",
    "ad impressions",
    "clicks",
    "products",
    "stock levels",
    "suppliers",
    "returns",
    "tickets",
    "employees",
    "plays",
    "listeners",
    "chargebacks",
]
QUALIFIERS = ["daily", "hourly", "current", "history", "by country", "by channel", "enriched", "monthly"]
PORTS = [("table", "tables", "Query it in the warehouse."), ("events", "topics", "The changes as they happen.")]
# (name, logicalType, physicalType, description, classification or None)
COLUMNS = [
    ("id", "string", "varchar(36)", "The row's identifier.", None),
    ("created_at", "timestamp", "timestamp", "When the row was created, UTC.", None),
    ("updated_at", "timestamp", "timestamp", "When the row last changed, UTC.", None),
    ("customer_id", "string", "varchar(36)", "The customer it belongs to.", None),
    ("account_id", "string", "varchar(36)", "The billing account.", None),
    ("email", "string", "varchar(254)", "The customer's e-mail address.", "restricted"),
    ("phone_number", "string", "varchar(32)", "The customer's phone number, E.164.", "restricted"),
    ("country_code", "string", "char(2)", "ISO 3166-1 alpha-2 country.", None),
    ("currency", "string", "char(3)", "ISO 4217 currency of the amounts.", None),
    ("amount", "number", "numeric(12,2)", "The amount, in the currency.", None),
    ("tax_amount", "number", "numeric(12,2)", "The tax included in the amount.", None),
    ("discount", "number", "numeric(12,2)", "The discount granted.", None),
    ("quantity", "integer", "integer", "How many units.", None),
    ("unit_price", "number", "numeric(12,4)", "The price of one unit.", None),
    ("status", "string", "varchar(20)", "The row's status in its life cycle.", None),
    ("channel", "string", "varchar(20)", "web, app, store or partner.", None),
    ("campaign_id", "string", "varchar(36)", "The marketing campaign it is attributed to.", None),
    ("device_type", "string", "varchar(20)", "desktop, mobile, tablet or tv.", None),
    ("ip_address", "string", "varchar(45)", "The client's IP address.", "restricted"),
    ("is_test", "boolean", "boolean", "True for test traffic, to be filtered out.", None),
    ("event_date", "date", "date", "The day of the event, UTC.", None),
    ("duration_ms", "integer", "bigint", "How long it lasted, in milliseconds.", None),
    ("sku", "string", "varchar(40)", "The stock-keeping unit.", None),
    ("warehouse_id", "string", "varchar(20)", "The warehouse it ships from.", None),
    ("carrier", "string", "varchar(40)", "The carrier delivering it.", None),
    ("postal_code", "string", "varchar(12)", "The delivery address's postal code.", "confidential"),
    ("risk_score", "number", "double", "The fraud model's score, 0 to 1.", "confidential"),
    ("source_system", "string", "varchar(40)", "The operational system it comes from.", None),
    ("loaded_at", "timestamp", "timestamp", "When the pipeline loaded the row.", None),
    ("version", "integer", "integer", "The row's version, incremented on change.", None),
]
FIELDS_PER_PORT = 15


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def generate(directory: Path, *, products: int, seed: int) -> dict:
    """Write the tree; return its counts and the team slugs the documents name."""
    rng = random.Random(seed)
    teams = [f"{slug(domain)}-{suffix}" for domain in DOMAINS for suffix in ("platform", "analytics")]
    counts = {"products": 0, "ports": 0, "fields": 0, "files": 0}
    for i in range(products):
        domain = DOMAINS[i % len(DOMAINS)]
        entity, qualifier = rng.choice(ENTITIES), rng.choice(QUALIFIERS)
        odps_id = f"{slug(domain)}-{slug(entity)}-{slug(qualifier)}-{i:04d}"
        team = teams[2 * (i % len(DOMAINS)) + rng.randrange(2)]
        ports = PORTS[: rng.choice((1, 2))]
        name = f"{entity.capitalize()} {qualifier} {i:04d}"
        contract_ids = {port: f"{odps_id}-{port}" for port, _, _ in ports}
        descriptor = {
            "apiVersion": "v1.0.0",
            "kind": "DataProduct",
            "id": odps_id,
            "name": name,
            "status": "draft" if i % 10 == 0 else "active",
            "domain": domain,
            "version": f"1.{i % 4}.0",
            "tags": [slug(entity), slug(qualifier)],
            "description": {
                "purpose": f"The {entity} of the {domain.lower()} domain, {qualifier}: one row per {entity.rstrip('s')}.",
                "usage": "Join on the identifiers; amounts are in the row's currency.",
                "limitations": "Rows arrive up to an hour late; test traffic is flagged, not removed.",
            },
            "customProperties": [{"property": "owningTeam", "value": team}],
            "outputPorts": [
                {"name": port, "version": "1.0.0", "type": kind, "description": description, "contractId": contract_ids[port]}
                for port, kind, description in ports
            ],
        }
        folder = directory / slug(domain) / odps_id
        folder.mkdir(parents=True)
        (folder / "product.odps.yaml").write_text(yaml.safe_dump(descriptor, sort_keys=False))
        counts["products"] += 1
        counts["files"] += 1
        for port, _, description in ports:
            columns = [COLUMNS[0], *rng.sample(COLUMNS[1:], FIELDS_PER_PORT - 1)]
            contract = {
                "apiVersion": "v3.1.0",
                "kind": "DataContract",
                "id": contract_ids[port],
                "name": f"{name} {port}",
                "version": "1.0.0",
                "status": "active",
                "description": {"purpose": description},
                "servers": [
                    {
                        "server": "production",
                        "type": "postgresql",
                        "host": f"{slug(domain)}-db.internal.example",
                        "port": 5432,
                        "database": slug(domain).replace("-", "_"),
                        "schema": "public",
                    }
                ],
                "schema": [
                    {
                        "name": slug(entity).replace("-", "_"),
                        "logicalType": "object",
                        "physicalType": "table",
                        "description": f"{entity.capitalize()}, {qualifier}.",
                        "properties": [
                            {
                                "name": column,
                                "logicalType": logical,
                                "physicalType": physical,
                                "description": text,
                                **({"primaryKey": True, "required": True} if column == "id" else {}),
                                **({"classification": classification} if classification else {}),
                            }
                            for column, logical, physical, text, classification in columns
                        ],
                    }
                ],
            }
            if i % 2 == 0:
                contract["slaProperties"] = [
                    {"property": "latency", "value": 4, "unit": "h", "element": f"{contract['schema'][0]['name']}.loaded_at"}
                ]
            (folder / f"{port}.odcs.yaml").write_text(yaml.safe_dump(contract, sort_keys=False))
            counts["ports"] += 1
            counts["fields"] += len(columns)
            counts["files"] += 1
    return {**counts, "teams": teams}


def check_documents(directory: Path) -> None:
    """Every generated file is valid against its standard's schema (else the bench would time refusals)."""
    from contracts import standards

    for path in sorted(directory.rglob("*.yaml")):
        standards.validate(standards.parse(path.read_bytes(), file=str(path)), file=str(path))


def children_cpu() -> float:
    """CPU seconds (user and system) the finished child processes used: on a
    shared machine, what the import itself cost, whatever else ran beside it."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_import(directory: Path, *, profile: str | None) -> tuple[float, float, str]:
    command = [sys.executable]
    if profile:
        command += ["-m", "cProfile", "-o", profile]
    command += [str(ROOT / "manage.py"), "import_descriptors", str(directory), "--as", "bench-admin", "--verbosity", "1"]
    started, cpu = time.perf_counter(), children_cpu()
    process = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    elapsed, cpu = time.perf_counter() - started, children_cpu() - cpu
    if process.returncode != 0:
        sys.stderr.write(process.stderr[-5000:])
        raise SystemExit(f"import_descriptors exited with {process.returncode}")
    return elapsed, cpu, process.stdout.strip().splitlines()[-1] if process.stdout.strip() else ""


def audit_keys(scratch: Path) -> None:
    """With DEBUG off the settings ask for a key to sign audit checkpoints: a throwaway one,
    checkpoints written into the scratch directory (the import audits each file)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    os.environ["AUDIT_SIGNING_KEY"] = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    os.environ["AUDIT_VERIFY_KEY"] = (
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    )
    os.environ["AUDIT_CHECKPOINT_DIR"] = str(scratch / "audit-checkpoints")


def commit() -> str:
    found = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True)
    return found.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1000, help="ODPS documents to generate (default 1 000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="run the imports under cProfile, saving the first's profile to FILE, the re-import's to FILE.again",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (database and descriptors)")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench-import-descriptors-"))
    configure_environment(f"sqlite:///{scratch / 'bench.sqlite3'}", name="import-descriptors")
    audit_keys(scratch)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from catalog import services as catalog_services
        from catalog.models import DataProduct, OutputPort, SchemaField
        from contracts.models import PortContract, ProductDescriptor
        from core.users import User
        from slos.models import ServiceLevelObjective

        tree = scratch / "descriptors"
        started = time.perf_counter()
        counts = generate(tree, products=args.products, seed=args.seed)
        generated = time.perf_counter() - started
        check_documents(tree)

        call_command("migrate", verbosity=0)
        User.objects.create_superuser("bench-admin", "bench-admin@example.com", "bench")
        for team in counts["teams"]:
            catalog_services.create_team(name=team.replace("-", " ").capitalize(), slug=team)
        connection.close()

        load_before = os.getloadavg()
        first, first_cpu, first_summary = run_import(tree, profile=args.profile)
        again, again_cpu, again_summary = run_import(tree, profile=f"{args.profile}.again" if args.profile else None)

        imported = {
            "products": DataProduct.objects.count(),
            "descriptors": ProductDescriptor.objects.count(),
            "ports": OutputPort.objects.count(),
            "contracts": PortContract.objects.count(),
            "fields": SchemaField.objects.count(),
            "SLOs": ServiceLevelObjective.objects.count(),
        }
        assert imported["products"] == imported["descriptors"] == counts["products"], imported
        assert imported["ports"] == imported["contracts"] == counts["ports"], imported
        assert imported["fields"] == counts["fields"], imported

        print(f"date:       {time.strftime('%Y-%m-%d %H:%M %Z')}, commit {commit()}")
        print(
            f"machine:    {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}, "
            f"Django {django.get_version()}, SQLite {sqlite3.sqlite_version} (a fresh file)"
        )
        print(
            f"descriptors: {counts['files']:,} files ({counts['products']:,} ODPS, {counts['ports']:,} ODCS; "
            f"{FIELDS_PER_PORT} properties a port), generated in {generated:.1f} s"
        )
        print("imported:   " + ", ".join(f"{count:,} {name}" for name, count in imported.items()))
        print(f"import:     {first:.1f} s  (target < 60 s; CPU {first_cpu:.1f} s)  {first_summary}")
        print(f"re-import:  {again:.1f} s  (target < 15 s; CPU {again_cpu:.1f} s)  {again_summary}")
        print(
            f"load:       {' '.join(f'{value:.1f}' for value in load_before)} before, {' '.join(f'{value:.1f}' for value in os.getloadavg())} after (1, 5, 15 min)"
        )
        if args.profile:
            print(f"profile:    {args.profile} (the first import), {args.profile}.again (the re-import)")
        return 0 if first < 60 and again < 15 else 1
    finally:
        if args.keep:
            print(f"kept:       {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
