"""The Elasticsearch backend without a server: the mapping, the documents, the
request bodies built for queries (user text only ever as plain words), and
the reading of answers."""

import json
import re
from datetime import UTC, datetime

import pytest

from catalog.models import DataProduct, SLOStatus
from catalog.visibility import Visibility
from search.documents import ProductDocument
from search.elastic import (
    EXACT_NAME_BOOST,
    document_source,
    index_definition,
    result_from_response,
    search_body,
    suggest_body,
    suggestions_from_response,
)
from search.types import FACET_NAMES, FACET_SIZE, SearchQuery

EVERYONE = Visibility()
ADMIN = Visibility(sees_everything=True)
MEMBER = Visibility(draft_ids=frozenset({7, 3}))
WEIGHTED_FIELDS = [
    "name^10",
    "tags^5",
    "summary^4",
    "domain_name^3",
    "owner_team_name^2",
    "ports^1.5",
    "description",
    "fields",
    "extra_terms",
]


def product_document(**fields) -> ProductDocument:
    values = {
        "product_id": 12,
        "slug": "customer-orders",
        "name": "Customer Orders (daily)",
        "summary": "Every order a customer placed.",
        "description": "Orders & returns.",
        "domain": "sales",
        "domain_name": "Sales",
        "owner_team": "team-orders",
        "owner_team_name": "Order team",
        "tags": ["orders", "gold"],
        "ports": "daily table BigQuery One row per order",  # names, types, formats, descriptions: never a location
        "fields": "order_id The order",
        "status": DataProduct.Status.PUBLISHED,
        "kind": DataProduct.Kind.SOURCE_ALIGNED,
        "classification": DataProduct.Classification.INTERNAL,
        "slo_status": SLOStatus.AT_RISK,
        "contains_pii": True,
        "created_at": datetime(2025, 3, 1, 12, 0, tzinfo=UTC),
        "popularity": 42,
    }
    values.update(fields)
    return ProductDocument(**values)


def clauses_named(body, name: str) -> list:
    """Every value under the key `name`, anywhere in the body."""
    found = []
    if isinstance(body, dict):
        for key, value in body.items():
            if key == name:
                found.append(value)
            found.extend(clauses_named(value, name))
    elif isinstance(body, list):
        for value in body:
            found.extend(clauses_named(value, name))
    return found


def text_matches(body) -> list[dict]:
    return clauses_named(body["query"]["bool"]["must"][0], "multi_match")


# --- the mapping -------------------------------------------------------------


def test_text_fields_are_analyzed_in_english_with_a_plain_subfield():
    definition = index_definition()
    properties = definition["mappings"]["properties"]
    analyzers = definition["settings"]["analysis"]["analyzer"]

    for name in ("name", "summary", "description", "domain_name", "owner_team_name", "tags", "ports", "fields", "extra_terms"):
        assert properties[name]["type"] == "text"
        assert properties[name]["analyzer"] == "product_english"
        assert properties[name]["fields"]["plain"] == {"type": "text", "analyzer": "product_plain"}
    filters = definition["settings"]["analysis"]["filter"]
    english_filters = [filters.get(name, {"type": name}) for name in analyzers["product_english"]["filter"]]
    assert {"type": "stemmer", "language": "english"} in english_filters
    assert {"type": "stop", "stopwords": "_english_"} in english_filters
    assert analyzers["product_plain"]["tokenizer"] == "standard"
    assert analyzers["product_plain"]["filter"] == ["lowercase", "asciifolding"]


def test_underscores_dots_and_colons_separate_words_as_in_the_database_backends():
    analysis = index_definition()["settings"]["analysis"]

    for name in ("product_english", "product_plain"):
        assert analysis["analyzer"][name]["char_filter"] == ["product_word_separators"]
    assert analysis["char_filter"]["product_word_separators"] == {
        "type": "mapping",
        "mappings": ["_ => \\u0020", ". => \\u0020", ": => \\u0020"],
    }


def test_filters_facets_and_sorts_use_keyword_fields():
    properties = index_definition()["mappings"]["properties"]

    for name in ("slug", "domain", "owner_team", "status", "kind", "classification", "slo_status", "name_terms"):
        assert properties[name] == {"type": "keyword"}
    for name in ("name", "tags", "domain_name", "owner_team_name"):
        assert properties[name]["fields"]["keyword"]["type"] == "keyword"
    assert properties["product_id"] == {"type": "integer"}
    assert properties["popularity"] == {"type": "integer"}
    assert properties["created_at"] == {"type": "date"}
    assert properties["contains_pii"] == {"type": "boolean"}


def test_suggestions_come_from_a_completion_field_with_a_visibility_context():
    properties = index_definition()["mappings"]["properties"]

    assert properties["suggest"] == {
        "type": "completion",
        "analyzer": "product_plain",
        "contexts": [{"name": "visibility", "type": "category"}],
    }


def test_index_refuses_fields_it_does_not_know_and_has_one_shard():
    definition = index_definition()

    assert definition["mappings"]["dynamic"] == "strict"
    assert definition["settings"]["number_of_shards"] == 1


def test_document_carries_every_mapped_field_and_nothing_else():
    source = document_source(product_document())

    assert set(source) == set(index_definition()["mappings"]["properties"])
    assert source["created_at"] == "2025-03-01T12:00:00+00:00"
    assert source["name_terms"] == "customer orders daily"
    assert source["slo_status"] == "at_risk"


def test_document_suggests_its_name_from_the_start_first_and_from_each_later_word():
    source = document_source(product_document(name="Customer Orders daily", popularity=42))

    assert source["suggest"] == [
        {"input": ["Customer Orders daily"], "weight": 1_000_042, "contexts": {"visibility": ["listed"]}},
        {"input": ["Orders daily", "daily"], "weight": 42, "contexts": {"visibility": ["listed"]}},
    ]


def test_control_characters_never_reach_a_suggestion_input():
    source = document_source(product_document(name="Bad\x00name\x1f here"))

    assert [entry["input"] for entry in source["suggest"]] == [["Bad name here"], ["name here", "here"]]


def test_draft_is_suggested_only_in_its_own_context():
    source = document_source(product_document(product_id=7, name="Draft", status=DataProduct.Status.DRAFT))

    assert source["suggest"] == [{"input": ["Draft"], "weight": 1_000_042, "contexts": {"visibility": ["draft", "draft-7"]}}]


# --- the search body ---------------------------------------------------------


def test_every_word_must_match_in_some_weighted_field_with_typos_allowed():
    body = search_body(SearchQuery(text="custmer orders"), EVERYONE)

    words = body["query"]["bool"]["must"][0]["bool"]["must"]
    assert len(words) == 2
    for word, clause in zip(["custmer", "orders"], words):
        assert clause["bool"]["minimum_should_match"] == 1
        stemmed = clause["bool"]["should"][0]["multi_match"]
        assert stemmed["query"] == word
        assert stemmed["type"] == "best_fields"
        assert stemmed["fields"] == WEIGHTED_FIELDS
        assert stemmed["operator"] == "and"
        assert stemmed["fuzziness"] == "AUTO"
        assert stemmed["prefix_length"] == 1
        as_typed = clause["bool"]["should"][1]["multi_match"]
        assert as_typed["fields"] == [field.replace("^", ".plain^") if "^" in field else f"{field}.plain" for field in WEIGHTED_FIELDS]
        assert as_typed["fuzziness"] == "AUTO"


def test_exact_name_outranks_everything_else():
    body = search_body(SearchQuery(text="Customer Orders!"), EVERYONE)

    boosts = body["query"]["bool"]["must"][0]["bool"]["should"]
    assert {"constant_score": {"filter": {"term": {"name_terms": "customer orders"}}, "boost": EXACT_NAME_BOOST}} in boosts
    assert {"match_phrase": {"name.plain": {"query": "customer orders", "boost": 20}}} in boosts


def test_products_found_by_a_usable_ports_location_are_added_with_a_modest_constant_score():
    body = search_body(SearchQuery(text="orders", location_matches=frozenset({7, 3})), MEMBER)

    either = body["query"]["bool"]["must"][0]["bool"]
    assert either["minimum_should_match"] == 1
    assert either["should"][0] == search_body(SearchQuery(text="orders"), MEMBER)["query"]["bool"]["must"][0]
    assert either["should"][1] == {"constant_score": {"filter": {"terms": {"product_id": [3, 7]}}, "boost": 1}}
    assert body["query"]["bool"]["filter"] == search_body(SearchQuery(text="orders"), MEMBER)["query"]["bool"]["filter"]


def test_a_search_document_is_written_without_any_location():
    source = document_source(product_document())

    assert "://" not in json.dumps(source)


def test_words_of_three_letters_or_more_also_match_as_the_start_of_a_word():
    body = search_body(SearchQuery(text="cust or"), EVERYONE)

    prefixes = [clause for clause in text_matches(body) if clause["type"] == "bool_prefix"]
    assert [clause["query"] for clause in prefixes] == ["cust"]
    assert prefixes[0]["fields"][0] == "name.plain^10"


def test_numbers_are_matched_without_typos():
    body = search_body(SearchQuery(text="orders 2024"), EVERYONE)

    fuzziness = {clause["query"]: clause["fuzziness"] for clause in text_matches(body) if clause["type"] == "best_fields"}
    assert fuzziness == {"orders": "AUTO", "2024": 0}


def test_member_sees_every_product_but_drafts_and_their_own_drafts():
    body = search_body(SearchQuery(text="orders"), MEMBER)

    assert body["query"]["bool"]["filter"] == [
        {
            "bool": {
                "should": [{"bool": {"must_not": [{"term": {"status": "draft"}}]}}, {"terms": {"product_id": [3, 7]}}],
                "minimum_should_match": 1,
            }
        }
    ]


def test_someone_without_drafts_sees_no_drafts():
    body = search_body(SearchQuery(), EVERYONE)

    assert body["query"]["bool"]["filter"] == [{"bool": {"must_not": [{"term": {"status": "draft"}}]}}]


def test_admin_search_has_no_visibility_filter():
    body = search_body(SearchQuery(text="orders"), ADMIN)

    assert body["query"]["bool"]["filter"] == []


def test_facet_filters_are_or_within_a_facet_and_and_across_facets_and_tags():
    filters = {
        "domain": ("sales", "finance"),
        "owner_team": ("team-a",),
        "classification": ("internal",),
        "status": ("published", "deprecated"),
        "slo_status": ("breached", "at_risk"),
        "kind": ("aggregate",),
        "tag": ("gold", "pii"),
    }
    body = search_body(SearchQuery(text="orders", filters=filters), ADMIN)

    assert body["query"]["bool"]["filter"] == [
        {"terms": {"domain": ["sales", "finance"]}},
        {"terms": {"owner_team": ["team-a"]}},
        {"terms": {"classification": ["internal"]}},
        {"terms": {"status": ["published", "deprecated"]}},
        {"terms": {"slo_status": ["breached", "at_risk"]}},
        {"terms": {"kind": ["aggregate"]}},
        {"term": {"tags.keyword": "gold"}},
        {"term": {"tags.keyword": "pii"}},
    ]


def test_every_facet_is_counted_within_the_query_with_names_for_domains_and_teams():
    body = search_body(SearchQuery(text="orders", filters={"domain": ("sales",)}), EVERYONE)

    aggs = body["aggs"]
    assert list(aggs) == list(FACET_NAMES)
    assert aggs["tag"] == {"terms": {"field": "tags.keyword", "size": FACET_SIZE * 4}}
    assert aggs["slo_status"] == {"terms": {"field": "slo_status", "size": FACET_SIZE * 4}}
    assert aggs["domain"]["terms"]["field"] == "domain"
    assert aggs["domain"]["aggs"] == {"label": {"terms": {"field": "domain_name.keyword", "size": 1}}}
    assert aggs["owner_team"]["aggs"] == {"label": {"terms": {"field": "owner_team_name.keyword", "size": 1}}}
    assert "post_filter" not in body  # counts within the filters, as the database backends


def test_slo_status_filter_is_a_terms_clause_on_its_keyword_field():
    body = search_body(SearchQuery(filters={"slo_status": ("breached",)}), EVERYONE)

    assert body["query"]["bool"]["filter"] == [
        {"bool": {"must_not": [{"term": {"status": "draft"}}]}},
        {"terms": {"slo_status": ["breached"]}},
    ]


def test_hits_are_asked_with_their_slo_status():
    body = search_body(SearchQuery(text="orders"), EVERYONE)

    assert "slo_status" in body["_source"]


def test_matches_are_highlighted_as_escaped_html_with_mark_tags():
    body = search_body(SearchQuery(text="orders"), EVERYONE)

    highlight = body["highlight"]
    assert highlight["encoder"] == "html"
    assert highlight["pre_tags"] == ["<mark>"]
    assert highlight["post_tags"] == ["</mark>"]
    assert highlight["fields"]["name"] == {"number_of_fragments": 0}
    assert highlight["fields"]["summary.plain"] == {"number_of_fragments": 0}
    assert highlight["fields"]["description"]["number_of_fragments"] == 1


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("relevance", ["_score", {"popularity": {"order": "desc"}}, {"name.keyword": {"order": "asc"}}, {"product_id": {"order": "asc"}}]),
        ("name", [{"name.keyword": {"order": "asc"}}, {"product_id": {"order": "asc"}}]),
        ("newest", [{"created_at": {"order": "desc"}}, {"product_id": {"order": "asc"}}]),
        ("most_used", [{"popularity": {"order": "desc"}}, "_score", {"name.keyword": {"order": "asc"}}, {"product_id": {"order": "asc"}}]),
        (
            "no-such-sort",
            ["_score", {"popularity": {"order": "desc"}}, {"name.keyword": {"order": "asc"}}, {"product_id": {"order": "asc"}}],
        ),
    ],
)
def test_sort_orders_like_the_database_backends(sort, expected):
    body = search_body(SearchQuery(text="orders", sort=sort), EVERYONE)

    assert body["sort"] == expected


def test_pages_are_asked_with_from_and_size():
    body = search_body(SearchQuery(text="orders", page=3, page_size=25), EVERYONE)

    assert (body["from"], body["size"], body["track_total_hits"]) == (50, 25, True)


def test_without_words_everything_visible_is_listed_by_name():
    body = search_body(SearchQuery(text="  ", filters={"kind": ("aggregate",)}), EVERYONE)

    assert body["query"]["bool"]["must"] == [{"match_all": {}}]
    assert body["query"]["bool"]["filter"][1] == {"terms": {"kind": ["aggregate"]}}
    assert body["sort"] == [{"name.keyword": {"order": "asc"}}, {"product_id": {"order": "asc"}}]
    assert "highlight" not in body
    assert list(body["aggs"]) == list(FACET_NAMES)


HOSTILE = [
    "(",
    "*:*",
    "name:foo",
    "' OR 1=1 --",
    "a" * 10_000,
    "word " * 2_000,
    "🙂🔥 orders 🙂",
    '"unclosed',
    "foo AND (bar OR",
    "\\/<script>",
]
SYNTAX_CLAUSES = ("query_string", "simple_query_string", "regexp", "wildcard", "script", "script_score")
PLAIN_WORDS = re.compile(r"^\w+( \w+)*$")


def keys_of(body) -> set[str]:
    if isinstance(body, dict):
        return set(body) | {key for value in body.values() for key in keys_of(value)}
    if isinstance(body, list):
        return {key for value in body for key in keys_of(value)}
    return set()


def user_strings(body) -> list[str]:
    """The strings of the body that came from the user: match and term values, and prefixes."""
    strings = []
    for clause in clauses_named(body, "multi_match"):
        strings.append(clause["query"])
    for clause in clauses_named(body, "match_phrase"):
        strings.extend(value["query"] for value in clause.values())
    for clause in clauses_named(body, "term"):
        strings.extend(value for field, value in clause.items() if field == "name_terms")
    strings.extend(clauses_named(body, "prefix"))
    return strings


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_reaches_the_engine_only_as_plain_words(text):
    body = search_body(SearchQuery(text=text), EVERYONE)

    assert keys_of(body).isdisjoint(SYNTAX_CLAUSES)
    for value in user_strings(body):
        assert PLAIN_WORDS.match(value), value
        assert len(value) <= 200


def test_text_of_only_symbols_searches_everything():
    body = search_body(SearchQuery(text="*:* ( ) 🙂"), EVERYONE)

    assert body["query"]["bool"]["must"] == [{"match_all": {}}]


def test_hostile_filter_values_are_term_values_not_syntax():
    body = search_body(SearchQuery(filters={"tag": ("*:*",), "domain": ("a OR b",)}), ADMIN)

    assert body["query"]["bool"]["filter"] == [{"terms": {"domain": ["a OR b"]}}, {"term": {"tags.keyword": "*:*"}}]


# --- the suggest body ----------------------------------------------------------


def test_suggestions_complete_the_typed_words_in_the_contexts_the_person_may_see():
    body = suggest_body("Cust  or", MEMBER, 5)

    assert body == {
        "size": 0,
        "_source": ["product_id", "slug", "name", "domain_name", "status"],
        "suggest": {
            "product": {
                "prefix": "cust or",
                "completion": {"field": "suggest", "size": 15, "contexts": {"visibility": ["listed", "draft-3", "draft-7"]}},
            }
        },
    }


def test_admin_suggestions_include_every_draft():
    body = suggest_body("cust", ADMIN, 5)

    assert body["suggest"]["product"]["completion"]["contexts"] == {"visibility": ["listed", "draft"]}


@pytest.mark.parametrize("text", ["", "   ", "*:*", "(", "🙂"])
def test_nothing_to_complete_asks_nothing(text):
    assert suggest_body(text, EVERYONE, 5) is None


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_completed_only_as_plain_words(text):
    body = suggest_body(text, EVERYONE, 5)

    if body is not None:
        assert PLAIN_WORDS.match(body["suggest"]["product"]["prefix"])


# --- reading answers -----------------------------------------------------------


def source_of(
    product_id: int, name: str, *, status: str = "published", summary: str = "A <b>bold</b> summary.", slo_status: str = "meeting"
) -> dict:
    return {
        "product_id": product_id,
        "slug": f"product-{product_id}",
        "name": name,
        "summary": summary,
        "domain": "sales",
        "domain_name": "Sales",
        "owner_team": "team-orders",
        "status": status,
        "kind": "aggregate",
        "classification": "internal",
        "slo_status": slo_status,
        "contains_pii": False,
        "tags": ["zeta", "alpha"],
    }


def test_hits_keep_the_engine_order_with_highlights_and_escaped_fallbacks():
    response = {
        "hits": {
            "total": {"value": 41, "relation": "eq"},
            "hits": [
                {
                    "_id": "2",
                    "_score": 3.5,
                    "_source": source_of(2, "Orders & co"),
                    "highlight": {"name": ["<mark>Orders</mark> &amp; co"]},
                },
                {
                    "_id": "1",
                    "_score": 1.25,
                    "_source": source_of(1, "Returns <x>", slo_status="breached"),
                    "highlight": {
                        "description.plain": ["the <mark>orders</mark> returned"],
                        "description": ["the <mark>orders</mark> returned <mark>orders</mark>"],
                    },
                },
            ],
        },
        "aggregations": {},
    }

    result = result_from_response(response, SearchQuery(text="orders"))

    assert result.backend == "elasticsearch"
    assert result.total == 41
    assert [hit.product_id for hit in result.hits] == [2, 1]
    first, second = result.hits
    assert first.score == 3.5
    assert first.tags == ["alpha", "zeta"]
    assert (first.slo_status, second.slo_status) == ("meeting", "breached")
    assert first.highlights == {"name": "<mark>Orders</mark> &amp; co", "summary": "A &lt;b&gt;bold&lt;/b&gt; summary."}
    assert second.highlights == {
        "name": "Returns &lt;x&gt;",
        "summary": "A &lt;b&gt;bold&lt;/b&gt; summary.",
        "text": "the <mark>orders</mark> returned <mark>orders</mark>",
    }


def test_a_hit_indexed_before_slo_status_was_mapped_reads_as_no_data():
    source = source_of(1, "Orders")
    del source["slo_status"]
    response = {"hits": {"total": {"value": 1, "relation": "eq"}, "hits": [{"_id": "1", "_score": 1.0, "_source": source}]}}

    result = result_from_response(response, SearchQuery(text="orders"))

    assert [hit.slo_status for hit in result.hits] == ["no_data"]


def test_facets_are_labelled_sorted_by_count_then_label_and_marked_selected():
    response = {
        "hits": {"total": {"value": 0, "relation": "eq"}, "hits": []},
        "aggregations": {
            "domain": {"buckets": [{"key": "sales", "doc_count": 2, "label": {"buckets": [{"key": "Sales", "doc_count": 2}]}}]},
            "tag": {"buckets": [{"key": "beta", "doc_count": 3}, {"key": "Alpha", "doc_count": 3}, {"key": "gold", "doc_count": 5}]},
            "classification": {"buckets": [{"key": "internal", "doc_count": 1}]},
            "status": {"buckets": [{"key": "published", "doc_count": 4}, {"key": "draft", "doc_count": 4}]},
            "slo_status": {
                "buckets": [{"key": "no_data", "doc_count": 6}, {"key": "at_risk", "doc_count": 1}, {"key": "breached", "doc_count": 1}]
            },
            "kind": {"buckets": [{"key": "consumer-aligned", "doc_count": 1}]},
            "owner_team": {"buckets": [{"key": "team-a", "doc_count": 1, "label": {"buckets": [{"key": "Team A", "doc_count": 1}]}}]},
        },
    }

    result = result_from_response(response, SearchQuery(filters={"tag": ("gold",), "status": ("draft",), "slo_status": ("breached",)}))

    facets = {name: [(value.value, value.label, value.count, value.selected) for value in values] for name, values in result.facets.items()}
    assert facets == {
        "domain": [("sales", "Sales", 2, False)],
        "tag": [("gold", "gold", 5, True), ("Alpha", "Alpha", 3, False), ("beta", "beta", 3, False)],
        "classification": [("internal", "Internal", 1, False)],
        "status": [("draft", "Draft", 4, True), ("published", "Published", 4, False)],
        "slo_status": [("no_data", "No data", 6, False), ("at_risk", "At risk", 1, False), ("breached", "Breached", 1, True)],
        "kind": [("consumer-aligned", "Consumer-aligned", 1, False)],
        "owner_team": [("team-a", "Team A", 1, False)],
    }


def test_a_facet_shows_at_most_facet_size_values():
    buckets = [{"key": f"tag-{number:03}", "doc_count": 1} for number in range(FACET_SIZE * 2)]
    response = {"hits": {"total": {"value": 0, "relation": "eq"}, "hits": []}, "aggregations": {"tag": {"buckets": buckets}}}

    result = result_from_response(response, SearchQuery())

    assert [value.value for value in result.facets["tag"]] == [f"tag-{number:03}" for number in range(FACET_SIZE)]


def test_suggestions_name_each_product_once_and_never_a_draft_the_person_may_not_see():
    options = [
        {"_id": "1", "_source": source_of(1, "Customer orders")},
        {"_id": "9", "_source": source_of(9, "Customer secrets", status="draft")},
        {"_id": "1", "_source": source_of(1, "Customer orders")},
        {"_id": "3", "_source": source_of(3, "Customer drafts", status="draft")},
        {"_id": "4", "_source": source_of(4, "Customer returns")},
        {"_id": "5", "_source": source_of(5, "Customer churn")},
    ]
    response = {"suggest": {"product": [{"text": "customer", "options": options}]}}

    suggestions = suggestions_from_response(response, MEMBER, 3)

    assert [(suggestion.slug, suggestion.name, suggestion.domain_name) for suggestion in suggestions] == [
        ("product-1", "Customer orders", "Sales"),
        ("product-3", "Customer drafts", "Sales"),
        ("product-4", "Customer returns", "Sales"),
    ]
