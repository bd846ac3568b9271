import pytest

from catalog.models import DataProduct
from search import engines as search
from tests.factories import DomainFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    client.force_login(UserFactory())
    return client


@pytest.fixture
def catalog(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        finance = DomainFactory(slug="finance", name="Finance")
        ProductFactory(
            domain=finance,
            slug="royalty-statements",
            name="Royalty statements",
            summary="Statements <b>per</b> holder.",
            tags=["royalties"],
        )
        ProductFactory(name="Play events", tags=["events"])
        ProductFactory(name="Royalty draft", status="draft")


def test_search_page_shows_highlighted_hits_facets_and_badges(signed_in, catalog):
    html = signed_in.get("/search/?q=royalty").content.decode()

    assert "<mark>Royalty</mark> statements" in html
    assert "Statements &lt;b&gt;per&lt;/b&gt; holder." in html
    assert "Royalty draft" not in html
    assert "1 data product for" in html
    assert 'href="?q=royalty&amp;domain=finance"' in html
    assert "badge-status-published" in html


def test_facet_links_filter_the_results(signed_in, catalog):
    html = signed_in.get("/search/?q=&tag=events").content.decode()

    assert "Play events" in html
    assert "Royalty statements" not in html
    assert "clear filters" in html


def test_the_slo_status_facet_filters_the_results(signed_in, catalog):
    DataProduct.objects.filter(slug="royalty-statements").update(slo_status="breached")
    search.index_products(DataProduct.objects.filter(slug="royalty-statements").values_list("pk", flat=True))

    everything = signed_in.get("/search/?q=").content.decode()
    breached = signed_in.get("/search/?q=&slo_status=breached").content.decode()

    assert "<h2>SLO status</h2>" in everything
    assert 'href="?q=&amp;slo_status=breached"' in everything
    assert "Royalty statements" in breached
    assert "Play events" not in breached
    assert "badge-slo-breached" in breached


def test_empty_results_suggest_what_to_try(signed_in, catalog):
    html = signed_in.get("/search/?q=zzzzqqq").content.decode()

    assert "No data products match" in html
    assert "Popular tags" in html


def test_a_misspelled_word_finds_the_product_and_says_what_was_searched(signed_in, catalog):
    html = signed_in.get("/search/?q=royaltee").content.decode()

    assert 'href="/products/royalty-statements/"' in html
    assert "Also searched for <strong>royalt" in html


def test_bad_parameters_are_explained_with_a_400(signed_in):
    response = signed_in.get("/search/?q=x&classification=secret")

    assert response.status_code == 400
    assert "classification" in response.content.decode()


def test_htmx_requests_get_the_results_fragment(signed_in, catalog):
    response = signed_in.get("/search/?q=royalty", HTTP_HX_REQUEST="true")

    assert "<mark>Royalty</mark>" in response.content.decode()
    assert "<html" not in response.content.decode()


def test_suggestions_fragment_lists_products_as_links(signed_in, catalog):
    html = signed_in.get("/search/suggest/?q=roy").content.decode()

    assert 'href="/products/royalty-statements/"' in html
    assert "Royalty draft" not in html


def test_search_page_needs_sign_in(client):
    assert client.get("/search/?q=x").status_code == 302


def test_the_clear_filters_link_keeps_words_with_ampersands_hashes_and_spaces_whole(signed_in, catalog):
    html = signed_in.get("/search/", {"q": "royalty & co #1", "tag": "royalties"}).content.decode()

    assert 'href="?q=royalty+%26+co+%231"' in html
    assert 'href="?q=royalty & co #1"' not in html
