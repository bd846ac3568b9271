"""PostgreSQL: a weighted, stored tsvector per product with a GIN index,
ts_rank_cd, ts_headline, prefix matching of every word, and pg_trgm for typos
and name suggestions."""

from django.db import connection

from .database import (
    FACET_COLUMNS,
    MARK_END,
    MARK_START,
    SQL_ORDER,
    Candidates,
    DatabaseBackend,
    Match,
    bump_generation,
    highlights_from_rows,
)
from .documents import ProductDocument
from .types import SearchQuery

CONFIG = "english"
# Weights for D, C, B, A: name is A; tags and summary B; domain, team and ports C; description and fields D.
RANK_WEIGHTS = "{0.1, 0.3, 0.6, 1.0}"
HEADLINE = f"StartSel={MARK_START}, StopSel={MARK_END}, HighlightAll=true"
SNIPPET = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxFragments=1, MaxWords=24, MinWords=10, FragmentDelimiter=…"
VECTOR = (
    f"setweight(to_tsvector('{CONFIG}', %s), 'A') || setweight(to_tsvector('{CONFIG}', %s), 'B') || "
    f"setweight(to_tsvector('{CONFIG}', %s), 'C') || setweight(to_tsvector('{CONFIG}', %s), 'D')"
)
FACET_GROUPS = ", ".join(f"p.{column}" for column in FACET_COLUMNS)  # count_rows' combinations, grouped by


# The second ranking tier (words found elsewhere than in the name) scores at
# most this many matches, the most used first (see PostgreSQLBackend._ranked).
SCORED_AT_MOST = 2000


def tsquery(match: Match) -> tuple[str, list[str]]:
    """SQL for the query: every word as a prefix (to_tsquery of a word made of
    letters and digits only, with ':*'), or one of its expansions or its
    correction, AND-ed together.
    The words come from terms_of(), so no user syntax reaches to_tsquery."""
    parts, params = [], []
    for term in match.terms:
        words = [word for word in term.split("_") if word]
        option = " && ".join(f"to_tsquery('{CONFIG}', %s)" for _ in words) or "''::tsquery"
        params.extend(f"{word}:*" for word in words)
        for alternative in match.options(term)[1:]:
            option = f"({option}) || plainto_tsquery('{CONFIG}', %s)"
            params.append(alternative)
        parts.append(f"({option})")
    return " && ".join(parts), params


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class PostgreSQLBackend(DatabaseBackend):
    name = "postgresql"

    def words_starting_with(self, term, limit):
        # The trigram index serves the LIKE; the shortest words are the likeliest.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT term FROM (SELECT term FROM catalog_search_term WHERE term LIKE %s LIMIT 200) AS t ORDER BY length(term), term LIMIT %s",
                [like_escape(term) + "%", limit],
            )
            return [row[0] for row in cursor.fetchall()]

    def correction_candidates(self, term):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT term FROM catalog_search_term WHERE term %% %s ORDER BY similarity(term, %s) DESC, term LIMIT 20",
                [term, term],
            )
            return [row[0] for row in cursor.fetchall()]

    def ranked_ids(self, match: Match, candidates: Candidates, query: SearchQuery, total: int):
        """Relevance ranks in tiers, as on SQLite: products whose name has
        every word first (exact name, shortest name, consumers), found through
        the name's own GIN index, then the other matches by ts_rank_cd."""
        query_sql, query_params = tsquery(match)
        if query.sort != "relevance":
            sql = f"""
                SELECT p.id, 0 FROM catalog_dataproduct p
                WHERE p.id IN (SELECT product_id FROM catalog_search_document WHERE vector @@ ({query_sql})) AND {candidates.sql}
                ORDER BY {SQL_ORDER[query.sort]} LIMIT %s OFFSET %s
            """
            return self._rows(sql, [*query_params, *candidates.params, query.page_size, query.offset])
        wanted = query.offset + query.page_size
        # The first tier costs a sort, not a ts_rank_cd per name match (see sqlite.py).
        ranked = self._rows(
            f"""
            WITH q AS (SELECT {query_sql} AS query)
            SELECT p.id, 0 FROM q, catalog_search_document d JOIN catalog_dataproduct p ON p.id = d.product_id
            WHERE d.name_vector @@ q.query AND {candidates.sql}
            ORDER BY lower(p.name) = %s DESC, length(p.name), p.consumer_count DESC, p.name, p.id
            LIMIT %s
            """,
            [*query_params, *candidates.params, match.exact_name, wanted],
        )
        if len(ranked) < wanted:
            ranked += self._ranked(
                "d.vector @@ q.query AND NOT d.name_vector @@ q.query", query_sql, query_params, match, candidates, wanted - len(ranked)
            )
        return ranked[query.offset : wanted]

    def _ranked(self, condition, query_sql, query_params, match, candidates: Candidates, limit):
        # ts_rank_cd reads each match's whole vector (2.3 kB on average, out
        # of line): scoring the 45 000 matches of a phrase such as "play plan"
        # took 1.5 s. Only the most used matches, up to SCORED_AT_MOST, are
        # scored; a search with fewer matches ranks exactly as before.
        sql = f"""
            WITH q AS (SELECT {query_sql} AS query),
            scored AS MATERIALIZED (
                SELECT p.id FROM q, catalog_search_document d JOIN catalog_dataproduct p ON p.id = d.product_id
                WHERE {condition} AND {candidates.sql}
                ORDER BY p.consumer_count DESC, p.id
                LIMIT %s
            )
            SELECT p.id, ts_rank_cd('{RANK_WEIGHTS}', d.vector, q.query) AS score
            FROM q, scored JOIN catalog_search_document d ON d.product_id = scored.id JOIN catalog_dataproduct p ON p.id = scored.id
            ORDER BY lower(p.name) = %s DESC, score DESC, p.consumer_count DESC, p.name, p.id
            LIMIT %s
        """
        return self._rows(sql, [*query_params, *candidates.params, max(SCORED_AT_MOST, limit), match.exact_name, limit])

    def count_rows(self, match_sql, match_params, where, params):
        """Two statements, one per kind of facet: PostgreSQL runs the one
        statement of the other backends (the matches materialized, then
        grouped twice) four times slower for a broad match (2.2 s for `data`)."""
        params = list(params)
        if match_sql:
            where, params = f"p.id IN ({match_sql}) AND {where}", [*match_params, *params]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {FACET_GROUPS}, count(*) FROM catalog_dataproduct p WHERE {where} GROUP BY {FACET_GROUPS}",
                params,
            )
            combinations = cursor.fetchall()
            cursor.execute(
                f"SELECT t.tag_id, p.status = 'draft', count(*) FROM catalog_dataproduct_tags t JOIN catalog_dataproduct p ON p.id = t.dataproduct_id "
                f"WHERE {where} GROUP BY 1, 2",
                params,
            )
            tag_counts = cursor.fetchall()
        return combinations, tag_counts

    def _rows(self, sql, params):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [(row[0], float(row[1])) for row in cursor.fetchall()]

    def match_sql(self, match: Match):
        query_sql, query_params = tsquery(match)
        return f"SELECT product_id FROM catalog_search_document WHERE vector @@ ({query_sql})", query_params

    def highlights(self, match: Match, product_ids):
        query_sql, query_params = tsquery(match)
        sql = f"""
            WITH q AS (SELECT {query_sql} AS query)
            SELECT p.id,
                   ts_headline('{CONFIG}', p.name, q.query, %s),
                   ts_headline('{CONFIG}', p.summary, q.query, %s),
                   ts_headline('{CONFIG}', d.body, q.query, %s)
            FROM q, catalog_dataproduct p JOIN catalog_search_document d ON d.product_id = p.id
            WHERE p.id = ANY(%s)
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [*query_params, HEADLINE, HEADLINE, SNIPPET, list(product_ids)])
            return highlights_from_rows(cursor.fetchall())

    def suggest_ids(self, terms, candidates: Candidates, limit):
        typed = " ".join(terms)
        sql = f"""
            SELECT p.id FROM catalog_dataproduct p
            WHERE lower(p.name) LIKE %s AND {candidates.sql}
            ORDER BY lower(p.name) LIKE %s DESC, similarity(lower(p.name), %s) DESC, p.consumer_count DESC, p.name
            LIMIT %s
        """
        like_any = "%" + like_escape(typed) + "%"
        like_start = like_any[1:]
        with connection.cursor() as cursor:
            cursor.execute(sql, [like_any, *candidates.params, like_start, typed, limit])
            return [row[0] for row in cursor.fetchall()]

    def write(self, documents: list[ProductDocument]) -> None:
        rows = []
        for d in documents:
            rows.append(
                (
                    d.product_id,
                    d.name,
                    f"{d.tags_text} {d.summary}",
                    f"{d.domain_name} {d.domain} {d.owner_team_name} {d.owner_team} {d.ports}",
                    f"{d.description}\n{d.fields}",
                    f"{d.description}\n{d.ports}\n{d.fields}",
                    d.name,
                )
            )
        words = sorted({word for d in documents for word in d.words()})
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO catalog_search_document (product_id, vector, body, name_vector) VALUES (%s, {VECTOR}, %s, to_tsvector('{CONFIG}', %s)) "
                "ON CONFLICT (product_id) DO UPDATE SET vector = EXCLUDED.vector, body = EXCLUDED.body, name_vector = EXCLUDED.name_vector",
                rows,
            )
            if words:
                cursor.execute("INSERT INTO catalog_search_term (term) SELECT unnest(%s::text[]) ON CONFLICT DO NOTHING", [words])

    def delete(self, product_ids):
        if product_ids:
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM catalog_search_document WHERE product_id = ANY(%s)", [list(product_ids)])

    def prune(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM catalog_search_document d WHERE NOT EXISTS (SELECT 1 FROM catalog_dataproduct p WHERE p.id = d.product_id)"
            )
        bump_generation()

    def clear(self):
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE catalog_search_document, catalog_search_term")
        bump_generation()
