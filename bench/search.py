"""Time search on a generated catalog, per database backend.

    .venv/bin/python bench/search.py --products 10000 --backend both

For each backend (SQLite FTS5, PostgreSQL full text) it makes a database (a
temporary SQLite file, or a throwaway PostgreSQL cluster started from the
installed binaries as tests/conftest.py does), migrates it, runs
`generate_catalog --products N --seed 0` and `reindex` (both timed), then runs
a fixed set of about 60 queries built from demo.vocabulary and times, per
query, 1 warm-up and 5 timed runs of:

  (a) search.search(SearchQuery(...), user=...): the service the page and the
      API call, facets included, for a signed-in member of one team, with an
      empty cache (the backend caches facet counts per query); (a') the same
      search repeated, its facet counts cached;
  (b) GET /api/v1/search/ through Django's test Client, in-process (no socket):
      middleware, session, DRF, the serializer and the JSON rendering;
  (c) the floor: the statements (a) sent to the database, captured from one
      call, run on a raw sqlite3 / psycopg connection (same SQL and
      parameters, every row fetched): the engine's work with no Django, no
      ORM and no Python around it, so it always mirrors the backend;
  (d) a naive ORM search: icontains on name, summary and description, AND-ed
      over the words, ordered by name, 20 rows, count and the same facets.

It prints p50/p95 of each, the ratios (a)/(c) and (d)/(a), the targets, a
breakdown by query class, and where (a)'s time goes: (c) by stage, and the
rest (Python: ORM, backend, highlighting, model instances).
A query that takes longer than --budget seconds is cut short and counted as
at least that (see Budget).
See bench/README.md ("search.py") for the options and the figures so far.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from environment import ROOT, configure_environment  # bench/environment.py, beside this script

SEED = 0
TARGET_P95_MS = 100.0
TARGET_A_OVER_C = 2.0
TARGET_D_OVER_A = 10.0
PAGE_SIZE = 20
BACKENDS = ("sqlite", "postgresql")


# --- the queries ---------------------------------------------------------------


@dataclass
class BenchQuery:
    kind: str  # common, mid, rare, phrase, prefix, typo, faceted
    text: str
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def label(self) -> str:
        filters = " ".join(f"{name}={'+'.join(values)}" for name, values in self.filters.items())
        return f"{self.text!r}" + (f" [{filters}]" if filters else "")


def _typo(word: str, variant: int) -> str:
    """Drop, swap or double a letter in the middle of `word`."""
    middle = len(word) // 2
    if variant % 3 == 0:
        return word[:middle] + word[middle + 1 :]
    if variant % 3 == 1:
        return word[: middle - 1] + word[middle] + word[middle - 1] + word[middle + 1 :]
    return word[:middle] + word[middle] + word[middle:]


def build_queries(domains: list[str], tags: list[str]) -> list[BenchQuery]:
    """The fixed query set: vocabulary ranks chosen once, so the same words are
    asked at every catalog size and on every backend. Filter values come from
    the catalog (`domains`: slugs by product count, largest first; `tags`: names
    by product count) so that they exist."""
    from demo import vocabulary

    terms = vocabulary.terms()
    known = set(terms)

    def starts_a_word(text: str) -> bool:
        return any(term.startswith(text) for term in known)

    queries: list[BenchQuery] = []
    # Common words: ranks 1 to 48 (the first ten make up a third of all text).
    for rank in (1, 3, 6, 10, 15, 23, 34, 48):
        queries.append(BenchQuery("common", terms[rank - 1]))
    # Mid-frequency: real words of rank 100-580 and the top of the tail.
    for rank in (100, 180, 310, 520, 800, 1200, 1800):
        queries.append(BenchQuery("mid", terms[rank - 1]))
    # Rare: the long tail (compounds and pseudo-words), a handful of products each.
    for rank in (3000, 6000, 9000, 13000, 17000, 21000, 23500):
        queries.append(BenchQuery("rare", terms[rank - 1]))
    # Phrases of two and three words, and two product-name-like phrases.
    for ranks in ((1, 2), (4, 13), (8, 41), (21, 150), (3, 300), (60, 900), (1, 2, 3), (5, 26, 81), (11, 56, 400), (6, 31, 2500)):
        queries.append(BenchQuery("phrase", " ".join(terms[rank - 1] for rank in ranks)))
    text = vocabulary.TextGenerator(random.Random("bench/search.py"))
    for _ in range(2):
        queries.append(BenchQuery("phrase", text.product_name().lower()))
    # What people type before they finish a word.
    for rank in (4, 13, 26, 70, 140, 260):
        word = terms[rank - 1]
        queries.append(BenchQuery("prefix", word[: max(3, (len(word) + 1) // 2)]))
    # Typos of real words (dropped, swapped, doubled letters) that start no word of the vocabulary.
    typos: list[str] = []
    rank, variant = 2, 0
    while len(typos) < 8:
        word = terms[rank - 1]
        if len(word) >= 6:
            typo = _typo(word, variant)
            if typo != word and not starts_a_word(typo):
                typos.append(typo)
                variant += 1
        rank = rank * 2 - 1 if rank < 200 else rank + 97
    for typo in typos:
        queries.append(BenchQuery("typo", typo))
    queries.append(BenchQuery("typo", f"{terms[1]} {typos[3]}"))
    # Faceted: the same kinds of text with filters, values that exist.
    big, middle, small = domains[0], domains[len(domains) // 2], domains[-1]
    faceted = [
        (terms[0], {"domain": (big,)}),
        (terms[2], {"tag": (tags[0],)}),
        (terms[5], {"tag": (tags[4],), "classification": ("confidential",)}),
        (terms[9], {"status": ("published",)}),
        (terms[14], {"classification": ("internal", "confidential"), "status": ("published",)}),
        (terms[22], {"domain": (middle,), "status": ("published", "deprecated")}),
        (terms[33], {"tag": (tags[1], tags[9])}),
        (terms[0], {"status": ("draft",)}),
        (terms[179], {"domain": (big,)}),
        (terms[519], {"classification": ("restricted",)}),
        (terms[8999], {"status": ("published",)}),
        (f"{terms[3]} {terms[12]}", {"tag": (tags[19],)}),
        (f"{terms[4]} {terms[25]} {terms[80]}", {"domain": (small,)}),
        (typos[0], {"classification": ("internal",)}),
        (terms[12][:4], {"domain": (middle,), "tag": (tags[2],)}),
        (terms[1], {"kind": ("aggregate",)}),
    ]
    for text_, filters in faceted:
        queries.append(BenchQuery("faceted", text_, filters))
    return queries


# --- measuring -------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class Budget:
    """A time limit per call. A statement still running when it is up is
    interrupted (SQLite: a progress handler; PostgreSQL: statement_timeout),
    and a query that hits it is not run again: its samples count as the time
    it took (at least the budget), so percentiles that include them are lower
    bounds. It keeps one pathological query from stalling the whole run."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.deadline: float | None = None
        self.connections: list[tuple[str, object]] = []

    def install(self, vendor: str, dbapi_connection) -> None:
        self.connections.append((vendor, dbapi_connection))
        self._apply(vendor, dbapi_connection)

    def set(self, seconds: float) -> None:
        self.seconds = seconds
        for vendor, dbapi_connection in self.connections:
            self._apply(vendor, dbapi_connection)

    def _apply(self, vendor: str, dbapi_connection) -> None:
        if vendor == "sqlite":
            dbapi_connection.set_progress_handler(self._interrupt, 20_000)
        else:
            dbapi_connection.execute(f"SET statement_timeout = {int(self.seconds * 1000)}")

    def _interrupt(self) -> int:
        return 1 if self.deadline is not None and time.perf_counter() > self.deadline else 0

    def call(self, function):
        """(result or None, milliseconds, over budget)."""
        self.deadline = time.perf_counter() + self.seconds
        started = time.perf_counter()
        try:
            result = function()
        except Exception:
            elapsed = time.perf_counter() - started
            if elapsed < self.seconds * 0.9:
                raise
            return None, elapsed * 1000, True
        finally:
            self.deadline = None
        elapsed = time.perf_counter() - started
        return result, elapsed * 1000, elapsed > self.seconds


def timed(function, runs: int, warmup: int, budget: Budget, before=None) -> tuple[list[float], object, bool]:
    """Times of `runs` calls after `warmup` calls, the last result, and whether
    the budget was hit. `before` runs before each call, untimed."""
    result = None
    times: list[float] = []
    for number in range(warmup + runs):
        if before is not None:
            before()
        outcome, milliseconds, over = budget.call(function)
        if over:
            return [milliseconds] * runs, outcome if outcome is not None else result, True
        result = outcome
        if number >= warmup:
            times.append(milliseconds)
    return times, result, False


def stage_of(sql: str) -> str:
    """Which step of a search one of (a)'s statements is."""
    lowered = " ".join(sql.lower().split())
    if "bm25(" in lowered or "ts_rank_cd(" in lowered:
        return "rank page"
    if "highlight(" in lowered or "ts_headline(" in lowered or "description || ' ' ||" in lowered:
        return "highlights"
    if "catalog_search_term" in lowered:
        return (
            "typo candidates"
            if ("trigram match" in lowered or "similarity(" in lowered or "length(term) between" in lowered or "length(term) >=" in lowered)
            else "terms"
        )
    if "catalog_searchindexstate" in lowered:
        return "cache key"
    if "group by" in lowered:
        return "facets"
    if "catalog_dataproduct" not in lowered and any(
        f"from {table}" in lowered for table in ('"catalog_domain"', '"catalog_team"', '"catalog_tag"')
    ):
        return "facets"  # the labels of the facet values counted (in_bulk)
    if " match " in lowered or "@@" in lowered:
        return "rank page"  # the tiers that sort without scoring (name matches, exact name)
    if "count(*)" in lowered:
        return "count"
    if "objectpermission" in lowered or "auth_" in lowered:
        return "visibility"
    return "hits"


class Capture:
    """A Django execute_wrapper that records (a)'s statements, to replay them raw."""

    def __init__(self):
        self.statements: list[tuple[str, tuple]] = []

    def __call__(self, execute, sql, params, many, context):
        if not many:
            self.statements.append((sql, tuple(params) if params is not None else None))
        return execute(sql, params, many, context)


def replay(vendor: str, raw, statements: list[tuple[str, tuple]]) -> dict[str, float]:
    """Run (a)'s own statements on the raw connection; milliseconds per stage."""
    per_stage: dict[str, float] = defaultdict(float)
    cursor = raw.cursor()
    for sql, params in statements:
        if vendor == "sqlite" and params is not None:
            sql = re.sub(r"(?<!%)%s", "?", sql).replace("%%", "%")  # as Django's SQLite cursor does
        started = time.perf_counter()
        if params is None:
            cursor.execute(sql)
        else:
            cursor.execute(sql, params)
        cursor.fetchall()
        per_stage[stage_of(sql)] += (time.perf_counter() - started) * 1000
    cursor.close()
    return per_stage


# --- a database to measure on --------------------------------------------------------


def postgres_cluster_class():
    """tests.conftest.PostgresCluster (initdb and pg_ctl from the installed
    binaries, run as the postgres user when root), kept in a chosen directory
    and restartable on an existing data directory for --keep-db / --reuse-db."""
    sys.path.insert(0, str(ROOT))
    from tests.conftest import PostgresCluster

    class BenchCluster(PostgresCluster):
        def __init__(self, directory: Path | None):
            super().__init__()
            self.keep = directory is not None
            if directory is not None:
                shutil.rmtree(self.directory, ignore_errors=True)
                self.directory = directory.resolve()
                self.data = self.directory / "data"

        @property
        def exists(self) -> bool:
            return (self.data / "PG_VERSION").exists()

        def start(self) -> None:
            if self.exists:
                # The options PostgresCluster.start() uses, on the existing data directory.
                options = (
                    f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off "
                    "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
                )
                self._run(self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.directory / "server.log"), "-w", "start")
                return
            self.directory.mkdir(parents=True, exist_ok=True)
            super().start()

        def stop(self) -> None:
            if self.keep:
                self._run(self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop")
            else:
                super().stop()

        def url(self) -> str:
            return f"postgres://postgres@127.0.0.1:{self.port}/marketplace"

        def create_database(self) -> None:
            import psycopg

            with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True) as connection:
                if not connection.execute("SELECT 1 FROM pg_database WHERE datname = 'marketplace'").fetchone():
                    connection.execute("CREATE DATABASE marketplace")

    return BenchCluster


def source_version() -> str:
    """The commit measured, and whether catalog/search/ differs from it."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "catalog"], capture_output=True, text=True
        ).stdout.strip()
        return commit + (" with uncommitted changes in catalog/" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        marker = ROOT / "COMMIT"
        return marker.read_text().strip() if marker.exists() else "unknown (not a git checkout)"


def database_size(vendor: str, connection) -> str:
    if vendor == "sqlite":
        name = Path(connection.settings_dict["NAME"])
        size = sum(path.stat().st_size for path in name.parent.glob(name.name + "*"))
        return f"{size / 2**20:,.0f} MiB on disk"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database()), pg_total_relation_size('catalog_search_document')")
        total, index = cursor.fetchone()
    return f"{total / 2**20:,.0f} MiB on disk, of which the search documents {index / 2**20:,.0f} MiB"


def index_rows(vendor: str, connection) -> int:
    table = "catalog_search_fts" if vendor == "sqlite" else "catalog_search_document"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


# --- one backend -----------------------------------------------------------------------


def run_backend(args, backend: str, db_path: Path | None, reuse: bool) -> dict:
    cluster = None
    scratch = None
    if backend == "sqlite":
        if db_path is None:
            scratch = Path(tempfile.mkdtemp(prefix="bench-search-"))
            db_path = scratch / "bench.sqlite3"
        elif reuse and not db_path.exists():
            raise SystemExit(f"--reuse-db: {db_path} does not exist")
        configure_environment(f"sqlite:///{db_path.resolve()}", name="search")
    else:
        Cluster = postgres_cluster_class()
        if reuse and not (db_path / "data" / "PG_VERSION").exists():
            raise SystemExit(f"--reuse-db: {db_path} holds no PostgreSQL cluster (no data/PG_VERSION)")
        cluster = Cluster(db_path)
        cluster.start()
        cluster.create_database()
        configure_environment(cluster.url(), name="search")
    try:
        return measure_backend(args, backend, reuse)
    finally:
        from django.db import connections

        connections.close_all()
        if cluster is not None:
            cluster.stop()
            if cluster.keep:
                print(f"PostgreSQL cluster kept in {cluster.directory} (--reuse-db {cluster.directory})")
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        elif backend == "sqlite":
            print(f"SQLite database kept: {db_path} (--reuse-db {db_path})")


def measure_backend(args, backend: str, reuse: bool) -> dict:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count, Q
    from django.test import Client

    from catalog.models import DataProduct, Domain, Tag
    from catalog.queries import visible_products
    from search import engines as search
    from search.types import SearchQuery, terms_of

    vendor = connection.vendor
    assert vendor == backend, f"asked for {backend}, Django talks to {vendor}"
    setup: dict[str, float | str] = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    setup["migrate"] = time.perf_counter() - started

    products = DataProduct.objects.count()
    if products == 0:
        started = time.perf_counter()
        call_command("generate_catalog", products=args.products, seed=SEED, verbosity=1 if args.verbose else 0)
        setup["generate"] = time.perf_counter() - started
        products = DataProduct.objects.count()
    elif not reuse:
        raise SystemExit(f"The database already holds {products} products; use --reuse-db to measure on it.")
    if products != args.products:
        print(f"note: the database holds {products:,} products, not --products {args.products:,}: measuring on {products:,}")
    if "generate" in setup or args.reindex or index_rows(vendor, connection) != products:
        started = time.perf_counter()
        call_command("reindex", verbosity=0)
        setup["reindex"] = time.perf_counter() - started
    if vendor == "postgresql" and ("generate" in setup or "reindex" in setup):
        # What autovacuum does soon after a bulk load: statistics for the planner, the visibility map.
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        setup["vacuum analyze"] = time.perf_counter() - started

    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            version = f"SQLite {cursor.fetchone()[0]}"
        else:
            cursor.execute("SHOW server_version")
            version = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    machine = f"{os.cpu_count()} CPUs, Python {platform.python_version()}, Django {django.get_version()}, {version}, {database_size(vendor, connection)}"
    commit = source_version()
    print()
    print(f"=== {backend}: {products:,} products ===")
    print(f"machine:      {machine}")
    print(f"code:         {commit}")
    for step, seconds in setup.items():
        extra = f" = {products / seconds:,.0f} products/s" if step in ("generate", "reindex") else ""
        print(f"{step + ':':<13} {seconds:.1f} s{extra}")

    # Who searches: a signed-in member of one team, not a superuser.
    User = get_user_model()
    user = (
        User.objects.filter(username__startswith=f"gen-{SEED}-", is_superuser=False)
        .annotate(teams_count=Count("team_memberships"))
        .filter(teams_count=1)
        .order_by("pk")
        .first()
    )
    if user is None:
        raise SystemExit("No generated user who is a member of exactly one team.")
    visibility = search.visibility_for(user)

    domains = list(
        Domain.objects.filter(slug__startswith=f"gen-{SEED}-")
        .annotate(n=Count("products"))
        .order_by("-n", "slug")
        .values_list("slug", flat=True)
    )
    tags = list(Tag.objects.annotate(n=Count("products")).filter(n__gt=0).order_by("-n", "name").values_list("name", flat=True))
    queries = build_queries(domains, tags)
    runs, warmup = args.runs, args.warmup
    naive_runs = args.naive_runs if args.naive_runs is not None else runs
    print(
        f"queries:      {len(queries)} ({', '.join(f'{n} {kind}' for kind, n in Counter(q.kind for q in queries).items())}); "
        f"{warmup} warm-up + {runs} timed runs each ((d): {naive_runs}), as {user.username} "
        f"(one team, {len(visibility.draft_ids)} drafts of theirs visible)"
    )

    def search_query(query: BenchQuery) -> SearchQuery:
        return SearchQuery(text=query.text, filters=dict(query.filters), page_size=PAGE_SIZE)

    results: dict[str, dict[int, list[float]]] = {name: {} for name in ("a", "a_cached", "b", "c", "d")}
    totals: dict[str, dict[int, int]] = {name: {} for name in ("a", "d")}
    captured: dict[int, list | None] = {}
    corrections: dict[int, dict] = {}
    replays: dict[int, dict[str, float]] = {}
    statements_per_query: dict[int, int] = {}
    progress_every = max(1, len(queries) // 4)

    def progress(label: str, index: int) -> None:
        if args.verbose or index % progress_every == 0:
            print(f"  {label}: {index + 1}/{len(queries)}", file=sys.stderr, flush=True)

    budget = Budget(args.budget)
    connection.ensure_connection()
    budget.install(vendor, connection.connection)
    raw = open_raw_connection(vendor, connection)
    budget.install(vendor, raw)
    over_budget: dict[str, list[int]] = {name: [] for name in ("a", "b", "c", "d")}

    # (a) the search service, facets included. The backend caches facet counts
    # per query (Django's cache): every timed run starts with an empty cache,
    # as a new search does; (a') repeats the search with the counts cached.
    for index, query in enumerate(queries):
        progress("(a) search.search", index)
        times, result, over = timed(lambda: search.search(search_query(query), user=user), runs, warmup, budget, before=cache.clear)
        results["a"][index] = times
        if over:
            over_budget["a"].append(index)
            results["a_cached"][index] = times
        else:
            results["a_cached"][index], _, _ = timed(lambda: search.search(search_query(query), user=user), runs, 0, budget)
        totals["a"][index] = result.total if result is not None else None
        corrections[index] = result.corrections if result is not None else {}
        statements_per_query[index] = None
        captured[index] = None
        if over:
            continue  # not again: it would only hit the budget twice more
        # (a)'s own statements, from one more call with an empty facet cache, for (c).
        capture = Capture()
        cache.clear()
        with connection.execute_wrapper(capture):
            _, _, capture_over = budget.call(lambda: search.search(search_query(query), user=user))
        statements_per_query[index] = len(capture.statements)
        captured[index] = None if capture_over else capture.statements

    # (b) the HTTP API, in-process. A request cut short by the budget is a 500: not worth a logged traceback.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    client = Client()
    client.force_login(user)
    for index, query in enumerate(queries):
        progress("(b) GET /api/v1/search/", index)
        params = {"q": query.text, **{name: list(values) for name, values in query.filters.items()}}

        def get(params=params):
            response = client.get("/api/v1/search/", params)
            if response.status_code != 200:
                raise RuntimeError(f"GET /api/v1/search/ {params}: {response.status_code} {response.content[:300]!r}")
            return json.loads(response.content)

        times, body, over = timed(get, runs, warmup, budget, before=cache.clear)
        results["b"][index] = times
        if over:
            over_budget["b"].append(index)
        if body is not None and totals["a"][index] is not None and body["count"] != totals["a"][index]:
            print(f"  warning: the API counted {body['count']} for {query.label()}, search.search() {totals['a'][index]}")

    # (c) the floor: (a)'s own statements run on a raw DB-API connection (same
    # file or server, same SQL text and parameters, every row fetched): the
    # engine's work for the search with no Django, no ORM, no Python around it.
    for index in range(len(queries)):
        progress("(c) floor", index)
        statements = captured[index]
        replays[index] = None
        if statements is None:  # (a) hit the budget, and so would its statements
            results["c"][index] = results["a"][index]
            over_budget["c"].append(index)
            continue
        per_run: list[dict[str, float]] = []

        def run(statements=statements, per_run=per_run):
            per_run.append(replay(vendor, raw, statements))

        times, _, over = timed(run, runs, warmup, budget)
        results["c"][index] = times
        if over:
            over_budget["c"].append(index)
        elif per_run[warmup:]:
            timed_runs = per_run[warmup:]
            replays[index] = {stage: statistics.median(r.get(stage, 0.0) for r in timed_runs) for stage in set().union(*timed_runs)}

    # (d) the naive ORM search a quick Django app would write.
    def naive(query: BenchQuery):
        products = visible_products(user)
        filters = query.filters
        if filters.get("domain"):
            products = products.filter(domain__slug__in=filters["domain"])
        if filters.get("owner_team"):
            products = products.filter(owner_team__slug__in=filters["owner_team"])
        for name in ("classification", "status", "kind"):
            if filters.get(name):
                products = products.filter(**{f"{name}__in": filters[name]})
        for tag in filters.get("tag", ()):
            products = products.filter(tags__name=tag)
        for word in terms_of(query.text):
            products = products.filter(Q(name__icontains=word) | Q(summary__icontains=word) | Q(description__icontains=word))
        page = list(products.with_card_data().order_by("name")[:PAGE_SIZE])
        total = products.count()
        facets = {
            "domain": list(products.values("domain__slug", "domain__name").annotate(n=Count("pk")).order_by("-n")[:30]),
            "tag": list(products.values("tags__name").annotate(n=Count("pk")).order_by("-n")[:30]),
            "classification": list(products.values("classification").annotate(n=Count("pk")).order_by("-n")),
            "status": list(products.values("status").annotate(n=Count("pk")).order_by("-n")),
            "kind": list(products.values("kind").annotate(n=Count("pk")).order_by("-n")),
            "owner_team": list(products.values("owner_team__slug", "owner_team__name").annotate(n=Count("pk")).order_by("-n")[:30]),
        }
        return total, page, facets

    budget.set(args.naive_budget)
    for index, query in enumerate(queries):
        progress("(d) naive icontains", index)
        if naive_runs == 0:  # --naive-runs 0: (d) not measured
            results["d"][index], totals["d"][index] = [], None
            continue
        times, answer, over = timed(lambda: naive(query), naive_runs, min(warmup, 1), budget)
        results["d"][index] = times
        if over:
            over_budget["d"].append(index)
        totals["d"][index] = answer[0] if answer is not None else None
    budget.set(args.budget)
    raw.close()

    # (a) under cProfile, one pass over the queries.
    profile_text = None
    if args.profile:
        import cProfile
        import io
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for query in queries:
            cache.clear()
            budget.call(lambda: search.search(search_query(query), user=user))  # cut short like the timed runs
        profiler.disable()
        if args.profile != "-":
            profiler.dump_stats(args.profile)
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(35)
        profile_text = stream.getvalue()

    report = {
        "backend": backend,
        "products": products,
        "machine": machine,
        "code": commit,
        "setup": setup,
        "runs": runs,
        "warmup": warmup,
        "naive_runs": naive_runs,
        "user": user.username,
        "queries": [
            {
                "kind": q.kind,
                "text": q.text,
                "filters": q.filters,
                "total": totals["a"][i],
                "naive_total": totals["d"][i],
                "corrections": corrections[i],
                "statements": statements_per_query[i],
                "ms": {name: results[name][i] for name in results},
                "sql_ms": replays[i],
            }
            for i, q in enumerate(queries)
        ],
        "budget": args.budget,
        "naive_budget": args.naive_budget,
        "over_budget": over_budget,
    }
    print_report(report, verbose=args.verbose)
    if profile_text:
        print("\ncProfile of (a), one pass over the queries (cumulative):")
        print(profile_text)
    return report


def open_raw_connection(vendor: str, connection):
    """A DB-API connection to the same database, outside Django."""
    settings = connection.settings_dict
    if vendor == "sqlite":
        raw = sqlite3.connect(settings["NAME"], isolation_level=None)
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=NORMAL")
        return raw
    import psycopg

    return psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        dbname=settings["NAME"],
        autocommit=True,
        cursor_factory=psycopg.ClientCursor,
    )


# --- the report --------------------------------------------------------------------------


def print_report(report: dict, *, verbose: bool = False) -> None:
    queries = report["queries"]
    over = {name: set(indices) for name, indices in report["over_budget"].items()}
    names = ("a", "b", "c", "d")

    def all_times(name: str, kinds=None) -> list[float]:
        return [t for q in queries if kinds is None or q["kind"] in kinds for t in q["ms"][name]]

    def lower_bound(name: str, kinds=None) -> str:
        """'≥' when samples of queries that hit the budget are in the figures."""
        hit = any(kinds is None or queries[i]["kind"] in kinds for i in over[name])
        return "≥" if hit else " "

    stats = {name: (percentile(all_times(name), 0.5), percentile(all_times(name), 0.95)) for name in names}
    a50, a95 = stats["a"]
    c50, c95 = stats["c"]
    d50, d95 = stats["d"]
    labels = {
        "a": "(a) search.search() with facets",
        "b": "(b) GET /api/v1/search/ (in-process Client)",
        "c": "(c) floor: (a)'s SQL on raw " + ("sqlite3" if report["backend"] == "sqlite" else "psycopg"),
        "d": "(d) naive icontains ORM",
    }
    print()
    print(
        f"{report['backend']}, {report['products']:,} products: {len(queries)} queries x {report['runs']} timed runs "
        f"((d): x {report['naive_runs']}), after {report['warmup']} warm-up"
    )
    print(f"{'':<46} {'p50 ms':>9} {'p95 ms':>9}  over budget")
    a_cached = [t for q in queries for t in q["ms"].get("a_cached", [])]
    for name in names:
        if name == "b" and a_cached:
            label = "(a') the same search again (facets cached)"
            print(f"{label:<46}  {percentile(a_cached, 0.5):>8.1f}  {percentile(a_cached, 0.95):>8.1f}")
        mark = lower_bound(name)
        limit = report["naive_budget"] if name == "d" else report["budget"]
        note = f"{len(over[name])} queries (> {limit:g} s)" if over[name] else "-"
        print(f"{labels[name]:<46} {mark}{stats[name][0]:>8.1f} {mark}{stats[name][1]:>8.1f}  {note}")
    print(f"{'ratio (a)/(c)':<46} {a50 / c50:>9.2f} {a95 / c95:>9.2f}")
    naive_measured = bool(all_times("d"))
    if naive_measured:
        print(f"{'ratio (d)/(a)':<46} {d50 / a50:>9.1f} {d95 / a95:>9.1f}")
    if any(over.values()):
        print(
            "≥: queries that hit the budget count as the time they were given, so these are lower bounds (ratios are then only indicative)"
        )
    at = "" if report["products"] >= 100_000 else f" (set for 100 000 products; this is {report['products']:,})"
    print(f"targets{at}:")
    print(f"  p95 of (a) < {TARGET_P95_MS:.0f} ms:   {'met' if a95 < TARGET_P95_MS else 'MISSED'} ({a95:.1f} ms)")
    print(
        f"  (a)/(c) < {TARGET_A_OVER_C:.0f}:         {'met' if max(a50 / c50, a95 / c95) < TARGET_A_OVER_C else 'MISSED'} (p50 {a50 / c50:.2f}, p95 {a95 / c95:.2f})"
    )
    if naive_measured:
        print(
            f"  (d)/(a) >= {TARGET_D_OVER_A:.0f}:       {'met' if min(d50 / a50, d95 / a95) >= TARGET_D_OVER_A else 'MISSED'} (p50 {d50 / a50:.1f}, p95 {d95 / a95:.1f})"
        )

    kinds = list(dict.fromkeys(q["kind"] for q in queries))

    print()
    print("by query class (ms; hits: median total of (a); ≥: includes queries over budget):")
    header = ("class", "n", "hits", "a p50", "a p95", "a' p50", "b p50", "c p50", "c p95", "d p50", "d p95")
    print(" ".join(f"{title:<9}" if i == 0 else f"{title:>{(3, 7, 8, 8, 8, 8, 8, 8, 9, 9)[i - 1]}}" for i, title in enumerate(header)))
    for kind in kinds + ["all"]:
        chosen = None if kind == "all" else {kind}
        subset = [q for q in queries if chosen is None or q["kind"] in chosen]
        answered = [q["total"] for q in subset if q["total"] is not None]
        hits = f"{statistics.median(answered):>7,.0f}" if answered else f"{'?':>7}"
        cells = []
        for name, fraction in (("a", 0.5), ("a", 0.95), ("a_cached", 0.5), ("b", 0.5), ("c", 0.5), ("c", 0.95)):
            mark = lower_bound("a" if name == "a_cached" else name, chosen)
            cells.append(f"{mark}{percentile(all_times(name, chosen), fraction):>7.1f}")
        d = [f"{lower_bound('d', chosen)}{percentile(all_times('d', chosen), fraction):>8.1f}" for fraction in (0.5, 0.95)]
        print(f"{kind:<9} {len(subset):>3} {hits} " + " ".join(cells) + " " + " ".join(d))

    present = {stage for q in queries if q["sql_ms"] for stage in q["sql_ms"]}
    stages = [
        stage
        for stage in ("visibility", "terms", "typo candidates", "cache key", "facets", "count", "rank page", "highlights", "hits")
        if stage in present
    ]
    print()
    print("where (a)'s time goes, mean ms per query: (c) by stage (median of its timed runs), and python = mean of (a) minus (c)")
    print(f"{'class':<9} " + " ".join(f"{stage[:10]:>10}" for stage in stages) + f" {'sql total':>10} {'(a) mean':>10} {'python':>10}")
    for kind in kinds + ["all"]:
        subset = [q for q in queries if (kind == "all" or q["kind"] == kind) and q["sql_ms"] is not None]
        if not subset:
            print(f"{kind:<9} (every query of the class hit the budget)")
            continue
        means = [statistics.mean(q["sql_ms"].get(stage, 0.0) for q in subset) for stage in stages]
        total_sql = statistics.mean(sum(q["sql_ms"].values()) for q in subset)
        a_mean = statistics.mean(statistics.mean(q["ms"]["a"]) for q in subset)
        skipped = sum(1 for q in queries if (kind == "all" or q["kind"] == kind) and q["sql_ms"] is None)
        print(
            f"{kind:<9} "
            + " ".join(f"{value:>10.1f}" for value in means)
            + f" {total_sql:>10.1f} {a_mean:>10.1f} {a_mean - total_sql:>10.1f}"
            + (f"  ({skipped} over budget left out)" if skipped else "")
        )
    statements = [q["statements"] for q in queries if q["statements"] is not None]
    if statements:
        print(f"statements per search: {min(statements)}-{max(statements)} (median {statistics.median(statements):.0f})")

    slowest = sorted(range(len(queries)), key=lambda i: -percentile(queries[i]["ms"]["a"], 0.5))[: 10 if verbose else 6]
    print()
    print("slowest queries by p50 of (a) (ms; c: the top stages of (c)):")
    for i in slowest:
        q = queries[i]
        filters = " ".join(f"{name}={'+'.join(values)}" for name, values in q["filters"].items())
        corrected = f" -> {q['corrections']}" if q["corrections"] else ""
        sql = (
            f"c {percentile(q['ms']['c'], 0.5):.1f} ({', '.join(f'{s} {v:.1f}' for s, v in sorted(q['sql_ms'].items(), key=lambda item: -item[1])[:3])})"
            if q["sql_ms"] is not None
            else "c over budget"
        )
        total = f"{q['total']:,} hits" if q["total"] is not None else "over budget"
        print(
            f"  {q['kind']:<8} {q['text']!r}{' [' + filters + ']' if filters else ''}{corrected}: {total}, "
            f"a {percentile(q['ms']['a'], 0.5):.1f}, a' {percentile(q['ms']['a_cached'], 0.5):.1f}, {sql}, d {percentile(q['ms']['d'], 0.5):.1f}"
        )
    if verbose:
        print()
        print("every query: kind, text, filters, hits of (a) / of (d), p50 of a b c d (ms)")
        for q in queries:
            print(
                f"  {q['kind']:<8} {q['text']!r} {q['filters'] or ''} {q['total']}/{q['naive_total']} "
                + " ".join(f"{percentile(q['ms'][name], 0.5):.1f}" for name in names)
            )


# --- main ---------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description="Time search (service, API, raw engine, naive ORM) on a generated catalog.")
    parser.add_argument("--products", type=int, default=10_000, help="data products to generate (default 10000)")
    parser.add_argument("--backend", choices=[*BACKENDS, "both"], default="both", help="database backend(s) to measure (default both)")
    parser.add_argument(
        "--keep-db",
        type=Path,
        metavar="PATH",
        help="keep the generated database at PATH: a SQLite file, or the PostgreSQL cluster's directory; "
        "with --backend both a directory holding sqlite.sqlite3 and postgresql/",
    )
    parser.add_argument(
        "--reuse-db", type=Path, metavar="PATH", help="measure on a database kept with --keep-db (reindexed when its index is not complete)"
    )
    parser.add_argument("--reindex", action="store_true", help="with --reuse-db: reindex (and time it) even when the index is complete")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="warm-up runs per query (default 1)")
    parser.add_argument("--naive-runs", type=int, help="timed runs per query for (d) (default: --runs; 0: skip (d))")
    parser.add_argument(
        "--budget",
        type=float,
        default=3.0,
        help="seconds one call of (a), (b) or (c) may take before the query is cut short and counted as at least that (default 3)",
    )
    parser.add_argument("--naive-budget", type=float, default=20.0, help="the same for (d) (default 20)")
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="also profile one pass of (a) with cProfile: print the top and save the stats to FILE ('-': print only)",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="write every measurement to FILE as JSON")
    parser.add_argument("--verbose", action="store_true", help="progress of every query, the generator's output, every query's figures")
    args = parser.parse_args()
    if args.keep_db and args.reuse_db:
        parser.error("--keep-db and --reuse-db: give one (a reused database is kept anyway)")

    if args.backend == "both":
        # One process per backend: Django's settings are fixed once per process.
        location = args.keep_db or args.reuse_db
        reports = []
        for backend in BACKENDS:
            command = [
                sys.executable,
                __file__,
                "--backend",
                backend,
                "--products",
                str(args.products),
                "--runs",
                str(args.runs),
                "--warmup",
                str(args.warmup),
            ]
            command += ["--budget", str(args.budget), "--naive-budget", str(args.naive_budget)]
            if location:
                path = location / ("sqlite.sqlite3" if backend == "sqlite" else "postgresql")
                if args.keep_db:
                    location.mkdir(parents=True, exist_ok=True)
                command += ["--keep-db" if args.keep_db else "--reuse-db", str(path)]
            for flag, value in (
                ("--naive-runs", args.naive_runs),
                ("--profile", args.profile and (args.profile if args.profile == "-" else f"{args.profile}.{backend}")),
            ):
                if value is not None:
                    command += [flag, str(value)]
            command += [flag for flag, on in (("--reindex", args.reindex), ("--verbose", args.verbose)) if on]
            with tempfile.NamedTemporaryFile(suffix=".json") as output:
                result = subprocess.run([*command, "--json", output.name])
                if result.returncode != 0:
                    return result.returncode
                reports.append(json.loads(Path(output.name).read_text()))
        print()
        print(f"summary, {args.products:,} products (ms):")
        print(
            f"{'backend':<11} {'a p50':>7} {'a p95':>7} {'b p50':>7} {'b p95':>7} {'c p50':>7} {'c p95':>7} {'d p50':>8} {'d p95':>8} {'a/c p95':>8} {'d/a p95':>8}"
        )
        for report in reports:
            values = {
                name: [percentile([t for q in report["queries"] for t in q["ms"][name]], fraction) for fraction in (0.5, 0.95)]
                for name in ("a", "b", "c", "d")
            }
            print(
                f"{report['backend']:<11} "
                + " ".join(f"{values[name][k]:>7.1f}" for name in ("a", "b", "c") for k in (0, 1))
                + f" {values['d'][0]:>8.1f} {values['d'][1]:>8.1f} {values['a'][1] / values['c'][1]:>8.2f} {values['d'][1] / values['a'][1]:>8.1f}"
            )
        if args.json:
            args.json.write_text(json.dumps(reports, indent=1))
        return 0

    path = args.keep_db or args.reuse_db
    report = run_backend(args, args.backend, path, reuse=args.reuse_db is not None)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
