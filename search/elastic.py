"""Elasticsearch: the search backend for when the catalog outgrows one database.

- The mapping is an elasticsearch.dsl Document (ProductIndexDocument): text
  fields with an English analyzer (stemming, stop words, diacritics folded)
  and a `plain` subfield (words as typed) for fuzzy and prefix matching,
  keyword fields for filters, facets and sort, and a completion field with a
  visibility context for suggestions.
- Reads go to the alias `<index>`; it points at one concrete index
  `<index>-<timestamp>`. A rebuild fills a new concrete index, then moves the
  alias and deletes the old indexes in one atomic alias update: searches never
  see a half-built index. While a rebuild runs the new index also carries the
  alias `<index>-next`, and every write goes to both aliases, so changes made
  during the rebuild are not lost when it finishes.
- User text reaches Elasticsearch only as the words of SearchQuery.terms, as
  values of match, prefix and term queries: never query_string syntax.
- The client waits at most `timeout` seconds for an answer and never retries;
  every failure (refused, timed out, an error answer) raises
  SearchUnavailable so the facade can answer from the database instead.

The body builders (index_definition, document_source, search_body,
suggest_body) and the answer readers (result_from_response,
suggestions_from_response) are pure functions, testable without a server.
"""

import html
import re
from contextlib import contextmanager
from datetime import UTC, datetime

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch, NotFoundError
from elasticsearch.dsl import (
    Boolean,
    Completion,
    Date,
    Document,
    Index,
    Integer,
    Keyword,
    MetaField,
    Text,
    analyzer,
    char_filter,
    token_filter,
)

from catalog.models import DataProduct, SLOStatus
from catalog.visibility import Visibility, suggest_contexts_of

from .documents import ProductDocument
from .types import FACET_SIZE, FacetValue, Hit, SearchQuery, SearchResult, SearchUnavailable, Suggestion, terms_of

# --- the mapping ---------------------------------------------------------------

# The standard tokenizer keeps "episode_plays", "ds.table" and "name:foo" as
# one word; the database backends (and SearchQuery.terms, for the query)
# split them. So do these analyzers, before tokenizing.
word_separators = char_filter("product_word_separators", "mapping", mappings=["_ => \\u0020", ". => \\u0020", ": => \\u0020"])
# The built-in English analyzer, plus ASCII folding like the SQLite backend's
# `remove_diacritics`: "café" finds "cafe".
english = analyzer(
    "product_english",
    char_filter=[word_separators],
    tokenizer="standard",
    filter=[
        token_filter("product_english_possessive", "stemmer", language="possessive_english"),
        "lowercase",
        "asciifolding",
        token_filter("product_english_stop", "stop", stopwords="_english_"),
        token_filter("product_english_stemmer", "stemmer", language="english"),
    ],
)
# Words as typed, lowercased and folded: for fuzzy matching of what stemming
# would change, for prefixes of partly typed words, and for suggestions.
plain = analyzer("product_plain", char_filter=[word_separators], tokenizer="standard", filter=["lowercase", "asciifolding"])


def searchable(*, sortable: bool = False, **kwargs) -> Text:
    subfields = {"plain": Text(analyzer=plain)}
    if sortable:
        subfields["keyword"] = Keyword(ignore_above=256)
    return Text(analyzer=english, fields=subfields, **kwargs)


class ProductIndexDocument(Document):
    """One data product in the search index; the document id is the product id."""

    product_id = Integer()
    slug = Keyword()
    name = searchable(sortable=True)  # name.keyword: sort by name
    name_terms = Keyword()  # the name's words, space separated: an exact name match
    summary = searchable()
    description = searchable()
    domain = Keyword()  # slug
    domain_name = searchable(sortable=True)  # domain_name.keyword: the facet label
    owner_team = Keyword()  # slug
    owner_team_name = searchable(sortable=True)
    tags = searchable(sortable=True, multi=True)  # tags.keyword: filters and facet
    ports = searchable()
    fields = searchable()
    extra_terms = searchable(multi=True)
    status = Keyword()
    kind = Keyword()
    classification = Keyword()
    slo_status = Keyword()
    contains_pii = Boolean()
    created_at = Date()
    popularity = Integer()
    suggest = Completion(analyzer=plain, contexts=[{"name": "visibility", "type": "category"}])

    class Meta:
        dynamic = MetaField("strict")  # a misspelt field is an error, not a new field


def index_definition() -> dict:
    """Settings (analyzers) and mappings of a concrete product index."""
    index = Index("products")  # the name is given when an index is created
    # One shard: the catalog is small, and one shard's term statistics make
    # scores (and so tie breaks) the same on every request.
    index.settings(number_of_shards=1, auto_expand_replicas="0-1")
    index.document(ProductIndexDocument)
    return index.to_dict()


# --- what is written -----------------------------------------------------------

# Completion weights: names that start with the typed words come before names
# that contain them further on; among each, the most used first.
NAME_START_WEIGHT = 1_000_000
MAX_POPULARITY_WEIGHT = NAME_START_WEIGHT - 1


CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")  # some are reserved in completion inputs


def suggest_inputs(document: ProductDocument) -> list[dict]:
    """The whole name, and the name from each later word on, so "orders"
    suggests "Customer orders" too."""
    popularity = min(max(document.popularity, 0), MAX_POPULARITY_WEIGHT)
    contexts = {"visibility": suggest_contexts_of(status=document.status, product_id=document.product_id)}
    words = CONTROL_CHARACTERS.sub(" ", document.name).split()
    if not words:
        return []
    inputs = [{"input": [" ".join(words)], "weight": NAME_START_WEIGHT + popularity, "contexts": contexts}]
    later = [" ".join(words[position:]) for position in range(1, len(words))]
    if later:
        inputs.append({"input": later, "weight": popularity, "contexts": contexts})
    return inputs


def document_source(document: ProductDocument) -> dict:
    """The indexed JSON of a product's search document."""
    return {
        "product_id": document.product_id,
        "slug": document.slug,
        "name": document.name,
        "name_terms": " ".join(terms_of(document.name)),
        "summary": document.summary,
        "description": document.description,
        "domain": document.domain,
        "domain_name": document.domain_name,
        "owner_team": document.owner_team,
        "owner_team_name": document.owner_team_name,
        "tags": list(document.tags),
        "ports": document.ports,
        "fields": document.fields,
        "extra_terms": list(document.extra_terms),
        "status": document.status,
        "kind": document.kind,
        "classification": document.classification,
        "slo_status": document.slo_status,
        "contains_pii": document.contains_pii,
        "created_at": document.created_at.isoformat(),
        "popularity": document.popularity,
        "suggest": suggest_inputs(document),
    }


# --- what is asked -------------------------------------------------------------

# Field weights, as in the database backends: a match in the name outweighs
# one in the tags, summary, domain, owning team, ports, description or fields.
FIELD_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("name", 10),
    ("tags", 5),
    ("summary", 4),
    ("domain_name", 3),
    ("owner_team_name", 2),
    ("ports", 1.5),
    ("description", 1),
    ("fields", 1),
    ("extra_terms", 1),
)
EXACT_NAME_BOOST = 10_000  # an exact name match ranks first, whatever else matches
NAME_PHRASE_BOOST = 20  # the words in this order in the name
LOCATION_MATCH_BOOST = 1  # a product found by a port location only: below most matches of its words
PREFIX_MIN_LENGTH = 3  # shorter words are matched whole (as in the SQLite backend)
HIT_SOURCE = [
    "product_id",
    "slug",
    "name",
    "summary",
    "domain",
    "domain_name",
    "owner_team",
    "status",
    "kind",
    "classification",
    "slo_status",
    "contains_pii",
    "tags",
]
FACET_FIELDS = {
    "domain": "domain",
    "tag": "tags.keyword",
    "classification": "classification",
    "status": "status",
    "slo_status": "slo_status",
    "kind": "kind",
    "owner_team": "owner_team",
}
FACET_LABEL_FIELDS = {"domain": "domain_name.keyword", "owner_team": "owner_team_name.keyword"}
FACET_CHOICES = {
    "classification": DataProduct.Classification,
    "status": DataProduct.Status,
    "slo_status": SLOStatus,
    "kind": DataProduct.Kind,
}
FACET_FETCH = FACET_SIZE * 4  # values fetched per facet before sorting by count, then label
SNIPPET_FIELDS = ("description", "ports", "fields")
SNIPPET_LENGTH = 160
HIGHLIGHT_MAX_CHARACTERS = 100_000  # of a long description: highlight its start rather than fail


def weighted(suffix: str = "") -> list[str]:
    return [f"{name}{suffix}^{weight:g}" if weight != 1 else f"{name}{suffix}" for name, weight in FIELD_WEIGHTS]


def term_clause(term: str) -> dict:
    """One word of the query, in any field: as a word (stemmed), as typed with
    up to AUTO typos, or as the start of a longer word."""
    fuzziness = 0 if term.isdigit() else "AUTO"  # 2024 must not find 2025
    options = [
        {
            "multi_match": {
                "query": term,
                "type": "best_fields",
                "fields": weighted(),
                "operator": "and",
                "fuzziness": fuzziness,
                "prefix_length": 1,
                "zero_terms_query": "all",  # a stop word ("the") does not exclude anything
            }
        },
        {
            "multi_match": {
                "query": term,
                "type": "best_fields",
                "fields": weighted(".plain"),
                "operator": "and",
                "fuzziness": fuzziness,
                "prefix_length": 1,
            }
        },
    ]
    if len(term) >= PREFIX_MIN_LENGTH:
        options.append({"multi_match": {"query": term, "type": "bool_prefix", "fields": weighted(".plain"), "operator": "and"}})
    return {"bool": {"should": options, "minimum_should_match": 1}}


def text_query(terms: list[str]) -> dict:
    """Every word must match (in any field); an exact name and the words in
    order in the name rank higher."""
    exact_name = " ".join(terms)
    return {
        "bool": {
            "must": [term_clause(term) for term in terms],
            "should": [
                {"constant_score": {"filter": {"term": {"name_terms": exact_name}}, "boost": EXACT_NAME_BOOST}},
                {"match_phrase": {"name.plain": {"query": exact_name, "boost": NAME_PHRASE_BOOST}}},
            ],
        }
    }


def words_query(terms: list[str], location_matches) -> dict:
    """The words in the indexed text, or (for the products in
    `location_matches`: found by the location of a port the person searching
    may use, which no document holds) a modest constant score."""
    if not location_matches:
        return text_query(terms)
    by_location = {"constant_score": {"filter": {"terms": {"product_id": sorted(location_matches)}}, "boost": LOCATION_MATCH_BOOST}}
    return {"bool": {"should": [text_query(terms), by_location], "minimum_should_match": 1}}


def filter_clauses(query: SearchQuery, visibility: Visibility) -> list[dict]:
    """OR within a facet, AND across facets, and every one of several tags."""
    clauses = []
    visible = visibility.es_filter()
    if visible:
        clauses.append(visible)
    for name in ("domain", "owner_team", "classification", "status", "slo_status", "kind"):
        values = [str(value) for value in query.filters.get(name, ())]
        if values:
            clauses.append({"terms": {FACET_FIELDS[name]: values}})
    for tag in query.filters.get("tag", ()):
        clauses.append({"term": {FACET_FIELDS["tag"]: str(tag)}})
    return clauses


def sort_of(query: SearchQuery) -> list:
    """As the database backends: relevance, then most used, then name; with
    no words relevance means name order."""
    by_name = [{"name.keyword": {"order": "asc"}}, {"product_id": {"order": "asc"}}]
    if query.sort == "name":
        return by_name
    if query.sort == "newest":
        return [{"created_at": {"order": "desc"}}, {"product_id": {"order": "asc"}}]
    if query.sort == "most_used":
        return [{"popularity": {"order": "desc"}}, "_score", *by_name]
    if not query.terms:
        return by_name
    return ["_score", {"popularity": {"order": "desc"}}, *by_name]


def aggregations() -> dict:
    aggs = {}
    for name, field in FACET_FIELDS.items():
        aggs[name] = {"terms": {"field": field, "size": FACET_FETCH}}
        if name in FACET_LABEL_FIELDS:
            aggs[name]["aggs"] = {"label": {"terms": {"field": FACET_LABEL_FIELDS[name], "size": 1}}}
    return aggs


def highlight() -> dict:
    """Whole name and summary with <mark> around matches, and a snippet of the
    longer texts; encoder html escapes the product's own text."""
    whole = {"number_of_fragments": 0}
    snippet = {"fragment_size": SNIPPET_LENGTH, "number_of_fragments": 1}
    fields = {}
    for name in ("name", "summary"):
        fields[name] = whole
        fields[f"{name}.plain"] = whole
    for name in SNIPPET_FIELDS:
        fields[name] = snippet
        fields[f"{name}.plain"] = snippet
    return {
        "encoder": "html",
        "pre_tags": ["<mark>"],
        "post_tags": ["</mark>"],
        "max_analyzed_offset": HIGHLIGHT_MAX_CHARACTERS,
        "fields": fields,
    }


def search_body(query: SearchQuery, visibility: Visibility) -> dict:
    """The request body for a search: the page of hits, the total, and the
    facet counts within the words and filters."""
    terms = query.terms
    body = {
        "query": {
            "bool": {
                "must": [words_query(terms, query.location_matches) if terms else {"match_all": {}}],
                "filter": filter_clauses(query, visibility),
            }
        },
        "sort": sort_of(query),
        "from": query.offset,
        "size": query.page_size,
        "track_total_hits": True,
        "_source": HIT_SOURCE,
        "aggs": aggregations(),
    }
    if terms:
        body["track_scores"] = True  # scores for the other sorts too
        body["highlight"] = highlight()
    return body


def suggest_body(prefix: str, visibility: Visibility, limit: int) -> dict | None:
    """The request body for name suggestions, or None when nothing was typed.
    Asks for more than `limit`: one product can match at two of its inputs."""
    terms = terms_of(prefix)
    if not terms:
        return None
    return {
        "size": 0,
        "_source": ["product_id", "slug", "name", "domain_name", "status"],
        "suggest": {
            "product": {
                "prefix": " ".join(terms),
                "completion": {
                    "field": "suggest",
                    "size": limit * 3,
                    "contexts": {"visibility": visibility.suggest_contexts()},
                },
            }
        },
    }


# --- what comes back -----------------------------------------------------------


def marks(text: str | None) -> int:
    return text.count("<mark>") if text else 0


def best_highlight(highlights: dict, fields: list[str]) -> str | None:
    """The highlighted fragment, of these fields, with the most matches marked."""
    best = None
    for field in fields:
        for fragment in highlights.get(field, ()):
            if marks(fragment) > marks(best):
                best = fragment
    return best


def hit_highlights(source: dict, highlights: dict) -> dict[str, str]:
    name = best_highlight(highlights, ["name", "name.plain"])
    summary = best_highlight(highlights, ["summary", "summary.plain"])
    marked = {
        "name": name or html.escape(source.get("name", "")),
        "summary": summary or html.escape(source.get("summary", "")),
    }
    if not name and not summary:  # matched only elsewhere: show where
        text = best_highlight(
            highlights, [field for snippet_field in SNIPPET_FIELDS for field in (snippet_field, f"{snippet_field}.plain")]
        )
        if text:
            marked["text"] = text
    return marked


def hit_of(hit: dict) -> Hit:
    source = hit["_source"]
    return Hit(
        product_id=int(source["product_id"]),
        slug=source["slug"],
        name=source["name"],
        summary=source.get("summary", ""),
        domain=source["domain"],
        domain_name=source.get("domain_name", ""),
        owner_team=source["owner_team"],
        status=source["status"],
        kind=source["kind"],
        classification=source["classification"],
        slo_status=source.get("slo_status") or SLOStatus.NO_DATA.value,
        contains_pii=bool(source.get("contains_pii")),
        tags=sorted(source.get("tags") or []),
        score=float(hit.get("_score") or 0.0),
        highlights=hit_highlights(source, hit.get("highlight", {})),
    )


def facets_of(aggs: dict, query: SearchQuery) -> dict[str, list[FacetValue]]:
    facets = {}
    for name in FACET_FIELDS:
        selected = set(query.filters.get(name, ()))
        labels = dict(FACET_CHOICES[name].choices) if name in FACET_CHOICES else {}
        values = []
        for bucket in aggs.get(name, {}).get("buckets", []):
            value = str(bucket["key"])
            label_buckets = bucket.get("label", {}).get("buckets", [])
            label = label_buckets[0]["key"] if label_buckets else labels.get(value, value)
            values.append(FacetValue(value=value, label=label, count=bucket["doc_count"], selected=value in selected))
        values.sort(key=lambda item: (-item.count, item.label.lower()))
        facets[name] = values[:FACET_SIZE]
    return facets


def result_from_response(response: dict, query: SearchQuery) -> SearchResult:
    hits = response["hits"]
    total = hits["total"]["value"] if isinstance(hits["total"], dict) else hits["total"]
    return SearchResult(
        hits=[hit_of(hit) for hit in hits["hits"]],
        total=total,
        facets=facets_of(response.get("aggregations", {}), query),
        query=query,
        backend=ElasticsearchBackend.name,
    )


def suggestions_from_response(response: dict, visibility: Visibility, limit: int) -> list[Suggestion]:
    """Suggestions in the engine's order, each product once; drafts the person
    may not see are dropped even if the index's contexts were stale."""
    suggestions, seen = [], set()
    for entry in response.get("suggest", {}).get("product", []):
        for option in entry.get("options", []):
            source = option.get("_source", {})
            if option["_id"] in seen or not visibility.may_see(status=source.get("status"), product_id=source.get("product_id")):
                continue
            seen.add(option["_id"])
            suggestions.append(Suggestion(slug=source["slug"], name=source["name"], domain_name=source.get("domain_name", "")))
    return suggestions[:limit]


# --- the backend ---------------------------------------------------------------

INDEX_NOT_FOUND = "index_not_found_exception"


@contextmanager
def unavailable_on_failure(action: str):
    """Any failure to get an answer is SearchUnavailable, never a client exception."""
    try:
        yield
    except (TransportError, ApiError) as error:
        raise SearchUnavailable(f"Elasticsearch could not {action}: {error}") from error


class ElasticsearchBackend:
    """The contract of search.types answered by Elasticsearch.
    Writes are refreshed at once, so a change is searchable when index() returns."""

    name = "elasticsearch"
    # Creating indexes, rebuilding and moving the alias may take longer than a
    # search; they run in commands and tasks, not in a page request.
    admin_timeout = 60.0

    def __init__(self, url: str, index: str, timeout: float):
        self.url = url
        self.index_name = index
        self.next_alias = f"{index}-next"
        self.timeout = timeout
        self.client = Elasticsearch(url, request_timeout=timeout, max_retries=0, retry_on_timeout=False)
        self._alias_ready = False
        self._rebuilding: str | None = None

    # --- reads ---

    def search(self, query: SearchQuery, visibility: Visibility) -> SearchResult:
        with unavailable_on_failure("search"):
            response = self.client.search(index=self.index_name, body=search_body(query, visibility))
        return result_from_response(response.body, query)

    def suggest(self, prefix: str, visibility: Visibility, limit: int = 8) -> list[Suggestion]:
        body = suggest_body(prefix, visibility, limit)
        if body is None:
            return []
        with unavailable_on_failure("suggest"):
            response = self.client.search(index=self.index_name, body=body)
        return suggestions_from_response(response.body, visibility, limit)

    # --- writes ---

    def index(self, documents: list[ProductDocument]) -> None:
        """Add or replace these products' documents (creating the first index
        and the alias if there is none yet)."""
        with unavailable_on_failure("index products"):
            self._ensure_alias()
            if not documents:
                return
            operations = []
            for document in documents:
                source = document_source(document)
                for target in (self.index_name, self.next_alias):
                    operations += [{"index": {"_index": target, "_id": str(document.product_id), "require_alias": True}}, source]
            failed = self._bulk(operations)
            if any(error.get("type") == INDEX_NOT_FOUND for error in failed):
                # The alias went away (or a plain index took its name): make it again, once.
                self._alias_ready = False
                self._ensure_alias()
                failed = self._bulk(operations)
            if failed:
                raise SearchUnavailable(f"Elasticsearch refused to index products: {failed[0]}")

    def remove(self, product_ids: list[int]) -> None:
        """Remove these products' documents; ids not in the index are no error."""
        if not product_ids:
            return
        with unavailable_on_failure("remove products"):
            operations = [
                {"delete": {"_index": target, "_id": str(product_id)}}
                for product_id in product_ids
                for target in (self.index_name, self.next_alias)
            ]
            failed = self._bulk(operations)
        if failed:
            raise SearchUnavailable(f"Elasticsearch refused to remove products: {failed[0]}")

    def _bulk(self, operations: list[dict], *, client=None, refresh: bool = True) -> list[dict]:
        """Send the operations; returns the failures that matter. A write to
        the rebuild alias when no rebuild runs, or to an index that does not
        exist for a delete, is expected to fail and is ignored."""
        response = (client or self.client).bulk(operations=operations, refresh=refresh).body
        if not response.get("errors"):
            return []
        failed = []
        for item in response["items"]:
            ((action, result),) = item.items()
            error = result.get("error")
            if not error:
                continue  # includes a delete of a missing document: result "not_found"
            missing_index = error.get("type") == INDEX_NOT_FOUND
            if missing_index and (result.get("_index") == self.next_alias or action == "delete"):
                continue
            failed.append(error)
        return failed

    # --- index management ---

    def _admin(self):
        return self.client.options(request_timeout=self.admin_timeout)

    def _new_index_name(self) -> str:
        return f"{self.index_name}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"

    def _create_concrete_index(self) -> str:
        name = self._new_index_name()
        self._admin().indices.create(index=name, body=index_definition())
        return name

    def _indexes_with_alias(self, alias: str) -> list[str]:
        try:
            return sorted(self.client.indices.get_alias(name=alias).body)
        except NotFoundError:
            return []

    def concrete_indexes(self) -> list[str]:
        """This backend's concrete indexes: `<index>-<timestamp>`, and a plain
        index squatting on the alias's name (made by an unguarded write)."""
        own = re.compile(rf"^{re.escape(self.index_name)}(-\d{{20}})?$")
        found = self._admin().indices.get(index=f"{self.index_name}*", expand_wildcards="open,closed", ignore_unavailable=True)
        return sorted(name for name in found.body if own.match(name))

    def _ensure_alias(self) -> None:
        """Make the first concrete index and point the alias at it, unless the alias exists."""
        if self._alias_ready:
            return
        if self.client.indices.exists_alias(name=self.index_name):
            self._alias_ready = True
            return
        squatter = self.client.indices.exists(index=self.index_name)
        new = self._create_concrete_index()
        actions = [{"add": {"index": new, "alias": self.index_name, "is_write_index": True}}]
        if squatter:
            actions.insert(0, {"remove_index": {"index": self.index_name}})
        try:
            self._admin().indices.update_aliases(actions=actions)
        except ApiError:
            # Another process made the alias first: keep theirs.
            self._admin().options(ignore_status=404).indices.delete(index=new)
            if not self.client.indices.exists_alias(name=self.index_name):
                raise
        self._alias_ready = True

    def begin_rebuild(self) -> None:
        """Create a new, empty concrete index; writes from now on reach it too."""
        with unavailable_on_failure("begin a rebuild"):
            new = self._create_concrete_index()
            stale = self._indexes_with_alias(self.next_alias)  # of a rebuild that never finished
            actions = [{"remove": {"index": name, "alias": self.next_alias}} for name in stale]
            actions.append({"add": {"index": new, "alias": self.next_alias}})
            self._admin().indices.update_aliases(actions=actions)
        self._rebuilding = new

    def write_rebuild(self, documents: list[ProductDocument]) -> None:
        if self._rebuilding is None:
            raise RuntimeError("write_rebuild() before begin_rebuild()")
        if not documents:
            return
        operations = []
        for document in documents:
            operations += [{"index": {"_index": self._rebuilding, "_id": str(document.product_id)}}, document_source(document)]
        with unavailable_on_failure("write the new index"):
            failed = self._bulk(operations, client=self._admin(), refresh=False)
        if failed:
            raise SearchUnavailable(f"Elasticsearch refused to index products: {failed[0]}")

    def finish_rebuild(self) -> None:
        """Point the alias at the new index and delete the old ones, in one
        atomic step: searches see the old index until then, the new one after."""
        if self._rebuilding is None:
            raise RuntimeError("finish_rebuild() before begin_rebuild()")
        new = self._rebuilding
        with unavailable_on_failure("switch to the new index"):
            admin = self._admin()
            admin.indices.refresh(index=new)
            old = [name for name in self.concrete_indexes() if name != new]
            actions = [{"remove_index": {"index": name}} for name in old]
            actions += [
                {"remove": {"index": new, "alias": self.next_alias}},
                {"add": {"index": new, "alias": self.index_name, "is_write_index": True}},
            ]
            admin.indices.update_aliases(actions=actions)
        self._rebuilding = None
        self._alias_ready = True
