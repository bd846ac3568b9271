"""Lineage at scale: a generated graph of 10 000 nodes and 30 000 edges.

    .venv/bin/python bench/lineage.py                         # SQLite, a temporary file
    .venv/bin/python bench/lineage.py --backend postgresql    # a throwaway PostgreSQL cluster

Generates a mesh of data products (two output ports each) and external
datasets, wired as a layered graph (most edges go one layer down, some two,
so that a walk fans out as pipelines do), then measures, for --samples start
products chosen at random, p50/p95 of:

- (a) the depth-5 downstream traversal: lineage.queries.lineage_walk, the one
  recursive query (node ids, their distance, and the edges between them);
- (b) the same traversal done naively, one query per node visited (the ORM's
  `node.downstream_edges.all()` in a breadth-first loop), checked to reach the
  same nodes as (a);
- (c) rendering the lineage tab (`GET /products/<slug>/lineage/?direction=downstream&depth=5`
  through Django's test Client as a signed-in consumer: traversal, loading the
  nodes, the layered layout, the SVG and the tables).

Settings are production-like (DEBUG off). See bench/README.md for figures.
"""

import argparse
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

from environment import ROOT, configure_environment  # bench/environment.py, beside this script

from lineage import queries as lineage_queries


def generate(*, nodes: int, edges: int, layers: int, seed: int) -> dict:
    """Bulk-insert the graph: nodes/4 products with two ports each (half the
    nodes), the other half external datasets. External datasets sit in the
    first layers (operational systems), ports in all but the first."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from catalog.models import DataProduct, Domain, OutputPort, Team
    from lineage.models import LineageEdge, LineageNode

    rng = random.Random(seed)
    with transaction.atomic():
        team = Team.objects.create(name="Bench team", slug="bench-team")
        domains = Domain.objects.bulk_create([Domain(name=f"Domain {i}", slug=f"domain-{i}", owner_team=team) for i in range(10)])
        product_count = nodes // 4
        products = DataProduct.objects.bulk_create(
            [
                DataProduct(
                    domain=domains[i % len(domains)],
                    owner_team=team,
                    slug=f"product-{i}",
                    name=f"Product {i}",
                    summary="A generated data product.",
                    status=DataProduct.Status.PUBLISHED,
                )
                for i in range(product_count)
            ],
            batch_size=500,
        )
        ports = OutputPort.objects.bulk_create(
            [
                OutputPort(product=product, name=name, location=f"s3://bench/{product.slug}/{name}")
                for product in products
                for name in ("table", "files")
            ],
            batch_size=500,
        )
        port_nodes = [LineageNode(namespace="s3://bench", name=f"{port.product.slug}/{port.name}", port=port) for port in ports]
        external_nodes = [
            LineageNode(namespace=f"postgres://system-{i % 50}:5432", name=f"public.table_{i}") for i in range(nodes - len(port_nodes))
        ]
        created = LineageNode.objects.bulk_create(port_nodes + external_nodes, batch_size=500)

        # Layers: a product's two ports share one; external datasets in the first third.
        layer_of: dict[int, int] = {}
        for index in range(0, len(port_nodes), 2):
            layer = rng.randint(1, layers - 1)
            layer_of[created[index].pk] = layer_of[created[index + 1].pk] = layer
        for node in created[len(port_nodes) :]:
            layer_of[node.pk] = rng.randint(0, max(1, layers // 3))
        # Edges go one layer down (80 %) or two, into a port: pipelines write products.
        ports_by_layer: dict[int, list[int]] = {}
        for node in created[: len(port_nodes)]:
            ports_by_layer.setdefault(layer_of[node.pk], []).append(node.pk)
        sources = [pk for pk, layer in layer_of.items() if layer < layers - 1]
        pairs: set[tuple[int, int]] = set()
        while len(pairs) < edges:
            upstream = rng.choice(sources)
            step = 1 if rng.random() < 0.8 else 2
            pairs.add((upstream, rng.choice(ports_by_layer[min(layer_of[upstream] + step, layers - 1)])))
        now = timezone.now()
        LineageEdge.objects.bulk_create(
            [
                LineageEdge(upstream_id=a, downstream_id=b, origin="openlineage", job_namespace="bench", job_name=f"job-{a}", last_seen=now)
                for a, b in sorted(pairs)
            ],
            batch_size=1000,
        )
        viewer = get_user_model().objects.create_user("bench-consumer", password="x")
    return {"products": products, "viewer": viewer}


def naive_downstream(product, depth: int) -> set[int]:
    """Breadth-first, one query per node visited: what the ORM invites."""
    from lineage.models import LineageNode

    seen = set(LineageNode.objects.filter(port__product=product).values_list("pk", flat=True))
    frontier = list(seen)
    for _ in range(depth):
        following = []
        for node_id in frontier:
            for downstream_id in LineageNode(pk=node_id).downstream_edges.values_list("downstream_id", flat=True):
                if downstream_id not in seen:
                    seen.add(downstream_id)
                    following.append(downstream_id)
        frontier = following
    return seen


def timed(function, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered):8.1f} / {p95:8.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description="Time lineage traversal and the lineage tab on a generated graph.")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--edges", type=int, default=30_000)
    parser.add_argument("--layers", type=int, default=12, help="layers of the generated graph (default 12)")
    parser.add_argument("--depth", type=int, default=5)
    parser.add_argument("--samples", type=int, default=30, help="start products (default 30)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per start product (default 3)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench-lineage-"))
    cluster = None
    try:
        if args.backend == "postgresql":
            sys.path.insert(0, str(ROOT))
            from tests.conftest import PostgresCluster

            cluster = PostgresCluster()
            cluster.start()
            import psycopg

            with psycopg.connect(host="127.0.0.1", port=cluster.port, user="postgres", dbname="postgres", autocommit=True) as admin:
                admin.execute("CREATE DATABASE marketplace")
            configure_environment(f"postgres://postgres@127.0.0.1:{cluster.port}/marketplace", name="lineage")
        else:
            configure_environment(f"sqlite:///{scratch / 'bench.sqlite3'}", name="lineage")

        import django

        django.setup()
        from django.conf import settings

        # Plain static URLs: the page is measured without running collectstatic first.
        warnings.filterwarnings("ignore", message="No directory at")
        settings.STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        mesh = generate(nodes=args.nodes, edges=args.edges, layers=args.layers, seed=args.seed)
        generated = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum (PostgreSQL) or `PRAGMA optimize` (SQLite) would

        rng = random.Random(args.seed + 1)
        starts = rng.sample(mesh["products"], args.samples)
        viewer = mesh["viewer"]
        client = Client()
        client.force_login(viewer)

        cte, naive, page, reached = [], [], [], []
        for product in starts:
            layers, _ = lineage_queries.lineage_walk(viewer, product, direction="downstream", depth=args.depth)
            assert set(layers) == naive_downstream(product, args.depth), f"the two traversals disagree for {product.slug}"
            reached.append(len(layers))
            url = f"/products/{product.slug}/lineage/?direction=downstream&depth={args.depth}"
            assert client.get(url).status_code == 200  # warm-up
            cte += timed(lambda: lineage_queries.lineage_walk(viewer, product, direction="downstream", depth=args.depth), args.runs)
            naive += timed(lambda: naive_downstream(product, args.depth), args.runs)
            page += timed(lambda: client.get(url), args.runs)

        if connection.vendor == "sqlite":
            database = f"SQLite {connection.Database.sqlite_version}"
        else:
            version = connection.cursor().connection.info.server_version
            database = f"PostgreSQL {version // 10000}.{version % 100}"
        print(f"machine:   {os.cpu_count()} CPUs, Python {platform.python_version()}, Django {django.get_version()}, {database}")
        print(f"graph:     {args.nodes:,} nodes, {args.edges:,} edges, {args.layers} layers, generated in {generated:.1f} s")
        print(
            f"samples:   {args.samples} start products × {args.runs} runs; depth {args.depth} downstream reaches "
            f"{statistics.median(reached):.0f} nodes (median), {max(reached)} at most"
        )
        print(f"{'':38} p50 ms / p95 ms")
        print(f"(a) recursive CTE traversal            {percentiles(cte)}")
        print(f"(b) naive, one query per node visited  {percentiles(naive)}")
        print(f"(c) lineage tab (GET, rendered)        {percentiles(page)}")
        print(f"(b)/(a) at p50: {statistics.median(naive) / statistics.median(cte):.1f}×")
        connection.close()
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
