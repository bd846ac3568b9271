"""What the two database backends share: filters, visibility, facet counts,
ordering and hits are plain ORM over the catalog's tables; only matching,
ranking, snippets and typo correction are the engine's own (sqlite.py,
postgresql.py)."""

import difflib
import hashlib
import html
import re
from collections import Counter
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, Max

from catalog.models import DataProduct, Domain, SLOStatus, Tag, Team
from catalog.visibility import Visibility

from .documents import ProductDocument
from .models import SearchIndexState
from .types import FACET_NAMES, FACET_SIZE, WORD, FacetValue, Hit, SearchQuery, SearchResult, Suggestion, terms_of

FACET_CACHE_SECONDS = 600
WORD_OR_SPACE = re.compile(r"\w+|\W+")

# Marker characters around matches in engine snippets: never in catalog text,
# so snippets can be HTML-escaped first and marked up afterwards.
MARK_START, MARK_END = "\x02", "\x03"
MIN_CORRECTION_SIMILARITY = 0.75


def marked_to_html(text: str) -> str:
    """Escape an engine's snippet, then turn its markers into <mark> tags."""
    return html.escape(text).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


SNIPPET_WORDS = 24


def _marker(match: "Match", stem):
    """A test for whether a word of a product's text matches the query: the
    same stem as one of the words it stands for, or typed in part. `stem` is
    the engine's own stemming, so that what it matches is what gets marked."""
    # A word the engine keeps no token of ("") stands for nothing.
    stems = {stem(word) for term in match.terms for word in match.options(term)} - {""}
    prefixes = tuple(term for term in match.terms if len(term) >= 3)

    def matches(word: str) -> bool:
        word = word.lower()
        return word.startswith(prefixes) or stem(word) in stems

    return matches


def mark(text: str, matches) -> tuple[str, int | None]:
    """`text` as safe HTML with <mark> around matching words, and the
    position (in words) of the first match."""
    parts, position, first = [], 0, None
    for index, found in enumerate(WORD.finditer(text)):
        if matches(found.group(0)):
            parts.append(html.escape(text[position : found.start()]))
            parts.append(f"<mark>{html.escape(found.group(0))}</mark>")
            position = found.end()
            if first is None:
                first = index
    parts.append(html.escape(text[position:]))
    return "".join(parts), first


def snippet(text: str, matches) -> str | None:
    """A window of words around the first match in `text`, marked; None without a match."""
    words = WORD_OR_SPACE.findall(text)
    for index, piece in enumerate(words):
        if WORD.fullmatch(piece) and matches(piece):
            start = max(0, index - SNIPPET_WORDS // 2)
            window = "".join(words[start : start + SNIPPET_WORDS * 2])
            marked, _ = mark(window, matches)
            return ("…" if start else "") + marked.strip() + ("…" if start + SNIPPET_WORDS * 2 < len(words) else "")
    return None


def python_highlights(match: "Match", rows, stem) -> dict[int, dict[str, str]]:
    """Highlights for (product id, name, summary, other text) rows, marked in
    Python with `stem`, the stemming the engine matched with (a word to its
    stem): cheaper than asking an FTS engine to find the matches again in
    each document."""
    matches = _marker(match, stem)
    highlights = {}
    for product_id, name, summary, text in rows:
        marked_name, in_name = mark(name, matches)
        marked_summary, in_summary = mark(summary, matches)
        marked = {"name": marked_name, "summary": marked_summary}
        if in_name is None and in_summary is None:
            elsewhere = snippet(text, matches)
            if elsewhere:
                marked["text"] = elsewhere
        highlights[product_id] = marked
    return highlights


def highlights_from_rows(rows) -> dict[int, dict[str, str]]:
    """(product id, marked name, marked summary, marked snippet) rows as safe
    HTML; the snippet is kept only when the match is elsewhere, to show where."""
    highlights = {}
    for product_id, name, summary, text in rows:
        marked = {"name": marked_to_html(name), "summary": marked_to_html(summary)}
        if MARK_START in text and MARK_START not in name and MARK_START not in summary:
            marked["text"] = marked_to_html(text)
        highlights[product_id] = marked
    return highlights


def best_correction(term: str, candidates: list[str]) -> str | None:
    """The catalog's word closest to `term`, whole or as the start of a longer
    word being typed ("recomend" → recommendations), if it is close enough."""
    starts: dict[str, str] = {}
    for candidate in sorted(candidates, key=len):
        if candidate != term:
            starts.setdefault(candidate, candidate)
            starts.setdefault(candidate[: len(term) + 1], candidate)
    close = difflib.get_close_matches(term, list(starts), n=1, cutoff=MIN_CORRECTION_SIMILARITY)
    return starts[close[0]] if close else None


MAX_EXPANSIONS = 8
LOCATION_SCORE = 0.0  # a product found only by a port location: after every match of the index
# Above this many matches, the first ranking tier walks the name-rank index
# and stops at a page; below, sorting the matches is cheaper than the walk.
WALK_INDEX_ABOVE = 2000


@dataclass
class Match:
    """A query's words; for each, the catalog's words it is the start of
    (typed so far: "roy" → royalty, royalties), and the corrections of those
    the catalog does not know."""

    terms: list[str]
    corrections: dict[str, str]
    exact_name: str
    expansions: dict[str, list[str]] = field(default_factory=dict)

    def options(self, term: str) -> list[str]:
        """Whole words that may stand for `term`: itself, its expansions, its correction."""
        words = [term, *self.expansions.get(term, [])]
        if term in self.corrections:
            words.append(self.corrections[term])
        return words


class DatabaseBackend:
    name = "database"
    ranking_weights: tuple = ()

    # --- the engine's part ----------------------------------------------------

    def words_starting_with(self, term: str, limit: int) -> list[str]:
        """The catalog's words that start with `term` (itself included), shortest first."""
        raise NotImplementedError

    def correction_candidates(self, term: str) -> list[str]:
        raise NotImplementedError

    def ranked_ids(self, match: Match, candidates: "Candidates", query: SearchQuery, total: int) -> list[tuple[int, float]]:
        """The page of (product id, score) of the `total` matching candidates, in query.sort order."""
        raise NotImplementedError

    def match_sql(self, match: Match) -> tuple[str, list]:
        """SQL selecting the ids of the products whose documents match."""
        raise NotImplementedError

    def highlights(self, match: Match, product_ids: list[int]) -> dict[int, dict[str, str]]:
        raise NotImplementedError

    def suggest_ids(self, terms: list[str], candidates: "Candidates", limit: int) -> list[int]:
        raise NotImplementedError

    def count_rows(self, match_sql: str | None, match_params: list, where: str, params: tuple) -> tuple[list[tuple], list[tuple]]:
        """The facet counts' rows (see count_rows) of the products satisfying `where` that match."""
        return count_rows(match_sql, match_params, where, params)

    def write(self, documents: list[ProductDocument]) -> None:
        raise NotImplementedError

    def delete(self, product_ids: list[int]) -> None:
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError

    def prune(self) -> None:
        """Drop the documents of products that no longer exist."""
        raise NotImplementedError

    # --- shared -----------------------------------------------------------------

    def index(self, documents: list[ProductDocument]) -> None:
        self.delete([document.product_id for document in documents])
        self.write(documents)
        bump_generation()

    def remove(self, product_ids: list[int]) -> None:
        if product_ids:
            self.delete(product_ids)
            bump_generation()

    def match(self, terms: list[str]) -> Match:
        """Expand words typed in part into the catalog's words; correct the
        words the catalog does not have at all."""
        expansions, corrections = {}, {}
        for term in terms:
            if term.isdigit() or len(term) < 2 or "_" in term:
                # An identifier (listener_id) is matched as the words it is
                # made of, as the engines split it; the words table holds
                # words, so it has nothing to expand or correct it into.
                continue
            words = self.words_starting_with(term, MAX_EXPANSIONS * 3)
            if words:
                expansions[term] = [word for word in words if word != term][:MAX_EXPANSIONS]
            elif len(term) >= 4:
                correction = best_correction(term, self.correction_candidates(term))
                if correction:
                    corrections[term] = correction
        return Match(terms=terms, corrections=corrections, exact_name=" ".join(terms), expansions=expansions)

    def search(self, query: SearchQuery, visibility: Visibility) -> SearchResult:
        candidates = Candidates.of(query, visibility)
        terms = query.terms
        corrections: dict[str, str] = {}
        scores: dict[int, float] = {}
        if terms:
            match = self.match(terms)
            corrections = match.corrections
            text_sql, text_params = self.match_sql(match)
            by_location = self.location_only_ids(query, candidates, text_sql, text_params)
            match_sql, match_params = text_sql, text_params
            if by_location:
                match_sql = f"{text_sql} UNION SELECT id FROM catalog_dataproduct WHERE id IN ({placeholders(by_location)})"
                match_params = [*text_params, *by_location]
            total, facets = facet_counts(self.count_rows, match_sql, match_params, candidates, query)
            page = self.ranked_with_locations(match, candidates, query, total, by_location, match_sql, match_params)
            scores = dict(page)
            page_ids = [product_id for product_id, _ in page]
            highlights = self.highlights(match, page_ids) if page_ids else {}
        else:
            total, facets = facet_counts(self.count_rows, None, [], candidates, query)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT p.id FROM catalog_dataproduct p WHERE {candidates.sql} ORDER BY {SQL_ORDER.get(query.sort, SQL_ORDER['name'])} LIMIT %s OFFSET %s",
                    [*candidates.params, query.page_size, query.offset],
                )
                page_ids = [row[0] for row in cursor.fetchall()]
            highlights = {}
        return SearchResult(
            hits=hits_for(page_ids, scores, highlights),
            total=total,
            facets=facets,
            query=query,
            backend=self.name,
            corrections=corrections,
        )

    def location_only_ids(self, query: SearchQuery, candidates: "Candidates", text_sql: str, text_params: list) -> list[int]:
        """Of query.location_matches, the candidates the index does not find
        by their words, by name: they rank after every match of the index."""
        if not query.location_matches:
            return []
        ids = sorted(query.location_matches)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT p.id FROM catalog_dataproduct p WHERE p.id IN ({placeholders(ids)}) AND p.id NOT IN ({text_sql}) "
                f"AND {candidates.sql} ORDER BY {SQL_ORDER['name']}",
                [*ids, *text_params, *candidates.params],
            )
            return [row[0] for row in cursor.fetchall()]

    def ranked_with_locations(
        self,
        match: Match,
        candidates: "Candidates",
        query: SearchQuery,
        total: int,
        by_location: list[int],
        match_sql: str,
        match_params: list,
    ):
        """The page of (product id, score): the engine's ranking of what its
        index matches, then the products found only by a location
        (location_only_ids), scored LOCATION_SCORE. Other sorts order both
        together."""
        if not total:
            return []
        if not by_location:
            return self.ranked_ids(match, candidates, query, total)
        if query.sort != "relevance":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT p.id FROM catalog_dataproduct p WHERE p.id IN ({match_sql}) AND {candidates.sql} "
                    f"ORDER BY {SQL_ORDER[query.sort]} LIMIT %s OFFSET %s",
                    [*match_params, *candidates.params, query.page_size, query.offset],
                )
                return [(row[0], 0.0) for row in cursor.fetchall()]
        indexed = total - len(by_location)
        page = self.ranked_ids(match, candidates, query, indexed) if query.offset < indexed else []
        start = max(0, query.offset - indexed)
        return page + [(product_id, LOCATION_SCORE) for product_id in by_location[start : start + query.page_size - len(page)]]

    def suggest(self, prefix: str, visibility: Visibility, limit: int = 8) -> list[Suggestion]:
        terms = terms_of(prefix)
        if not terms:
            return []
        ids = self.suggest_ids(terms, Candidates.of(SearchQuery(), visibility), limit)
        products = DataProduct.objects.filter(pk__in=ids).select_related("domain").in_bulk()
        return [Suggestion(slug=products[i].slug, name=products[i].name, domain_name=products[i].domain.name) for i in ids if i in products]


# Orders other than relevance, on the product table `p`; ties broken by id so pages never overlap.
SQL_ORDER = {
    "name": "p.name, p.id",
    "newest": "p.created_at DESC, p.id",
    "most_used": "p.consumer_count DESC, p.name, p.id",
}


def placeholders(values) -> str:
    return ", ".join(["%s"] * len(values))


@dataclass(frozen=True)
class Candidates:
    """The products a search may return, as a condition on the product table
    aliased `p`: the query's filters, and what the person searching may see.

    Written as predicates on `p` rather than as `p.id IN (SELECT id FROM
    catalog_dataproduct WHERE ...)`: SQLite builds such a list of every
    visible product (100 000 ids) in each statement, and PostgreSQL hashes it,
    however few products the words match."""

    filters_sql: str  # the query's filters ("" for none): the same for everyone
    filters_params: tuple
    visibility: Visibility  # what the person searching may see

    @classmethod
    def of(cls, query: SearchQuery, visibility: Visibility) -> "Candidates":
        sql, params = filter_condition(query.filters)
        return cls(filters_sql=sql, filters_params=tuple(params), visibility=visibility)

    @property
    def sql(self) -> str:
        visible, _ = self.visibility.sql("p")
        return self._and(visible)

    @property
    def params(self) -> tuple:
        _, visible_params = self.visibility.sql("p")
        return (*visible_params, *self.filters_params)

    def _and(self, condition: str) -> str:
        return " AND ".join(part for part in (condition, self.filters_sql) if part and part != "1 = 1") or "1 = 1"

    def shared_part(self) -> tuple[str, tuple]:
        """The candidates everybody who searches sees (non-draft products, or
        every product for admins): whose counts can be shared."""
        return self._and(self.visibility.shared_sql("p")), self.filters_params

    def own_drafts_part(self) -> tuple[str, tuple] | None:
        """The person's own drafts that pass the filters, if any: counted per person."""
        own = self.visibility.own_drafts_sql("p")
        if own is None:
            return None
        sql, params = own
        return self._and(sql), (*params, *self.filters_params)


# Facets whose values are a column of the product row, with their choices (the labels).
CHOICE_FACETS = {
    "classification": DataProduct.Classification,
    "status": DataProduct.Status,
    "slo_status": SLOStatus,
    "kind": DataProduct.Kind,
}
# The columns count_rows groups by, in its rows' order (before the count), and their facets.
FACET_COLUMNS = ("domain_id", "owner_team_id", "status", "kind", "classification", "slo_status")
COLUMN_FACETS = ("domain", "owner_team", "status", "kind", "classification", "slo_status")
FACET_SELECT = "SELECT p.id, " + ", ".join(f"p.{column}" for column in FACET_COLUMNS) + " FROM catalog_dataproduct p"


def filter_condition(filters) -> tuple[str, list]:
    """The query's filters as a condition on `p`: OR within a facet, AND across
    facets, and every one of several tags."""
    parts, params = [], []
    for name, table in (("domain", "catalog_domain"), ("owner_team", "catalog_team")):
        if filters.get(name):
            values = list(filters[name])
            parts.append(f"p.{name}_id IN (SELECT id FROM {table} WHERE slug IN ({placeholders(values)}))")
            params.extend(values)
    for name in CHOICE_FACETS:
        if filters.get(name):
            values = list(filters[name])
            parts.append(f"p.{name} IN ({placeholders(values)})")
            params.extend(values)
    for tag in filters.get("tag", ()):
        # A probe of the link table's (product, tag) index per row; the tag's
        # id is looked up once. (A join would repeat the product per tag.)
        parts.append(
            "EXISTS (SELECT 1 FROM catalog_dataproduct_tags ft WHERE ft.dataproduct_id = p.id "
            "AND ft.tag_id = (SELECT id FROM catalog_tag WHERE name = %s))"
        )
        params.append(tag)
    return " AND ".join(parts), params


def count_rows(match_sql: str | None, match_params: list, where: str, params: tuple) -> tuple[list[tuple], list[tuple]]:
    """The (domain, team, status, kind, classification, SLO status, count) combinations and
    the (tag, is a draft, count) rows of the products satisfying `where` that
    match, in one statement whatever the number of facets, so that the words
    are matched once. `match_sql` selects the ids matching the words (None:
    no words)."""
    params = list(params)
    if match_sql:
        where, params = f"p.id IN ({match_sql}) AND {where}", [*match_params, *params]
    return grouped_rows(f"{FACET_SELECT} WHERE {where}", params)


def grouped_rows(products_sql: str, params: list) -> tuple[list[tuple], list[tuple]]:
    """count_rows' rows of the products `products_sql` selects (the id and
    the FACET_COLUMNS, as FACET_SELECT). Every tag's count is kept, not the
    first FACET_SIZE, and apart for drafts: the counts shared by everybody are
    added to each person's own drafts' counts."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH products AS MATERIALIZED ({products_sql})
            SELECT 0, domain_id, owner_team_id, status, kind, classification, slo_status, count(*) FROM products GROUP BY 2, 3, 4, 5, 6, 7
            UNION ALL
            SELECT 1, t.tag_id, NULL, CASE WHEN products.status = 'draft' THEN 'draft' ELSE '' END, NULL, NULL, NULL, count(*)
            FROM products JOIN catalog_dataproduct_tags t ON t.dataproduct_id = products.id GROUP BY 2, 4
            """,
            params,
        )
        rows = cursor.fetchall()
    combinations = [row[1:] for row in rows if row[0] == 0]
    tag_counts = [(row[1], row[3] == "draft", row[-1]) for row in rows if row[0] == 1]
    return combinations, tag_counts


def subtract_rows(totals, rest) -> tuple[list[tuple], list[tuple]]:
    """count_rows' rows of `totals` less those of `rest` (a subset of them)."""
    combinations = Counter({tuple(row[:-1]): row[-1] for row in totals[0]})
    combinations.subtract({tuple(row[:-1]): row[-1] for row in rest[0]})
    tag_counts = Counter({(tag_id, draft): count for tag_id, draft, count in totals[1]})
    tag_counts.subtract({(tag_id, bool(draft)): count for tag_id, draft, count in rest[1]})
    return (
        [(*key, count) for key, count in combinations.items() if count > 0],
        [(*key, count) for key, count in tag_counts.items() if count > 0],
    )


_totals: dict = {}  # (generation, statement) -> count_rows' rows without words, in this process


def total_rows(where: str, params: tuple) -> tuple[list[tuple], list[tuple]] | None:
    """count_rows' rows of every product satisfying `where`, whatever the
    words, kept in this process for the index generation (not in Django's
    cache, which holds per-query counts and is emptied independently): the
    same for every broad search until the catalog changes. None inside a
    transaction (see facet_cache_key)."""
    if connection.in_atomic_block:
        return None
    generation = SearchIndexState.objects.filter(pk=1).values_list("generation", flat=True).first() or 0
    # The last change and the number of products too (two index look-ups):
    # a generation number can come again if the catalog is flushed.
    catalog = DataProduct.objects.aggregate(changed=Max("updated_at"), products=Count("pk"))
    key = (connection.vendor, connection.settings_dict["NAME"], generation, catalog["changed"], catalog["products"], where, params)
    if key not in _totals:
        if len(_totals) > 100:
            _totals.clear()  # earlier generations, or many filter combinations: start again
        _totals[key] = count_rows(None, [], where, params)
    return _totals[key]


def split_drafts(rows) -> tuple[tuple[list, list], tuple[list, list]]:
    """count_rows' rows as (those of non-draft products, those of drafts)."""
    combinations, tag_counts = rows
    return (
        ([row for row in combinations if row[2] != DataProduct.Status.DRAFT], [row for row in tag_counts if not row[1]]),
        ([row for row in combinations if row[2] == DataProduct.Status.DRAFT], [row for row in tag_counts if row[1]]),
    )


def facet_cache_key(match_sql: str | None, match_params: list, where: str, params: tuple) -> str | None:
    """The cache key of count_rows' rows: the index generation, which every
    index write bumps in its own transaction, and the statement, not who asks.
    None inside a transaction, where the index may hold uncommitted writes (and
    a generation number a rollback would hand out again): no caching. The
    columns are part of the key: counts cached before a facet was added lack it."""
    if connection.in_atomic_block:
        return None
    generation = SearchIndexState.objects.filter(pk=1).values_list("generation", flat=True).first() or 0
    key_source = repr((connection.vendor, generation, FACET_COLUMNS, match_sql, match_params, where, params))
    return "search:facets:" + hashlib.sha256(key_source.encode()).hexdigest()


def facet_counts(
    count_rows, match_sql: str | None, match_params: list, candidates: Candidates, query: SearchQuery
) -> tuple[int, dict[str, list[FacetValue]]]:
    """The number of matching candidates and their facet counts. Counting every
    match of a common word is the expensive part of a search, so the counts
    are cached while the index is unchanged, in two parts: those of the
    non-draft products, shared by everybody who searches the same words with
    the same filters, and those of the person's own drafts. Paging,
    re-sorting and other people's searches reuse them; a search that misses
    both counts both in one pass."""
    shared = candidates.shared_part()
    own = candidates.own_drafts_part()
    shared_key = facet_cache_key(match_sql, match_params, *shared)
    own_key = facet_cache_key(match_sql, match_params, *own) if own and shared_key else None
    shared_counts = cache.get(shared_key) if shared_key else None
    own_counts = cache.get(own_key) if own_key else None
    if shared_counts is None:
        if own is None:
            shared_counts, own_counts = tally(count_rows(match_sql, match_params, *shared)), NOTHING
        else:
            shared_rows, own_rows = split_drafts(count_rows(match_sql, match_params, candidates.sql, candidates.params))
            shared_counts, own_counts = tally(shared_rows), tally(own_rows)
        if shared_key:
            cache.set(shared_key, shared_counts, timeout=FACET_CACHE_SECONDS)
    elif own is None:
        own_counts = NOTHING
    elif own_counts is None:
        own_counts = tally(count_rows(match_sql, match_params, *own))
    if own_key:
        cache.set(own_key, own_counts, timeout=FACET_CACHE_SECONDS)
    return facet_values([shared_counts, own_counts], query)


def tally(rows) -> tuple[int, dict[str, dict]]:
    """count_rows' rows as the number of products and each facet's count per
    value: what is cached, then labelled. Added up once here, a cached search
    sums a few dozen values instead of walking the combinations of six
    columns again (thousands of them in a large catalog)."""
    combinations, tag_counts = rows
    columns = list(zip(*combinations))
    products = columns.pop() if columns else ()
    counts: dict[str, dict] = {name: {} for name in (*COLUMN_FACETS, "tag")}
    for name, column in zip(COLUMN_FACETS, columns):
        counted = counts[name]
        for value, count in zip(column, products):
            counted[value] = counted.get(value, 0) + count
    for tag_id, _, count in tag_counts:
        counts["tag"][tag_id] = counts["tag"].get(tag_id, 0) + count
    return sum(products), counts


NOTHING = tally(([], []))  # the counts of no product: a person without drafts


def facet_values(tallies: list[tuple[int, dict[str, dict]]], query: SearchQuery) -> tuple[int, dict[str, list[FacetValue]]]:
    """The total and the facets, labelled, from tally()'s counts, added up."""
    total = sum(products for products, _ in tallies)
    counters = {name: Counter() for name in (*COLUMN_FACETS, "tag")}
    for _, counts in tallies:
        for name, counted in counts.items():
            counters[name].update(counted)
    top_tags = dict(sorted(counters["tag"].items(), key=lambda item: (-item[1], item[0]))[:FACET_SIZE])
    domains = Domain.objects.in_bulk(list(counters["domain"]))
    teams = Team.objects.in_bulk(list(counters["owner_team"]))
    tags = Tag.objects.in_bulk(list(top_tags))
    selected = {name: set(values) for name, values in query.filters.items()}

    def values(name: str, rows) -> list[FacetValue]:
        built = [
            FacetValue(value=value, label=label, count=count, selected=value in selected.get(name, ())) for value, label, count in rows
        ]
        built.sort(key=lambda item: (-item.count, item.label.lower()))
        return built[:FACET_SIZE]

    facets = {
        "domain": values("domain", ((domains[i].slug, domains[i].name, n) for i, n in counters["domain"].items())),
        "tag": values("tag", ((tags[i].name, tags[i].name, n) for i, n in top_tags.items())),
    }
    for name, choices in CHOICE_FACETS.items():
        labels = dict(choices.choices)
        facets[name] = values(name, ((value, labels.get(value, value), n) for value, n in counters[name].items()))
    facets["owner_team"] = values("owner_team", ((teams[i].slug, teams[i].name, n) for i, n in counters["owner_team"].items()))
    return total, {name: facets[name] for name in FACET_NAMES}


def bump_generation() -> None:
    """Called by every write to a search index, in its transaction."""
    if not SearchIndexState.objects.filter(pk=1).update(generation=F("generation") + 1):
        SearchIndexState.objects.get_or_create(pk=1)


def hits_for(page_ids: list[int], scores: dict[int, float], highlights: dict[int, dict[str, str]]) -> list[Hit]:
    products = DataProduct.objects.filter(pk__in=page_ids).select_related("domain", "owner_team").prefetch_related("tags").in_bulk()
    hits = []
    for product_id in page_ids:
        product = products.get(product_id)
        if product is None:
            continue  # deleted since it was ranked
        marked = highlights.get(product_id, {})
        hits.append(
            Hit(
                product_id=product.pk,
                slug=product.slug,
                name=product.name,
                summary=product.summary,
                domain=product.domain.slug,
                domain_name=product.domain.name,
                owner_team=product.owner_team.slug,
                status=product.status,
                kind=product.kind,
                classification=product.classification,
                slo_status=product.slo_status,
                contains_pii=product.contains_pii,
                tags=sorted(tag.name for tag in product.tags.all()),
                score=scores.get(product_id, 0.0),
                highlights={
                    "name": marked.get("name") or html.escape(product.name),
                    "summary": marked.get("summary") or html.escape(product.summary),
                    **({"text": marked["text"]} if marked.get("text") else {}),
                },
            )
        )
    return hits
