"""The search contract, run against every backend (see conftest.backend)."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from catalog import services as catalog_services
from catalog.models import DataProduct
from search import engines as search
from search.types import SearchQuery
from slos import services as slo_services
from tests.factories import DomainFactory, Mesh, ProductFactory, TeamFactory, UserFactory, live_grant, member_of, port

pytestmark = pytest.mark.django_db


def find(user, text="", **options):
    filters = {name: tuple(values) for name, values in options.pop("filters", {}).items()}
    return search.search(SearchQuery(text=text, filters=filters, **options), user=user)


def names(result):
    return [hit.name for hit in result.hits]


def with_slo_status(*products_and_statuses):
    """Store these (product, SLO status) pairs as refresh_slo_statuses does
    (update(), not save()), and reindex the products as its commit would."""
    for product, slo_status in products_and_statuses:
        DataProduct.objects.filter(pk=product.pk).update(slo_status=slo_status)
    search.index_products([product.pk for product, _ in products_and_statuses])


def test_answers_from_the_configured_backend(backend, make_product):
    make_product(name="Play events")

    result = find(UserFactory(), "play")

    assert result.backend != "elasticsearch" if backend == "database" else result.backend == "elasticsearch"
    assert result.degraded is False
    assert names(result) == ["Play events"]


def test_exact_name_match_ranks_first(backend, make_product):
    make_product(name="Listener profiles daily snapshot", summary="Listener profiles, one row per listener per day.")
    make_product(name="Profiles of listeners", summary="Listener profiles for marketing.", tags=["listener", "profiles"])
    make_product(name="Listener profiles", summary="One row per listener account.")

    result = find(UserFactory(), "listener profiles")

    assert names(result)[0] == "Listener profiles"


def test_a_match_in_the_name_beats_one_in_a_schema_field(backend, make_product):
    make_product(name="Daily streams", summary="Streams per day.", ports=[port("daily", fields=0)])
    with_field = make_product(name="Artist payouts", summary="Money per artist.", ports=[port("monthly", fields=0)])
    catalog_services.set_output_ports(
        with_field,
        ports=[catalog_services.PortSpec(name="monthly", fields=[catalog_services.FieldSpec(name="royalty", data_type="decimal")])],
        confirm_breaking=True,
    )
    named = make_product(name="Royalty statements", summary="Statements per rights holder.")
    search.index_products([with_field.pk, named.pk])

    result = find(UserFactory(), "royalty")

    assert names(result) == ["Royalty statements", "Artist payouts"]


def test_schema_fields_are_searchable(backend, make_product):
    product = make_product(name="Play events", ports=[port("stream", fields=0)])
    catalog_services.set_output_ports(
        product,
        ports=[
            catalog_services.PortSpec(
                name="stream",
                fields=[catalog_services.FieldSpec(name="ms_played", data_type="bigint", description="Milliseconds actually played")],
            )
        ],
        confirm_breaking=True,
    )
    search.index_products([product.pk])

    assert names(find(UserFactory(), "ms_played")) == ["Play events"]
    assert names(find(UserFactory(), "milliseconds")) == ["Play events"]


def test_nested_schema_fields_are_searchable(backend, make_product):
    product = make_product(name="Orders", ports=[port("orders", fields=0)])
    street = catalog_services.FieldSpec(name="delivery_street", data_type="string", description="Where the parcel goes")
    address = catalog_services.FieldSpec(name="address", data_type="struct", logical_type="object", fields=[street])
    catalog_services.set_output_ports(product, ports=[catalog_services.PortSpec(name="orders", fields=[address])], confirm_breaking=True)
    search.index_products([product.pk])

    assert names(find(UserFactory(), "delivery_street")) == ["Orders"]
    assert names(find(UserFactory(), "parcel")) == ["Orders"]


def test_misspelled_words_still_find_the_product(backend, make_product):
    make_product(name="Playlist recommendations", summary="Playlists recommended to each listener.")
    make_product(name="Artist payments", summary="Royalties per artist.")

    result = find(UserFactory(), "recomendations")

    assert names(result) == ["Playlist recommendations"]


def test_partial_words_find_products(backend, make_product):
    make_product(name="Playlist recommendations")
    make_product(name="Artist payments")

    assert names(find(UserFactory(), "playl")) == ["Playlist recommendations"]
    assert names(find(UserFactory(), "recommend")) == ["Playlist recommendations"]


def test_domain_team_tag_and_port_name_are_searchable(backend, make_product):
    domain = DomainFactory(name="Podcasts", slug="podcasts")
    make_product(domain=domain, name="Episode plays", tags=["audio-shows"], ports=[port("episode_plays_daily", location="")])
    make_product(name="Artist payments")

    assert names(find(UserFactory(), "podcasts")) == ["Episode plays"]
    assert names(find(UserFactory(), "audio-shows")) == ["Episode plays"]
    assert names(find(UserFactory(), "episode_plays_daily")) == ["Episode plays"]


SECRET_LOCATION = "bigquery://vaultproject/ledgers.quarterly_tallies"


@pytest.fixture
def mesh_with_a_secret_location(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        mesh = Mesh(name="Royalty statements")
        catalog_services.set_output_ports(
            mesh.product, ports=[port("daily", location=SECRET_LOCATION), port("weekly", location="")], confirm_breaking=True
        )
    return mesh


@pytest.mark.parametrize("who", ["consumer", "steward", "other_owner"])
def test_a_port_location_finds_nothing_for_people_who_may_not_use_the_port(backend, mesh_with_a_secret_location, who):
    user = getattr(mesh_with_a_secret_location, who)

    for text in (SECRET_LOCATION, "vaultproject", "ledgers", "quarterly_tallies", "tallies", "vaultproj"):
        result = find(user, text)
        assert (text, result.total, names(result)) == (text, 0, [])
    assert search.suggest("vaultproject", user=user)[0] == []


@pytest.mark.parametrize("who", ["owner", "developer", "admin"])
def test_the_team_and_admins_find_a_product_by_its_port_location(backend, mesh_with_a_secret_location, who):
    user = getattr(mesh_with_a_secret_location, who)

    for text in (SECRET_LOCATION, "vaultproject", "quarterly_tallies", "ledgers quarterly", "vaultproj"):
        result = find(user, text)
        assert (text, names(result), result.total) == (text, ["Royalty statements"], 1)
        assert "vaultproject" not in repr(result.hits[0].highlights)


def test_a_grant_holder_finds_the_product_by_the_location_of_the_granted_port(
    backend, mesh_with_a_secret_location, django_capture_on_commit_callbacks
):
    mesh = mesh_with_a_secret_location
    with django_capture_on_commit_callbacks(execute=True):
        live_grant(mesh, port=mesh.product.output_ports.get(name="daily"))

    result = find(mesh.requester, "vaultproject ledgers")

    assert names(result) == ["Royalty statements"]
    assert result.facets["domain"][0].count == 1
    assert "vaultproject" not in repr(result.hits[0].highlights)


def test_a_grant_for_another_port_does_not_find_the_product_by_this_ports_location(
    backend, mesh_with_a_secret_location, django_capture_on_commit_callbacks
):
    mesh = mesh_with_a_secret_location
    with django_capture_on_commit_callbacks(execute=True):
        live_grant(mesh, port=mesh.product.output_ports.get(name="weekly"))

    assert find(mesh.requester, "vaultproject").total == 0


def test_a_product_found_by_its_location_ranks_after_the_products_its_words_find(backend, mesh_with_a_secret_location, make_product):
    mesh = mesh_with_a_secret_location
    make_product(name="Ledgers by quarter", summary="Quarterly ledgers.")
    make_product(name="Tallies of ledgers", summary="Ledgers.")

    relevance = find(mesh.owner, "ledgers")
    by_name = find(mesh.owner, "ledgers", sort="name")
    second_page = find(mesh.owner, "ledgers", page=2, page_size=2)

    assert names(relevance)[-1] == "Royalty statements" and relevance.total == 3
    assert names(by_name) == ["Ledgers by quarter", "Royalty statements", "Tallies of ledgers"]
    assert names(second_page) == ["Royalty statements"]


def test_prefix_suggestions_name_visible_products(backend, make_product):
    make_product(name="Playlist recommendations")
    make_product(name="Play events")
    make_product(name="Artist payments")
    make_product(name="Playground draft", status="draft")

    suggestions, degraded = search.suggest("pla", user=UserFactory())

    assert sorted(s.name for s in suggestions) == ["Play events", "Playlist recommendations"]
    assert degraded is False


def test_facet_counts_follow_the_query(backend, make_product):
    finance = DomainFactory(slug="finance", name="Finance")
    listener = DomainFactory(slug="listener", name="Listener")
    make_product(domain=finance, name="Royalty statements", tags=["royalties", "monthly"], classification="restricted")
    make_product(domain=finance, name="Royalty rates", tags=["royalties"], classification="confidential")
    make_product(domain=listener, name="Royalty-free sessions", tags=["sessions"], classification="internal")
    make_product(domain=listener, name="Listener profiles", tags=["profiles"])

    result = find(UserFactory(), "royalty")

    assert result.total == 3
    assert {(v.value, v.count) for v in result.facets["domain"]} == {("finance", 2), ("listener", 1)}
    assert {(v.value, v.count) for v in result.facets["tag"]} == {("royalties", 2), ("monthly", 1), ("sessions", 1)}
    assert {(v.value, v.count) for v in result.facets["classification"]} == {("restricted", 1), ("confidential", 1), ("internal", 1)}
    assert [v.label for v in result.facets["domain"]] == ["Finance", "Listener"]


def test_filters_combine_and_mark_selected_facet_values(backend, make_product):
    finance = DomainFactory(slug="finance")
    make_product(domain=finance, name="Royalty statements", tags=["royalties", "monthly"], kind="aggregate")
    make_product(domain=finance, name="Royalty rates", tags=["royalties"], kind="source-aligned")
    make_product(name="Royalty sessions", tags=["royalties", "monthly"], kind="aggregate")

    result = find(UserFactory(), "royalty", filters={"domain": ["finance"], "tag": ["royalties", "monthly"], "kind": ["aggregate"]})

    assert names(result) == ["Royalty statements"]
    assert [v.selected for v in result.facets["domain"] if v.value == "finance"] == [True]


def test_filters_work_without_words(backend, make_product):
    make_product(name="Restricted one", classification="restricted")
    make_product(name="Public one", classification="public")

    result = find(UserFactory(), "", filters={"classification": ["restricted"]})

    assert names(result) == ["Restricted one"]
    assert result.total == 1


def test_slo_status_facet_counts_follow_the_query_with_labels(backend, make_product):
    late = make_product(name="Royalty statements")
    later = make_product(name="Royalty rates")
    on_time = make_product(name="Royalty forecasts")
    elsewhere = make_product(name="Listener profiles")
    with_slo_status((late, "breached"), (later, "breached"), (on_time, "meeting"), (elsewhere, "at_risk"))

    result = find(UserFactory(), "royalty")

    assert [(v.value, v.label, v.count) for v in result.facets["slo_status"]] == [("breached", "Breached", 2), ("meeting", "Meeting", 1)]


def test_products_without_slos_are_counted_as_no_data(backend, make_product):
    make_product(name="Royalty statements")

    result = find(UserFactory(), "royalty")

    assert [(v.value, v.label, v.count) for v in result.facets["slo_status"]] == [("no_data", "No data", 1)]
    assert [hit.slo_status for hit in result.hits] == ["no_data"]


def test_slo_status_filter_combines_with_other_filters_and_hits_carry_it(backend, make_product):
    breached_restricted = make_product(name="Royalty statements", classification="restricted")
    breached_internal = make_product(name="Royalty rates", classification="internal")
    at_risk_restricted = make_product(name="Royalty forecasts", classification="restricted")
    with_slo_status((breached_restricted, "breached"), (breached_internal, "breached"), (at_risk_restricted, "at_risk"))

    result = find(UserFactory(), "royalty", filters={"slo_status": ["breached"], "classification": ["restricted"]})
    either = find(UserFactory(), "", filters={"slo_status": ["breached", "at_risk"], "classification": ["restricted"]}, sort="name")

    assert [(hit.name, hit.slo_status) for hit in result.hits] == [("Royalty statements", "breached")]
    assert result.total == 1
    assert [(v.value, v.count, v.selected) for v in result.facets["slo_status"]] == [("breached", 1, True)]
    assert [(hit.name, hit.slo_status) for hit in either.hits] == [("Royalty forecasts", "at_risk"), ("Royalty statements", "breached")]


def test_drafts_are_found_only_by_their_team_and_admins(backend, make_product):
    draft = make_product(name="Secret royalty draft", status="draft")
    make_product(name="Royalty statements")
    teammate = member_of(draft.owner_team)
    admin = UserFactory(username="root", is_superuser=True)
    outsider = UserFactory()

    assert names(find(outsider, "royalty")) == ["Royalty statements"]
    assert {v.value: v.count for v in find(outsider, "royalty").facets["status"]} == {"published": 1}
    assert sorted(names(find(teammate, "royalty"))) == ["Royalty statements", "Secret royalty draft"]
    assert sorted(names(find(admin, "royalty"))) == ["Royalty statements", "Secret royalty draft"]
    assert [s.name for s in search.suggest("secret", user=outsider)[0]] == []


def test_changes_are_searchable_once_committed(backend, make_product, django_capture_on_commit_callbacks):
    product = make_product(name="Play events")

    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.update_product(product, by=product.product_owner, name="Stream starts", tags=["telemetry"])

    assert names(find(UserFactory(), "telemetry")) == ["Stream starts"]
    assert names(find(UserFactory(), "events")) == []


def test_deleted_products_disappear_and_retired_ones_are_marked(backend, make_product, django_capture_on_commit_callbacks):
    gone = make_product(name="Royalty old")
    retiring = make_product(name="Royalty legacy")
    with django_capture_on_commit_callbacks(execute=True):
        gone.delete()
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.change_status(retiring, by=retiring.product_owner, status="deprecated")
        catalog_services.change_status(retiring, by=retiring.product_owner, status="retired")

    result = find(UserFactory(), "royalty")

    assert [(hit.name, hit.status) for hit in result.hits] == [("Royalty legacy", "retired")]


@pytest.mark.parametrize(
    "text",
    [
        '"',
        "(",
        ")",
        "*:*",
        "name:foo",
        "title:(a OR b)",
        "' OR 1=1 --",
        "'; DROP TABLE catalog_dataproduct; --",
        "NEAR(a b)",
        "a AND OR NOT",
        "🎵🎧",
        "x" * 10000,
        "\\",
        "%_%",
        "<script>alert(1)</script>",
        "-",
        "^",
        "\x00",
    ],
)
def test_hostile_input_gets_a_sensible_answer(backend, make_product, text):
    make_product(name="Play events")

    result = find(UserFactory(), text)

    assert result.total >= 0
    assert DataProduct.objects.count() == 1
    search.suggest(text, user=UserFactory())


def test_snippets_escape_the_products_own_html(backend, make_product):
    make_product(name="Royalty <b>bold</b> & co", summary="Royalty <script>alert(1)</script> numbers")

    hit = find(UserFactory(), "royalty").hits[0]

    assert "<script>" not in hit.highlights["summary"]
    assert "&lt;script&gt;" in hit.highlights["summary"]
    assert "<b>" not in hit.highlights["name"]
    assert "<mark>" in hit.highlights["name"]


def test_a_word_found_through_its_stem_is_marked(backend, make_product):
    """Every engine stems "possibly" as "possible" (the published Porter
    algorithm alone does not): what found the hit is what is marked."""
    make_product(name="Every possible listener", summary="One row per listener.")
    make_product(name="Possibly duplicated plays", summary="Plays seen twice.")  # so "possibly" is not corrected

    result = find(UserFactory(), "possibly")

    assert result.corrections == {}
    assert {hit.name: hit.highlights["name"] for hit in result.hits} == {
        "Every possible listener": "Every <mark>possible</mark> listener",
        "Possibly duplicated plays": "<mark>Possibly</mark> duplicated plays",
    }


def test_sorts_by_name_newest_and_most_used(backend, make_product):
    first = make_product(name="Bravo royalty")
    second = make_product(name="Alpha royalty")
    DataProduct.objects.filter(pk=first.pk).update(consumer_count=5)
    search.index_products([first.pk, second.pk])

    assert names(find(UserFactory(), "royalty", sort="name")) == ["Alpha royalty", "Bravo royalty"]
    assert names(find(UserFactory(), "royalty", sort="newest")) == ["Alpha royalty", "Bravo royalty"]
    assert names(find(UserFactory(), "royalty", sort="most_used")) == ["Bravo royalty", "Alpha royalty"]


def test_popularity_breaks_ties(backend, make_product):
    quiet = make_product(name="Royalty one", summary="Same words.")
    popular = make_product(name="Royalty two", summary="Same words.")
    DataProduct.objects.filter(pk=popular.pk).update(consumer_count=9)
    search.index_products([quiet.pk, popular.pk])

    assert names(find(UserFactory(), "royalty"))[0] == "Royalty two"


def test_pages_split_the_hits(backend, make_product):
    team = TeamFactory()
    domain = DomainFactory(owner_team=team)
    author = member_of(team)
    for number in range(7):
        make_product(domain=domain, by=author, name=f"Royalty {number}")

    first = find(UserFactory(), "royalty", page_size=5)
    second = find(UserFactory(), "royalty", page=2, page_size=5)

    assert first.total == 7
    assert len(first.hits) == 5
    assert len(second.hits) == 2
    assert not set(names(first)) & set(names(second))


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_is_searchable_right_after_the_commit(backend):
    with transaction.atomic():
        product = ProductFactory(name="Play events")
        assert names(find(UserFactory(username="during"), "play")) == []  # not before the commit

    assert names(find(UserFactory(username="after"), "play")) == ["Play events"]
    product.delete()
    assert names(find(UserFactory(username="later"), "play")) == []


@pytest.mark.django_db(transaction=True)
def test_a_product_whose_slo_is_breached_is_found_under_its_new_status_after_the_commit(backend):
    cache.clear()
    product = ProductFactory(name="Royalty statements")
    ProductFactory(name="Royalty rates")
    owner = product.product_owner
    before = find(UserFactory(username="before"), "royalty", filters={"slo_status": ["breached"]})
    counted_before = find(UserFactory(username="counted-before"), "royalty")  # facet counts cached now
    slo = slo_services.define_slo(product, by=owner, indicator="freshness", threshold=24, target=99)

    slo_services.record_measurements(
        [{"slo": slo.pk, "measured_at": timezone.now() - timedelta(hours=1), "value": 48}], by=owner
    )  # committed: its indexing ran after the commit

    after = find(UserFactory(username="after"), "royalty", filters={"slo_status": ["breached"]})
    counted_after = find(UserFactory(username="counted-after"), "royalty")
    assert names(before) == []
    assert {v.value: v.count for v in counted_before.facets["slo_status"]} == {"no_data": 2}
    assert [(hit.name, hit.slo_status) for hit in after.hits] == [("Royalty statements", "breached")]
    assert {v.value: v.count for v in counted_after.facets["slo_status"]} == {"breached": 1, "no_data": 1}
