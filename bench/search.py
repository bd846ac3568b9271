"""Time search on a generated catalog, per database backend.

    .venv/bin/python bench/search.py --products 10000 --backend both

For each backend (SQLite FTS5, PostgreSQL full text) it makes a database (a
temporary SQLite file, or a throwaway PostgreSQL cluster started from the
installed binaries as tests/conftest.py does), migrates it, runs
`generate_catalog --products N --seed 0` and `reindex` (both timed), then runs
a fixed set of about 60 queries built from catalog.vocabulary and times, per
query, 1 warm-up and 5 timed runs of:

  (a) search.search(SearchQuery(...), user=...): the service the page and the
      API call, facets included, for a signed-in member of one team;
  (b) GET /api/v1/search/ through Django's test Client, in-process (no socket):
      middleware, session, DRF, the serializer and the JSON rendering;
  (c) the floor: the same statements the backend runs (term check and typo
      candidates, ranked page, count, the six facet GROUP BYs, highlights,
      the page's rows and tags, the user's drafts) on a raw sqlite3 / psycopg
      connection, with no Django around them;
  (d) a naive ORM search: icontains on name, summary and description, AND-ed
      over the words, ordered by name, 20 rows, count and the same facets.

It prints p50/p95 of each, the ratios (a)/(c) and (d)/(a), the targets, a
breakdown of (a) by query class, and where (a)'s database time goes (its own
statements, captured and replayed on a raw connection, grouped by stage).
See bench/README.md ("search.py") for the options and the figures so far.
"""

from __future__ import annotations

import argparse
import difflib
import json
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

ROOT = Path(__file__).resolve().parent.parent
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
    from catalog import vocabulary

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


def timed(function, runs: int, warmup: int) -> tuple[list[float], object]:
    result = None
    for _ in range(warmup):
        result = function()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def placeholders(values) -> str:
    return ", ".join(["%s"] * len(values))


class Floor:
    """(c): the statements the database backend runs for a search, written out
    and run on a raw DB-API connection (sqlite3, or psycopg with the client-side
    binding Django uses), with no ORM, no model instances, no Django cursor
    wrapper. The SQL text comes from the backend's own helpers (match
    expression, bm25 weights, tsquery) so both ask the engine the same thing.
    `stages` collects the time of each step, for the breakdown."""

    def __init__(self, vendor: str, connection, user_id: int, view_permission_id: int):
        self.vendor = vendor
        self.connection = connection
        self.user_id = user_id
        self.view_permission_id = view_permission_id
        self.stages: dict[str, list[float]] = defaultdict(list)

    def run(self, query: BenchQuery) -> tuple[int, list[int]]:
        from catalog.search.types import terms_of

        stage_times: dict[str, float] = {}
        cursor = self.connection.cursor()

        def execute(stage: str, sql: str, params) -> list:
            started = time.perf_counter()
            if self.vendor == "sqlite":
                sql = sql.replace("%%", "%").replace("%s", "?")
            cursor.execute(sql, list(params))
            rows = cursor.fetchall()
            stage_times[stage] = stage_times.get(stage, 0.0) + (time.perf_counter() - started) * 1000
            return rows

        # The user's drafts (guardian's view permission through their team groups, or their own).
        drafts = [
            row[0]
            for row in execute(
                "visibility",
                """SELECT p.id FROM catalog_dataproduct p WHERE p.status = 'draft' AND (
                       p.id IN (SELECT g.content_object_id FROM catalog_dataproductgroupobjectpermission g
                                JOIN auth_user_groups ug ON ug.group_id = g.group_id
                                WHERE ug.user_id = %s AND g.permission_id = %s)
                    OR p.id IN (SELECT u.content_object_id FROM catalog_dataproductuserobjectpermission u
                                WHERE u.user_id = %s AND u.permission_id = %s))""",
                [self.user_id, self.view_permission_id, self.user_id, self.view_permission_id],
            )
        ]
        candidate_sql, candidate_params = self.candidates(query.filters, drafts)
        terms = terms_of(query.text)
        corrections = self.correct(terms, execute)
        if self.vendor == "sqlite":
            page, total, matched_sql, matched_params = self.rank_sqlite(terms, corrections, candidate_sql, candidate_params, execute)
        else:
            page, total, matched_sql, matched_params = self.rank_postgresql(terms, corrections, candidate_sql, candidate_params, execute)
        self.facets(matched_sql, matched_params, execute)
        page_ids = [row[0] for row in page]
        if page_ids:
            self.highlight(terms, corrections, page_ids, execute)
            execute(
                "hits",
                f"""SELECT p.id, p.slug, p.name, p.summary, p.status, p.kind, p.classification, p.contains_pii,
                           d.slug, d.name, t.slug, t.name
                    FROM catalog_dataproduct p JOIN catalog_domain d ON d.id = p.domain_id JOIN catalog_team t ON t.id = p.owner_team_id
                    WHERE p.id IN ({placeholders(page_ids)})""",
                page_ids,
            )
            execute(
                "hits",
                f"""SELECT pt.dataproduct_id, g.name FROM catalog_dataproduct_tags pt JOIN catalog_tag g ON g.id = pt.tag_id
                    WHERE pt.dataproduct_id IN ({placeholders(page_ids)})""",
                page_ids,
            )
        cursor.close()
        for stage, milliseconds in stage_times.items():
            self.stages[stage].append(milliseconds)
        return total, page_ids

    def candidates(self, filters, drafts) -> tuple[str, list]:
        """Visible products passing the filters (as database.filtered_products), as `SELECT c.id ...`."""
        where = ["(NOT (c.status = 'draft')" + (f" OR c.id IN ({placeholders(drafts)}))" if drafts else ")")]
        params: list = list(drafts)
        if filters.get("domain"):
            where.append(f"c.domain_id IN (SELECT id FROM catalog_domain WHERE slug IN ({placeholders(filters['domain'])}))")
            params.extend(filters["domain"])
        if filters.get("owner_team"):
            where.append(f"c.owner_team_id IN (SELECT id FROM catalog_team WHERE slug IN ({placeholders(filters['owner_team'])}))")
            params.extend(filters["owner_team"])
        for name in ("classification", "status", "kind"):
            if filters.get(name):
                where.append(f"c.{name} IN ({placeholders(filters[name])})")
                params.extend(filters[name])
        for tag in filters.get("tag", ()):
            where.append(
                "c.id IN (SELECT ct.dataproduct_id FROM catalog_dataproduct_tags ct JOIN catalog_tag cg ON cg.id = ct.tag_id WHERE cg.name = %s)"
            )
            params.append(tag)
        return f"SELECT c.id FROM catalog_dataproduct c WHERE {' AND '.join(where)}", params

    def correct(self, terms: list[str], execute) -> dict[str, str]:
        """DatabaseBackend.correct: a term the catalog does not know (as a word or a word's start) gets the most similar known word."""
        from catalog.search.database import MIN_CORRECTION_SIMILARITY
        from catalog.search.postgresql import like_escape

        corrections = {}
        for term in terms:
            if self.vendor == "sqlite":
                known = execute("terms", "SELECT 1 FROM catalog_search_term WHERE term >= %s AND term < %s LIMIT 1", [term, term + "\U0010ffff"])
            else:
                known = execute("terms", "SELECT 1 FROM catalog_search_term WHERE term LIKE %s LIMIT 1", [like_escape(term) + "%"])
            if known or len(term) < 4 or term.isdigit():
                continue
            if self.vendor == "sqlite":
                from catalog.search.sqlite import fts_string

                expression = " OR ".join(fts_string(gram) for gram in sorted({term[i : i + 3] for i in range(len(term) - 2)}))
                rows = execute(
                    "typo candidates",
                    "SELECT term FROM catalog_search_term_trigram WHERE catalog_search_term_trigram MATCH %s ORDER BY rank LIMIT 40",
                    [expression],
                )
            else:
                rows = execute(
                    "typo candidates",
                    "SELECT term FROM catalog_search_term WHERE term %% %s ORDER BY similarity(term, %s) DESC, term LIMIT 20",
                    [term, term],
                )
            scored = [(difflib.SequenceMatcher(None, term, row[0]).ratio(), row[0]) for row in rows if row[0] != term]
            scored = [pair for pair in scored if pair[0] >= MIN_CORRECTION_SIMILARITY]
            if scored:
                corrections[term] = max(scored)[1]
        return corrections

    def rank_sqlite(self, terms, corrections, candidate_sql, candidate_params, execute):
        from catalog.search.database import Match
        from catalog.search.sqlite import BM25, FTS, match_expression

        expression = match_expression(Match(terms=terms, corrections=corrections, exact_name=" ".join(terms)))
        page = execute(
            "rank page",
            f"""SELECT p.id, {BM25} AS score, lower(p.name) = %s AS exact
                FROM {FTS} JOIN catalog_dataproduct p ON p.id = {FTS}.rowid
                WHERE {FTS} MATCH %s AND p.id IN ({candidate_sql})
                ORDER BY exact DESC, score, p.consumer_count DESC, p.name, p.id LIMIT %s OFFSET 0""",
            [" ".join(terms), expression, *candidate_params, PAGE_SIZE],
        )
        total = execute("count", f"SELECT count(*) FROM {FTS} WHERE {FTS} MATCH %s AND rowid IN ({candidate_sql})", [expression, *candidate_params])[0][0]
        matched_sql = f"{candidate_sql} AND c.id IN (SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s)"
        return page, total, matched_sql, [*candidate_params, expression]

    def rank_postgresql(self, terms, corrections, candidate_sql, candidate_params, execute):
        from catalog.search.database import Match
        from catalog.search.postgresql import RANK_WEIGHTS, tsquery

        query_sql, query_params = tsquery(Match(terms=terms, corrections=corrections, exact_name=" ".join(terms)))
        page = execute(
            "rank page",
            f"""WITH q AS (SELECT {query_sql} AS query)
                SELECT p.id, ts_rank_cd('{RANK_WEIGHTS}', d.vector, q.query) AS score, lower(p.name) = %s AS exact
                FROM q, catalog_search_document d JOIN catalog_dataproduct p ON p.id = d.product_id
                WHERE d.vector @@ q.query AND p.id IN ({candidate_sql})
                ORDER BY exact DESC, score DESC, p.consumer_count DESC, p.name, p.id LIMIT %s OFFSET 0""",
            [*query_params, " ".join(terms), *candidate_params, PAGE_SIZE],
        )
        total = execute(
            "count",
            f"""WITH q AS (SELECT {query_sql} AS query)
                SELECT count(*) FROM q, catalog_search_document d WHERE d.vector @@ q.query AND d.product_id IN ({candidate_sql})""",
            [*query_params, *candidate_params],
        )[0][0]
        matched_sql = f"{candidate_sql} AND c.id IN (SELECT product_id FROM catalog_search_document WHERE vector @@ ({query_sql}))"
        return page, total, matched_sql, [*candidate_params, *query_params]

    def facets(self, matched_sql, matched_params, execute) -> None:
        """database.facet_counts: six GROUP BYs over the matching products, each with the match as a subquery."""
        base = f"FROM catalog_dataproduct p {{join}} WHERE p.id IN ({matched_sql})"
        statements = [
            ("SELECT d.slug, d.name, COUNT(p.id)", "JOIN catalog_domain d ON d.id = p.domain_id", "GROUP BY d.slug, d.name"),
            (
                "SELECT g.name, g.name, COUNT(p.id)",
                "JOIN catalog_dataproduct_tags pt ON pt.dataproduct_id = p.id JOIN catalog_tag g ON g.id = pt.tag_id",
                "GROUP BY g.name ORDER BY 3 DESC LIMIT 60",
            ),
            ("SELECT p.classification, p.classification, COUNT(p.id)", "", "GROUP BY p.classification"),
            ("SELECT p.status, p.status, COUNT(p.id)", "", "GROUP BY p.status"),
            ("SELECT p.kind, p.kind, COUNT(p.id)", "", "GROUP BY p.kind"),
            ("SELECT t.slug, t.name, COUNT(p.id)", "JOIN catalog_team t ON t.id = p.owner_team_id", "GROUP BY t.slug, t.name"),
        ]
        for select, join, group in statements:
            execute("facets", f"{select} {base.format(join=join)} {group}", matched_params)

    def highlight(self, terms, corrections, page_ids, execute) -> None:
        from catalog.search.database import MARK_END, MARK_START, Match

        match = Match(terms=terms, corrections=corrections, exact_name=" ".join(terms))
        if self.vendor == "sqlite":
            from catalog.search.sqlite import FTS, match_expression

            execute(
                "highlights",
                f"""SELECT rowid, highlight({FTS}, 0, %s, %s), highlight({FTS}, 1, %s, %s), snippet({FTS}, -1, %s, %s, '…', 16)
                    FROM {FTS} WHERE {FTS} MATCH %s AND rowid IN ({placeholders(page_ids)})""",
                [*[MARK_START, MARK_END] * 3, match_expression(match), *page_ids],
            )
        else:
            from catalog.search.postgresql import CONFIG, HEADLINE, SNIPPET, tsquery

            query_sql, query_params = tsquery(match)
            execute(
                "highlights",
                f"""WITH q AS (SELECT {query_sql} AS query)
                    SELECT p.id, ts_headline('{CONFIG}', p.name, q.query, %s), ts_headline('{CONFIG}', p.summary, q.query, %s),
                           ts_headline('{CONFIG}', d.body, q.query, %s)
                    FROM q, catalog_dataproduct p JOIN catalog_search_document d ON d.product_id = p.id
                    WHERE p.id = ANY(%s)""",
                [*query_params, HEADLINE, HEADLINE, SNIPPET, list(page_ids)],
            )


def stage_of(sql: str) -> str:
    """Which step of a search one of (a)'s statements is."""
    lowered = sql.lower()
    if "bm25(" in lowered or "ts_rank_cd(" in lowered:
        return "rank page"
    if "highlight(" in lowered or "ts_headline(" in lowered:
        return "highlights"
    if "catalog_search_term" in lowered:
        return "typo candidates" if ("trigram match" in lowered or "similarity(" in lowered) else "terms"
    if "group by" in lowered:
        return "facets"
    if "count(*)" in lowered:
        return "count"
    if "objectpermission" in lowered or "auth_" in lowered or "guardian" in lowered:
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


def configure_environment(database_url: str) -> None:
    """Settings as in production (DEBUG off: no query log; Django's SQLite
    query log would even run an extra QUOTE() query per statement), the
    database's own search backend, tasks eager."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "marketplace.settings"
    os.environ["DEBUG"] = "false"
    os.environ["SECRET_KEY"] = "bench-search-" + "x" * 40
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["SECURE_COOKIES"] = "false"
    os.environ["SEARCH_BACKEND"] = "database"
    os.environ["ELASTICSEARCH_URL"] = ""
    os.environ["CELERY_BROKER_URL"] = ""
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))


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
        configure_environment(f"sqlite:///{db_path.resolve()}")
    else:
        Cluster = postgres_cluster_class()
        if reuse and not (db_path / "data" / "PG_VERSION").exists():
            raise SystemExit(f"--reuse-db: {db_path} holds no PostgreSQL cluster (no data/PG_VERSION)")
        cluster = Cluster(db_path)
        cluster.start()
        cluster.create_database()
        configure_environment(cluster.url())
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
    from django.contrib.auth.models import Permission
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count, Q
    from django.test import Client

    from catalog import search
    from catalog.models import DataProduct, Domain, Tag
    from catalog.queries import visible_products
    from catalog.search.types import SearchQuery, terms_of

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
    print()
    print(f"=== {backend}: {products:,} products ===")
    print(f"machine:      {machine}")
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
        Domain.objects.filter(slug__startswith=f"gen-{SEED}-").annotate(n=Count("products")).order_by("-n", "slug").values_list("slug", flat=True)
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

    results: dict[str, dict[int, list[float]]] = {name: {} for name in ("a", "b", "c", "d")}
    totals: dict[str, dict[int, int]] = {name: {} for name in ("a", "c", "d")}
    pages: dict[str, dict[int, list[int]]] = {name: {} for name in ("a", "c")}
    corrections: dict[int, dict] = {}
    replays: dict[int, dict[str, float]] = {}
    statements_per_query: dict[int, int] = {}
    progress_every = max(1, len(queries) // 4)

    def progress(label: str, index: int) -> None:
        if args.verbose or index % progress_every == 0:
            print(f"  {label}: {index + 1}/{len(queries)}", file=sys.stderr, flush=True)

    # (a) the search service, facets included.
    raw = open_raw_connection(vendor, connection)
    for index, query in enumerate(queries):
        progress("(a) search.search", index)
        times, result = timed(lambda: search.search(search_query(query), user=user), runs, warmup)
        results["a"][index] = times
        totals["a"][index] = result.total
        pages["a"][index] = [hit.product_id for hit in result.hits]
        corrections[index] = result.corrections
        capture = Capture()
        with connection.execute_wrapper(capture):
            search.search(search_query(query), user=user)
        statements_per_query[index] = len(capture.statements)
        # (a)'s own statements replayed raw: the database's share of (a), per stage (best of 3).
        best: dict[str, float] | None = None
        for _ in range(3):
            stage_times = replay(vendor, raw, capture.statements)
            if best is None or sum(stage_times.values()) < sum(best.values()):
                best = stage_times
        replays[index] = best

    # (b) the HTTP API, in-process.
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

        times, body = timed(get, runs, warmup)
        results["b"][index] = times
        if body["count"] != totals["a"][index]:
            print(f"  warning: the API counted {body['count']} for {query.label()}, search.search() {totals['a'][index]}")

    # (c) the floor: the same statements on a raw connection.
    view_permission = Permission.objects.get(codename="view_dataproduct", content_type__app_label="catalog")
    floor = Floor(vendor, raw, user.pk, view_permission.pk)
    for index, query in enumerate(queries):
        progress("(c) floor", index)
        times, (total, page_ids) = timed(lambda: floor.run(query), runs, warmup)
        results["c"][index] = times
        totals["c"][index] = total
        pages["c"][index] = page_ids
    disagree = [queries[i].label() for i in range(len(queries)) if (totals["a"][i], pages["a"][i]) != (totals["c"][i], pages["c"][i])]

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

    for index, query in enumerate(queries):
        progress("(d) naive icontains", index)
        times, (total, _, _) = timed(lambda: naive(query), naive_runs, min(warmup, 1))
        results["d"][index] = times
        totals["d"][index] = total
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
            search.search(search_query(query), user=user)
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
        "floor_stages": dict(floor.stages),
        "floor_disagrees": disagree,
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
        host=settings["HOST"], port=settings["PORT"], user=settings["USER"], dbname=settings["NAME"], autocommit=True, cursor_factory=psycopg.ClientCursor
    )


# --- the report --------------------------------------------------------------------------


def print_report(report: dict, *, verbose: bool = False) -> None:
    queries = report["queries"]

    def all_times(name: str, kinds=None) -> list[float]:
        return [t for q in queries if kinds is None or q["kind"] in kinds for t in q["ms"][name]]

    stats = {name: (percentile(all_times(name), 0.5), percentile(all_times(name), 0.95)) for name in ("a", "b", "c", "d")}
    a50, a95 = stats["a"]
    c50, c95 = stats["c"]
    d50, d95 = stats["d"]
    labels = {
        "a": "(a) search.search() with facets",
        "b": "(b) GET /api/v1/search/ (in-process Client)",
        "c": "(c) floor: same SQL, raw " + ("sqlite3" if report["backend"] == "sqlite" else "psycopg"),
        "d": "(d) naive icontains ORM",
    }
    print()
    print(
        f"{report['backend']}, {report['products']:,} products: {len(queries)} queries x {report['runs']} timed runs "
        f"((d): x {report['naive_runs']}), after {report['warmup']} warm-up"
    )
    print(f"{'':<46} {'p50 ms':>8} {'p95 ms':>8}")
    for name in ("a", "b", "c", "d"):
        print(f"{labels[name]:<46} {stats[name][0]:>8.1f} {stats[name][1]:>8.1f}")
    print(f"{'ratio (a)/(c)':<46} {a50 / c50:>8.2f} {a95 / c95:>8.2f}")
    print(f"{'ratio (d)/(a)':<46} {d50 / a50:>8.1f} {d95 / a95:>8.1f}")
    at = "" if report["products"] >= 100_000 else f" (the targets are for 100 000 products; this is {report['products']:,})"
    print(f"targets{at}:")
    print(f"  p95 of (a) < {TARGET_P95_MS:.0f} ms:   {'met' if a95 < TARGET_P95_MS else 'MISSED'} ({a95:.1f} ms)")
    print(f"  (a)/(c) < {TARGET_A_OVER_C:.0f}:         {'met' if max(a50 / c50, a95 / c95) < TARGET_A_OVER_C else 'MISSED'} (p50 {a50 / c50:.2f}, p95 {a95 / c95:.2f})")
    print(f"  (d)/(a) >= {TARGET_D_OVER_A:.0f}:       {'met' if min(d50 / a50, d95 / a95) >= TARGET_D_OVER_A else 'MISSED'} (p50 {d50 / a50:.1f}, p95 {d95 / a95:.1f})")
    if report["floor_disagrees"]:
        print(f"  note: the floor's total or page differs from (a) for {len(report['floor_disagrees'])} queries: {report['floor_disagrees'][:5]}")
    else:
        print("  the floor returned the same totals and pages as (a) for every query")

    kinds = list(dict.fromkeys(q["kind"] for q in queries))
    print()
    print("by query class (ms; hits = median total of (a); sql = (a)'s own statements replayed raw, mean per query):")
    print(f"{'class':<9} {'n':>3} {'hits':>7} {'a p50':>7} {'a p95':>7} {'b p50':>7} {'c p50':>7} {'c p95':>7} {'sql':>7} {'d p50':>8} {'d p95':>8}")
    for kind in kinds + ["all"]:
        chosen = None if kind == "all" else {kind}
        subset = [q for q in queries if chosen is None or q["kind"] in chosen]
        sql = statistics.mean(sum(q["sql_ms"].values()) for q in subset)
        hits = statistics.median(q["total"] for q in subset)
        row = [percentile(all_times(name, chosen), fraction) for name, fraction in (("a", 0.5), ("a", 0.95), ("b", 0.5), ("c", 0.5), ("c", 0.95))]
        d = [percentile(all_times("d", chosen), fraction) for fraction in (0.5, 0.95)]
        print(f"{kind:<9} {len(subset):>3} {hits:>7,.0f} " + " ".join(f"{value:>7.1f}" for value in row) + f" {sql:>7.1f} {d[0]:>8.1f} {d[1]:>8.1f}")

    stages = ["visibility", "terms", "typo candidates", "rank page", "count", "facets", "highlights", "hits"]
    print()
    print("where (a)'s time goes, mean ms per query: its statements replayed raw by stage, and the rest (Python: ORM, backend, hits):")
    print(f"{'class':<9} " + " ".join(f"{stage[:10]:>10}" for stage in stages) + f" {'sql total':>10} {'(a) mean':>10} {'python':>10}")
    for kind in kinds + ["all"]:
        subset = [q for q in queries if kind == "all" or q["kind"] == kind]
        means = [statistics.mean(q["sql_ms"].get(stage, 0.0) for q in subset) for stage in stages]
        total_sql = statistics.mean(sum(q["sql_ms"].values()) for q in subset)
        a_mean = statistics.mean(statistics.mean(q["ms"]["a"]) for q in subset)
        print(f"{kind:<9} " + " ".join(f"{value:>10.1f}" for value in means) + f" {total_sql:>10.1f} {a_mean:>10.1f} {a_mean - total_sql:>10.1f}")
    statements = [q["statements"] for q in queries]
    print(f"statements per search: {min(statements)}-{max(statements)} (median {statistics.median(statements):.0f})")

    floor_stages = report["floor_stages"]
    if floor_stages:
        print("(c) by stage, mean ms per run: " + ", ".join(f"{stage} {statistics.mean(values):.2f}" for stage, values in floor_stages.items()))

    slowest = sorted(range(len(queries)), key=lambda i: -percentile(queries[i]["ms"]["a"], 0.5))[: 10 if verbose else 5]
    print()
    print("slowest queries by p50 of (a) (ms):")
    for i in slowest:
        q = queries[i]
        filters = " ".join(f"{name}={'+'.join(values)}" for name, values in q["filters"].items())
        corrected = f" -> {q['corrections']}" if q["corrections"] else ""
        print(
            f"  {q['kind']:<8} {q['text']!r}{' [' + filters + ']' if filters else ''}{corrected}: {q['total']:,} hits, "
            f"a {percentile(q['ms']['a'], 0.5):.1f}, c {percentile(q['ms']['c'], 0.5):.1f}, sql {sum(q['sql_ms'].values()):.1f} "
            f"({', '.join(f'{s} {v:.1f}' for s, v in sorted(q['sql_ms'].items(), key=lambda item: -item[1])[:3])}), d {percentile(q['ms']['d'], 0.5):.1f}"
        )
    if verbose:
        print()
        print("every query: kind, text, filters, hits of (a) and (d), p50 of a b c d (ms)")
        for q in queries:
            print(
                f"  {q['kind']:<8} {q['text']!r} {q['filters'] or ''} {q['total']:,}/{q['naive_total']:,} "
                + " ".join(f"{percentile(q['ms'][name], 0.5):.1f}" for name in ("a", "b", "c", "d"))
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
    parser.add_argument("--reuse-db", type=Path, metavar="PATH", help="measure on a database kept with --keep-db (reindexed when its index is not complete)")
    parser.add_argument("--reindex", action="store_true", help="with --reuse-db: reindex (and time it) even when the index is complete")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="warm-up runs per query (default 1)")
    parser.add_argument("--naive-runs", type=int, help="timed runs per query for (d) (default: --runs)")
    parser.add_argument("--profile", metavar="FILE", help="also profile one pass of (a) with cProfile: print the top and save the stats to FILE ('-': print only)")
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
            command = [sys.executable, __file__, "--backend", backend, "--products", str(args.products), "--runs", str(args.runs), "--warmup", str(args.warmup)]
            if location:
                path = location / ("sqlite.sqlite3" if backend == "sqlite" else "postgresql")
                if args.keep_db:
                    location.mkdir(parents=True, exist_ok=True)
                command += ["--keep-db" if args.keep_db else "--reuse-db", str(path)]
            for flag, value in (("--naive-runs", args.naive_runs), ("--profile", args.profile and (args.profile if args.profile == "-" else f"{args.profile}.{backend}"))):
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
        print(f"{'backend':<11} {'a p50':>7} {'a p95':>7} {'b p50':>7} {'b p95':>7} {'c p50':>7} {'c p95':>7} {'d p50':>8} {'d p95':>8} {'a/c p95':>8} {'d/a p95':>8}")
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
