"""SQLite FTS5: bm25 with column weights, porter stemming, prefix matching of
every word, and a trigram table of the catalog's words for typos."""

import functools
import sqlite3
import threading

from django.db import connection

from .database import (
    FACET_SELECT,
    SQL_ORDER,
    WALK_INDEX_ABOVE,
    Candidates,
    DatabaseBackend,
    Match,
    bump_generation,
    count_rows,
    grouped_rows,
    python_highlights,
    subtract_rows,
    total_rows,
)
from .documents import ProductDocument
from .types import SearchQuery

FTS = "catalog_search_fts"
# Column weights for bm25, in the table's column order: a match in the name
# outweighs one in the tags, summary, domain, ports, description or a field.
WEIGHTS = {"name": 10.0, "summary": 4.0, "description": 1.0, "domain": 3.0, "team": 2.0, "tags": 5.0, "ports": 1.5, "fields": 1.0}
BM25 = f"bm25({FTS}, {', '.join(str(weight) for weight in WEIGHTS.values())})"
# Above this share of the catalog, a match's facets are counted from the
# products that do not match (see SQLiteBackend.count_rows).
BROAD_MATCH = 0.6
# The index's tokenizer, as migration 0003 created it.
TOKENIZE = "porter unicode61 remove_diacritics 2"


@functools.cache
def _tokenizer() -> sqlite3.Connection:
    """A private in-memory FTS5 table with the index's tokenizer, to stem
    with: its fts5vocab table lists the tokens of the one row it holds."""
    tokenizer = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
    tokenizer.execute(f"CREATE VIRTUAL TABLE words USING fts5(word, tokenize = '{TOKENIZE}')")
    tokenizer.execute("CREATE VIRTUAL TABLE tokens USING fts5vocab(words, 'instance')")
    return tokenizer


_tokenizer_lock = threading.Lock()


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """`word` as the index holds it (its tokens, space-separated), from FTS5
    itself (the same SQLite library as Django's connection), so that the
    highlights mark what the index matched. Python's stemmers do not quite
    agree with FTS5's: Snowball english keeps "general" and "generate" apart;
    Snowball's "porter" follows the published algorithm where FTS5 follows
    Porter's C code ("possibly" and "possible" are one stem only in FTS5),
    and FTS5 leaves words under three letters unstemmed ("as") and folds
    diacritics ("café")."""
    with _tokenizer_lock:
        tokenizer = _tokenizer()
        tokenizer.execute("INSERT INTO words (rowid, word) VALUES (1, ?)", [word])
        try:
            return " ".join(token for (token,) in tokenizer.execute("SELECT term FROM tokens ORDER BY offset"))
        finally:
            tokenizer.execute("DELETE FROM words")


def fts_string(term: str) -> str:
    """An FTS5 string literal: the term is always data, never syntax."""
    return '"' + term.replace('"', '""') + '"'


def match_expression(match: Match, *, column: str | None = None) -> str:
    """Every word must match: as itself (stemmed), as a prefix, as one of the
    catalog's words it starts, or as its correction. Porter stems query
    prefixes too ("roy" becomes "roi"), hence the expansion into whole words."""
    parts = []
    for term in match.terms:
        options = [fts_string(word) for word in match.options(term)]
        if len(term) >= 3:
            options.insert(1, fts_string(term) + "*")
        parts.append("(" + " OR ".join(options) + ")")
    expression = " AND ".join(parts)
    return f"{{{column}}} : ({expression})" if column else expression


class SQLiteBackend(DatabaseBackend):
    name = "sqlite"

    def words_starting_with(self, term, limit):
        # A range scan of the primary key; the shortest words are the likeliest.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT term FROM (SELECT term FROM catalog_search_term WHERE term >= %s AND term < %s LIMIT 200) ORDER BY length(term), term LIMIT %s",
                [term, term + "\U0010ffff", limit],
            )
            return [row[0] for row in cursor.fetchall()]

    def correction_candidates(self, term):
        # Words at least about as long that start like the typed one (a range
        # scan of the primary key): typos rarely hit the first letters, and
        # scoring every word that shares a trigram costs far more.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT term FROM catalog_search_term WHERE term >= %s AND term < %s AND length(term) >= %s LIMIT 5000",
                [term[:2], term[:2] + "\U0010ffff", len(term) - 2],
            )
            return [row[0] for row in cursor.fetchall()]

    def ranked_ids(self, match: Match, candidates: Candidates, query: SearchQuery, total: int):
        """Relevance ranks in tiers: products whose name has every word first
        (exact name, then the shortest name — what bm25's length
        normalisation of the name amounts to — then consumers), then the other
        matches by bm25 with column weights. A page inside the first tier
        scores nothing: a common word in 20 000 names costs a sort, not
        20 000 bm25 evaluations."""
        expression = match_expression(match)
        if query.sort != "relevance":
            sql = f"""
                SELECT p.id, 0 FROM catalog_dataproduct p
                WHERE p.id IN (SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s) AND {candidates.sql}
                ORDER BY {SQL_ORDER[query.sort]} LIMIT %s OFFSET %s
            """
            return self._rows(sql, [expression, *candidates.params, query.page_size, query.offset])
        wanted = query.offset + query.page_size
        in_name = match_expression(match, column="name")
        in_tier = f"p.id IN (SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s) AND {candidates.sql}"
        ranked = self._rows(
            f"SELECT p.id, 0 FROM catalog_dataproduct p WHERE lower(p.name) = %s AND {in_tier} ORDER BY p.id LIMIT %s",
            [match.exact_name, in_name, *candidates.params, wanted],
        )
        walk = "INDEXED BY product_name_rank" if total > WALK_INDEX_ABOVE else ""
        ranked += self._rows(
            f"""
            SELECT p.id, 0 FROM catalog_dataproduct p {walk}
            WHERE lower(p.name) != %s AND {in_tier}
            ORDER BY length(p.name), p.consumer_count DESC, p.name, p.id
            LIMIT %s
            """,
            [match.exact_name, in_name, *candidates.params, wanted - len(ranked)],
        )
        if len(ranked) < wanted:
            elsewhere = f"({expression}) NOT ({in_name})"
            ranked += self._ranked(elsewhere, match, candidates, wanted - len(ranked))
        return ranked[query.offset : wanted]

    def _ranked(self, expression, match, candidates: Candidates, limit):
        # The matches are computed once, first (MATERIALIZED): joined directly,
        # SQLite may drive from the product table and rerun MATCH per row.
        sql = f"""
            WITH hits AS MATERIALIZED (SELECT rowid AS id, {BM25} AS score FROM {FTS} WHERE {FTS} MATCH %s)
            SELECT p.id, -hits.score FROM hits JOIN catalog_dataproduct p ON p.id = hits.id
            WHERE {candidates.sql}
            ORDER BY lower(p.name) = %s DESC, hits.score, p.consumer_count DESC, p.name, p.id
            LIMIT %s
        """
        return self._rows(sql, [expression, *candidates.params, match.exact_name, limit])

    def count_rows(self, match_sql, match_params, where, params):
        """For a broad match (a common word: 60 000 to 90 000 of 100 000
        products), the facet counts are those of every candidate (kept per
        index generation, see total_rows) less those of the few candidates
        that do not match: a scan of the product_facets index, and tag links
        looked up for the rest only. Counted directly, each match costs a
        product row lookup and its tags a join: 300-500 ms against ~100 ms."""
        if not match_sql:
            return count_rows(match_sql, match_params, where, params)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM ({match_sql})", match_params)  # ~15-30 ms for a common word
            matches = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM catalog_dataproduct")  # ~2 ms: a scan of the narrowest index
            products = cursor.fetchone()[0]
        if matches <= products * BROAD_MATCH:
            return count_rows(match_sql, match_params, where, params)
        totals = total_rows(where, params)
        if totals is None:
            return count_rows(match_sql, match_params, where, params)
        rest = grouped_rows(
            f"{FACET_SELECT} INDEXED BY product_facets WHERE p.id NOT IN ({match_sql}) AND {where}",
            [*match_params, *params],
        )
        return subtract_rows(totals, rest)

    def _rows(self, sql, params):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [(row[0], float(row[1])) for row in cursor.fetchall()]

    def match_sql(self, match: Match):
        return f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s", [match_expression(match)]

    def highlights(self, match: Match, product_ids):
        placeholders = ", ".join(["%s"] * len(product_ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid, name, summary, description || ' ' || ports || ' ' || fields FROM {FTS} WHERE rowid IN ({placeholders})",
                list(product_ids),
            )
            return python_highlights(match, cursor.fetchall(), stem)

    def suggest_ids(self, terms, candidates: Candidates, limit):
        expression = match_expression(self.match(terms), column="name")
        sql = f"""
            WITH hits AS MATERIALIZED (SELECT rowid AS id, {BM25} AS score FROM {FTS} WHERE {FTS} MATCH %s)
            SELECT p.id FROM hits JOIN catalog_dataproduct p ON p.id = hits.id
            WHERE {candidates.sql}
            ORDER BY lower(p.name) LIKE %s ESCAPE '\\' DESC, hits.score, p.consumer_count DESC, p.name LIMIT %s
        """
        starts = " ".join(terms).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        with connection.cursor() as cursor:
            cursor.execute(sql, [expression, *candidates.params, starts, limit])
            return [row[0] for row in cursor.fetchall()]

    def write(self, documents: list[ProductDocument]) -> None:
        rows = [
            (
                d.product_id,
                d.name,
                d.summary,
                d.description,
                f"{d.domain_name} {d.domain}",
                f"{d.owner_team_name} {d.owner_team}",
                d.tags_text,
                d.ports,
                d.fields,
            )
            for d in documents
        ]
        words = sorted({word for d in documents for word in d.words()})
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {FTS} (rowid, name, summary, description, domain, team, tags, ports, fields) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                rows,
            )
            if words:
                new = []
                for start in range(0, len(words), 500):
                    chunk = words[start : start + 500]
                    cursor.execute(f"SELECT term FROM catalog_search_term WHERE term IN ({', '.join(['%s'] * len(chunk))})", chunk)
                    known = {row[0] for row in cursor.fetchall()}
                    new.extend(word for word in chunk if word not in known)
                cursor.executemany("INSERT INTO catalog_search_term (term) VALUES (%s)", [(word,) for word in new])
                cursor.executemany("INSERT INTO catalog_search_term_trigram (term) VALUES (%s)", [(word,) for word in new])

    def delete(self, product_ids):
        if not product_ids:
            return
        with connection.cursor() as cursor:
            for start in range(0, len(product_ids), 500):
                chunk = product_ids[start : start + 500]
                cursor.execute(f"DELETE FROM {FTS} WHERE rowid IN ({', '.join(['%s'] * len(chunk))})", chunk)

    def prune(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS} WHERE rowid NOT IN (SELECT id FROM catalog_dataproduct)")
        bump_generation()

    def clear(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS}")
            cursor.execute("DELETE FROM catalog_search_term")
            cursor.execute("DELETE FROM catalog_search_term_trigram")
        bump_generation()
