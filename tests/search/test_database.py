"""What only the database backends (SQLite FTS5, PostgreSQL) do: the words
table behind typo correction, highlights stemmed as the engine stems, and
facet counts shared between people."""

import importlib
import sqlite3

import pytest
from django.core.cache import cache
from django.db import connection, transaction

from catalog import services as catalog_services
from catalog.models import DataProduct
from search import engines as search
from search import sqlite
from search.database import Match, python_highlights
from search.indexing import schedule_indexing
from search.types import SearchQuery
from tests.factories import ProductFactory, UserFactory, member_of, port

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def database_backend(settings):
    settings.ELASTICSEARCH_URL = ""
    search._external = None


def with_field(product, name: str):
    catalog_services.set_output_ports(
        product,
        ports=[catalog_services.PortSpec(name="daily", fields=[catalog_services.FieldSpec(name=name, data_type="string")])],
        confirm_breaking=True,
    )
    search.index_products([product.pk])
    return product


def words_table() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT term FROM catalog_search_term")
        return {row[0] for row in cursor.fetchall()}


def test_schema_field_names_are_indexed_as_words_for_typo_correction(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        product = ProductFactory(name="Account sessions", summary="Sessions per account.", ports=[port("daily", fields=0)])
    with_field(product, "listener_segment_id")

    assert {"listener", "segment"} <= words_table()
    assert not {word for word in words_table() if "_" in word}


def test_a_misspelled_word_found_only_in_a_field_name_is_corrected_to_the_word(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        product = ProductFactory(name="Account sessions", summary="Sessions per account.", ports=[port("daily", fields=0)])
    with_field(product, "listener_id")

    result = search.search(SearchQuery(text="listner"), user=UserFactory())

    assert result.corrections == {"listner": "listener"}
    assert [hit.name for hit in result.hits] == ["Account sessions"]


def test_an_identifier_typed_whole_is_searched_as_it_is(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        product = ProductFactory(name="Account sessions", summary="Sessions per account.", ports=[port("daily", fields=0)])
        ProductFactory(name="Listener profiles", summary="One row per listener.")
    with_field(product, "listener_id")

    result = search.search(SearchQuery(text="listener_id"), user=UserFactory())

    assert result.corrections == {}
    assert [hit.name for hit in result.hits] == ["Account sessions"]


def test_the_migration_replaces_identifiers_in_the_words_table_by_their_words():
    migration = importlib.import_module("catalog.migrations.0007_search_terms_split_identifiers")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM catalog_search_term")  # words an earlier committing test left in the index
        cursor.executemany("INSERT INTO catalog_search_term (term) VALUES (%s)", [("listener_segment_id",), ("segment",), ("ms_2024",)])

    migration.split_identifiers(None, connection.schema_editor())

    assert words_table() == {"listener", "segment"}


@pytest.mark.parametrize(
    ("text", "query", "marked"),
    [
        ("Generated playlists", "general", "<mark>Generated</mark> playlists"),  # Snowball english: generat, general
        ("Every possible listener", "possibly", "Every <mark>possible</mark> listener"),  # Snowball porter: possibl, possibli
        ("Café sessions", "cafe", "<mark>Café</mark> sessions"),  # diacritics folded
    ],
)
def test_sqlite_highlights_mark_a_word_fts5_matches_through_its_stem(text, query, marked):
    """Checked against FTS5 itself, an in-memory table with the index's
    tokenizer, whatever database this pass runs on."""
    index = sqlite3.connect(":memory:")
    index.execute(f"CREATE VIRTUAL TABLE t USING fts5(name, tokenize = '{sqlite.TOKENIZE}')")
    index.execute("INSERT INTO t (rowid, name) VALUES (1, ?)", [text])
    assert index.execute("SELECT rowid FROM t WHERE t MATCH ?", [f'"{query}"']).fetchall() == [(1,)]

    highlights = python_highlights(Match(terms=[query], corrections={}, exact_name=query), [(1, text, "", "")], sqlite.stem)

    assert highlights[1]["name"] == marked


def test_sqlite_stems_with_the_tokenizer_the_index_was_created_with():
    migration = importlib.import_module("catalog.migrations.0003_search_index")

    assert f"tokenize = '{sqlite.TOKENIZE}'" in migration.SQLITE[0]


def test_general_finds_and_marks_generated_where_the_engine_stems_them_alike(django_capture_on_commit_callbacks):
    """Porter (SQLite FTS5) stems both words "gener": the hit is found and the
    word marked. Snowball english (PostgreSQL) keeps them apart. ("General" is
    in the catalog, so the query is not corrected into "generated".)"""
    with django_capture_on_commit_callbacks(execute=True):
        ProductFactory(name="Generated playlists", summary="Playlists made for each listener.")
        ProductFactory(name="General ledger", summary="One row per booking.")

    result = search.search(SearchQuery(text="general"), user=UserFactory())

    assert result.corrections == {}
    marked = {hit.name: hit.highlights["name"] for hit in result.hits}
    if connection.vendor == "sqlite":
        assert marked == {"General ledger": "<mark>General</mark> ledger", "Generated playlists": "<mark>Generated</mark> playlists"}
    else:
        assert marked == {"General ledger": "<mark>General</mark> ledger"}


@pytest.mark.django_db(transaction=True)
def test_shared_facet_counts_add_a_persons_own_drafts_only_for_them():
    cache.clear()
    draft = ProductFactory(name="Royalty draft", status="draft", tags=["royalties"])
    ProductFactory(name="Royalty statements", tags=["royalties"])
    teammate = member_of(draft.owner_team)
    outsider = UserFactory()
    query = SearchQuery(text="royalty")

    first_teammate = search.search(query, user=teammate)
    outsider_after = search.search(query, user=outsider)
    teammate_again = search.search(query, user=teammate)

    assert (first_teammate.total, outsider_after.total, teammate_again.total) == (2, 1, 2)
    assert {v.value: v.count for v in outsider_after.facets["status"]} == {"published": 1}
    assert [(v.value, v.count) for v in outsider_after.facets["tag"]] == [("royalties", 1)]
    assert {v.value: v.count for v in teammate_again.facets["status"]} == {"published": 1, "draft": 1}
    assert [(v.value, v.count) for v in teammate_again.facets["tag"]] == [("royalties", 2)]


@pytest.mark.django_db(transaction=True)
def test_filters_and_drafts_give_exact_counts_without_words():
    cache.clear()
    draft = ProductFactory(name="Restricted draft", status="draft", classification="restricted", tags=["payments"])
    ProductFactory(name="Restricted one", classification="restricted", tags=["payments"])
    ProductFactory(name="Restricted untagged", classification="restricted")
    ProductFactory(name="Public one", classification="public", tags=["payments"])
    teammate = member_of(draft.owner_team)
    query = SearchQuery(filters={"classification": ("restricted",), "tag": ("payments",)})

    outsider_result = search.search(query, user=UserFactory())
    teammate_result = search.search(query, user=teammate)

    assert [hit.name for hit in outsider_result.hits] == ["Restricted one"]
    assert sorted(hit.name for hit in teammate_result.hits) == ["Restricted draft", "Restricted one"]
    assert (outsider_result.total, teammate_result.total) == (1, 2)


@pytest.mark.django_db(transaction=True)
def test_a_word_most_products_match_is_counted_exactly_with_drafts_and_filters():
    cache.clear()
    draft = ProductFactory(name="Royalty draft", status="draft", tags=["royalties"], classification="restricted")
    for number in range(4):
        ProductFactory(
            name=f"Royalty statements {number}",
            tags=["royalties", f"batch-{number % 2}"],
            classification="restricted" if number else "public",
        )
    ProductFactory(name="Listener profiles", tags=["profiles", "batch-0"], classification="restricted")
    teammate = member_of(draft.owner_team)

    for _ in range(2):  # counted, then cached
        everyone = search.search(SearchQuery(text="royalty"), user=UserFactory())
        own = search.search(SearchQuery(text="royalty"), user=teammate)
        filtered = search.search(SearchQuery(text="royalty", filters={"classification": ("restricted",)}), user=teammate)

        assert (everyone.total, own.total, filtered.total) == (4, 5, 4)
        assert {v.value: v.count for v in everyone.facets["tag"]} == {"royalties": 4, "batch-0": 2, "batch-1": 2}
        assert {v.value: v.count for v in own.facets["tag"]} == {"royalties": 5, "batch-0": 2, "batch-1": 2}
        assert {v.value: v.count for v in own.facets["status"]} == {"published": 4, "draft": 1}
        assert {v.value: v.count for v in filtered.facets["classification"]} == {"restricted": 4}


@pytest.mark.django_db(transaction=True)
def test_a_changed_slo_status_is_counted_at_once_for_a_word_most_products_match():
    cache.clear()
    products = [ProductFactory(name=f"Royalty statements {number}") for number in range(4)]
    ProductFactory(name="Listener profiles")
    DataProduct.objects.filter(pk=products[0].pk).update(slo_status="meeting")
    search.index_products([products[0].pk])
    first = search.search(SearchQuery(text="royalty"), user=UserFactory())  # counted, then cached

    with transaction.atomic():  # as slos.services.refresh_slo_statuses does
        DataProduct.objects.filter(pk__in=[products[0].pk, products[1].pk]).update(slo_status="breached")
        schedule_indexing([products[0].pk, products[1].pk])
    second = search.search(SearchQuery(text="royalty"), user=UserFactory())
    breached = search.search(SearchQuery(text="royalty", filters={"slo_status": ("breached",)}), user=UserFactory())

    assert {v.value: v.count for v in first.facets["slo_status"]} == {"meeting": 1, "no_data": 3}
    assert {v.value: v.count for v in second.facets["slo_status"]} == {"breached": 2, "no_data": 2}
    assert sorted(hit.name for hit in breached.hits) == ["Royalty statements 0", "Royalty statements 1"]
    assert {v.value: v.count for v in breached.facets["slo_status"]} == {"breached": 2}
