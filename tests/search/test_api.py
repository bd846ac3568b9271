import pytest
from rest_framework.test import APIClient

from catalog.models import DataProduct
from search import engines as search
from tests.factories import DomainFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(django_capture_on_commit_callbacks):
    client = APIClient()
    client.force_authenticate(UserFactory())
    return client


@pytest.fixture
def catalog(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        finance = DomainFactory(slug="finance", name="Finance")
        ProductFactory(
            domain=finance,
            slug="royalty-statements",
            name="Royalty statements",
            tags=["royalties"],
            classification="restricted",
            contains_pii=True,
        )
        ProductFactory(domain=finance, slug="royalty-rates", name="Royalty rates", tags=["royalties", "contracts"])
        ProductFactory(name="Play events", tags=["events"])


def test_search_returns_count_results_with_snippets_and_facets(api, catalog):
    response = api.get("/api/v1/search/?q=royalty&tag=royalties")

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 2
    assert body["degraded"] is False
    assert [hit["slug"] for hit in body["results"]] == ["royalty-rates", "royalty-statements"] or body["results"][0]["slug"].startswith(
        "royalty"
    )
    hit = next(h for h in body["results"] if h["slug"] == "royalty-statements")
    assert hit["classification"] == "restricted"
    assert hit["contains_pii"] is True
    assert hit["status"] == "published"
    assert "<mark>Royalty</mark>" in hit["highlights"]["name"]
    assert {f["value"]: f["count"] for f in body["facets"]["domain"]} == {"finance": 2}
    assert {f["value"] for f in body["facets"]["tag"]} == {"royalties", "contracts"}
    assert [f["selected"] for f in body["facets"]["tag"] if f["value"] == "royalties"] == [True]


def test_search_filters_by_slo_status_and_counts_it(api, catalog):
    DataProduct.objects.filter(slug="royalty-rates").update(slo_status="breached")
    search.index_products(DataProduct.objects.filter(slug="royalty-rates").values_list("pk", flat=True))

    body = api.get("/api/v1/search/?slo_status=breached").json()

    assert [(hit["slug"], hit["slo_status"]) for hit in body["results"]] == [("royalty-rates", "breached")]
    assert [(f["value"], f["label"], f["count"], f["selected"]) for f in body["facets"]["slo_status"]] == [
        ("breached", "Breached", 1, True)
    ]


def test_search_paginates(api, catalog):
    body = api.get("/api/v1/search/?q=royalty&page=2&page_size=1").json()

    assert body["count"] == 2
    assert body["page"] == 2
    assert body["pages"] == 2
    assert len(body["results"]) == 1


def test_search_suggests_names_for_a_prefix(api, catalog):
    body = api.get("/api/v1/search/suggest/?q=roy").json()

    assert sorted(s["name"] for s in body["suggestions"]) == ["Royalty rates", "Royalty statements"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("colour=blue", "colour"),
        ("classification=top-secret", "classification"),
        ("slo_status=green", "slo_status"),
        ("sort=random", "sort"),
        ("page=0", "page"),
        ("page_size=1000", "page_size"),
        ("page=abc", "page"),
    ],
)
def test_bad_search_parameters_are_a_400_naming_them(api, query, field):
    response = api.get(f"/api/v1/search/?q=x&{query}")

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("text", ["(", "*:*", "name:x", '"unbalanced', "' OR 1=1 --", "🎵", "x" * 10000])
def test_hostile_search_text_never_fails(api, catalog, text):
    assert api.get("/api/v1/search/", {"q": text}).status_code == 200
    assert api.get("/api/v1/search/suggest/", {"q": text[:200]}).status_code == 200


def test_search_needs_a_signed_in_user():
    assert APIClient().get("/api/v1/search/?q=x").status_code in (401, 403)


def test_paging_past_ten_thousand_results_is_a_400_naming_page(api):
    response = api.get("/api/v1/search/?q=x&page=101&page_size=100")

    assert response.status_code == 400
    assert "page" in response.json()
