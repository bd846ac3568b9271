"""What the two database backends share: filters, visibility, facet counts,
ordering and hits are plain ORM over the catalog's tables; only matching,
ranking, snippets and typo correction are the engine's own (sqlite.py,
postgresql.py)."""

import difflib
import html
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Q, QuerySet

from ..models import DataProduct
from .documents import ProductDocument
from .types import FACET_SIZE, FacetValue, Hit, SearchQuery, SearchResult, Suggestion, Visibility

# Marker characters around matches in engine snippets: never in catalog text,
# so snippets can be HTML-escaped first and marked up afterwards.
MARK_START, MARK_END = "\x02", "\x03"
MIN_CORRECTION_SIMILARITY = 0.75


def marked_to_html(text: str) -> str:
    """Escape an engine's snippet, then turn its markers into <mark> tags."""
    return html.escape(text).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


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
    scored = [(difflib.SequenceMatcher(None, term, candidate).ratio(), candidate) for candidate in candidates if candidate != term]
    scored = [pair for pair in scored if pair[0] >= MIN_CORRECTION_SIMILARITY]
    return max(scored)[1] if scored else None


MAX_EXPANSIONS = 8


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

    def ranked_ids(self, match: Match, candidates: QuerySet, query: SearchQuery) -> tuple[list[tuple[int, float]], int]:
        """The page of (product id, score) of matching candidates, in query.sort order, and the total."""
        raise NotImplementedError

    def matching(self, match: Match, candidates: QuerySet) -> QuerySet:
        raise NotImplementedError

    def highlights(self, match: Match, product_ids: list[int]) -> dict[int, dict[str, str]]:
        raise NotImplementedError

    def suggest_ids(self, terms: list[str], candidates: QuerySet, limit: int) -> list[int]:
        raise NotImplementedError

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

    def remove(self, product_ids: list[int]) -> None:
        self.delete(product_ids)

    def match(self, terms: list[str]) -> Match:
        """Expand words typed in part into the catalog's words; correct the
        words the catalog does not have at all."""
        expansions, corrections = {}, {}
        for term in terms:
            if term.isdigit() or len(term) < 2:
                continue
            words = self.words_starting_with(term, MAX_EXPANSIONS + 1)
            if words:
                expansions[term] = [word for word in words if word != term][:MAX_EXPANSIONS]
            elif len(term) >= 4:
                correction = best_correction(term, self.correction_candidates(term))
                if correction:
                    corrections[term] = correction
        return Match(terms=terms, corrections=corrections, exact_name=" ".join(terms), expansions=expansions)

    def search(self, query: SearchQuery, visibility: Visibility) -> SearchResult:
        candidates = filtered_products(query, visibility)
        terms = query.terms
        corrections: dict[str, str] = {}
        scores: dict[int, float] = {}
        if terms:
            match = self.match(terms)
            corrections = match.corrections
            page, total = self.ranked_ids(match, candidates, query)
            scores = dict(page)
            page_ids = [product_id for product_id, _ in page]
            facet_base = self.matching(match, candidates)
            highlights = self.highlights(match, page_ids) if page_ids else {}
        else:
            total = candidates.count()
            page_ids = list(candidates.order_by(*browse_order(query.sort)).values_list("pk", flat=True)[query.offset : query.offset + query.page_size])
            facet_base = candidates
            highlights = {}
        return SearchResult(
            hits=hits_for(page_ids, scores, highlights),
            total=total,
            facets=facet_counts(facet_base, query),
            query=query,
            backend=self.name,
            corrections=corrections,
        )

    def suggest(self, prefix: str, visibility: Visibility, limit: int = 8) -> list[Suggestion]:
        from .types import terms_of

        terms = terms_of(prefix)
        if not terms:
            return []
        candidates = filtered_products(SearchQuery(), visibility)
        ids = self.suggest_ids(terms, candidates, limit)
        products = DataProduct.objects.filter(pk__in=ids).select_related("domain").in_bulk()
        return [Suggestion(slug=products[i].slug, name=products[i].name, domain_name=products[i].domain.name) for i in ids if i in products]


def visible(visibility: Visibility) -> QuerySet:
    products = DataProduct.objects.all()
    if visibility.everything:
        return products
    return products.filter(~Q(status=DataProduct.Status.DRAFT) | Q(pk__in=list(visibility.draft_ids)))


def filtered_products(query: SearchQuery, visibility: Visibility) -> QuerySet:
    """Products the person may see that pass the query's filters: OR within a
    facet, AND across facets, and every one of several tags."""
    products = visible(visibility)
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
    return products


def browse_order(sort: str) -> list[str]:
    return {
        "newest": ["-created_at", "pk"],
        "most_used": ["-consumer_count", "name", "pk"],
    }.get(sort, ["name", "pk"])


def facet_counts(products: QuerySet, query: SearchQuery) -> dict[str, list[FacetValue]]:
    selected = {name: set(values) for name, values in query.filters.items()}
    ids = products.values("pk")
    facets: dict[str, list[FacetValue]] = {}

    def build(name: str, rows, label_of) -> None:
        values = [FacetValue(value=value, label=label_of(value, label), count=count, selected=value in selected.get(name, ())) for value, label, count in rows]
        values.sort(key=lambda item: (-item.count, item.label.lower()))
        facets[name] = values[:FACET_SIZE]

    by_id = DataProduct.objects.filter(pk__in=ids)
    build(
        "domain",
        by_id.values_list("domain__slug", "domain__name").annotate(n=Count("pk")).order_by(),
        lambda value, label: label,
    )
    build(
        "tag",
        by_id.filter(tags__isnull=False).values_list("tags__name", "tags__name").annotate(n=Count("pk")).order_by("-n")[: FACET_SIZE * 2],
        lambda value, label: label,
    )
    for name, choices in (
        ("classification", DataProduct.Classification),
        ("status", DataProduct.Status),
        ("kind", DataProduct.Kind),
    ):
        labels = dict(choices.choices)
        build(name, by_id.values_list(name, name).annotate(n=Count("pk")).order_by(), lambda value, label, labels=labels: labels.get(value, value))
    build(
        "owner_team",
        by_id.values_list("owner_team__slug", "owner_team__name").annotate(n=Count("pk")).order_by(),
        lambda value, label: label,
    )
    return facets


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


def sql_of(queryset: QuerySet) -> tuple[str, tuple]:
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    return sql, tuple(params)


def vendor() -> str:
    return connection.vendor
