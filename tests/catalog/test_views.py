import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import DataProduct
from tests.factories import DomainFactory, ProductFactory, TeamFactory, UserFactory, member_of, port

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    def sign_in(user=None):
        user = user or UserFactory()
        client.force_login(user)
        return client

    return sign_in


@pytest.mark.parametrize("url", ["/", "/products/", "/domains/", "/products/new/"])
def test_anonymous_users_are_sent_to_sign_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_anonymous_users_are_sent_to_sign_in_from_a_product_page(client):
    product = ProductFactory()

    assert client.get(product.get_absolute_url()).status_code == 302
    assert client.get(f"/products/{product.slug}/edit/").status_code == 302


def test_sign_in_with_username_and_password(client):
    UserFactory(username="bob")

    response = client.post("/accounts/login/", {"username": "bob", "password": "secret-password"})

    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_product_page_shows_overview_ports_and_schema(signed_in):
    product = ProductFactory(
        name="Play events",
        tags=["streaming"],
        contains_pii=True,
        classification="confidential",
        description="## Where it comes from\n\nThe *player*.",
        ports=[port("stream", fields=2, location="kafka://events/plays")],
    )

    html = signed_in().get(product.get_absolute_url()).content.decode()

    assert product.address in html
    assert "<h2>Where it comes from</h2>" in html
    assert "field_1" in html
    assert "Confidential" in html
    assert "PII" in html
    assert "kafka://events/plays" not in html  # a consumer without access does not see the location
    assert product.owner_team.name in html


def test_owner_sees_the_port_location_and_an_edit_link(signed_in):
    product = ProductFactory(ports=[port("stream", location="kafka://events/plays")])

    html = signed_in(product.product_owner).get(product.get_absolute_url()).content.decode()

    assert "kafka://events/plays" in html
    assert f"/products/{product.slug}/edit/" in html


def test_description_scripts_never_reach_the_product_page(signed_in):
    product = ProductFactory(description="Hi <script>alert('x')</script> [x](javascript:alert(1))")

    html = signed_in().get(product.get_absolute_url()).content.decode()

    assert "<script>alert" not in html
    assert "javascript:alert" not in html


def test_another_teams_draft_page_is_a_404(signed_in):
    draft = ProductFactory(status="draft")

    assert signed_in().get(draft.get_absolute_url()).status_code == 404
    assert signed_in().get(f"/products/{draft.slug}/edit/").status_code == 404


def test_own_teams_draft_page_is_shown(signed_in):
    draft = ProductFactory(status="draft")

    assert signed_in(member_of(draft.owner_team)).get(draft.get_absolute_url()).status_code == 200


def test_edit_by_a_non_owner_is_a_403(signed_in):
    product = ProductFactory()
    client = signed_in()

    assert client.get(f"/products/{product.slug}/edit/").status_code == 403
    assert client.post(f"/products/{product.slug}/edit/", {"name": "Hijacked"}).status_code == 403
    product.refresh_from_db()
    assert product.name != "Hijacked"


def _form_data(product: DataProduct, **changes) -> dict:
    data = {
        "name": product.name,
        "summary": product.summary,
        "description": product.description,
        "domain": product.domain_id,
        "owner_team": product.owner_team_id,
        "kind": product.kind,
        "status": product.status,
        "version": product.version,
        "classification": product.classification,
        "tags": "streaming, daily",
        "terms_of_use": "",
        "documentation_url": "",
    }
    data.update(changes)
    return data


def test_owner_edits_a_product(signed_in):
    product = ProductFactory()

    response = signed_in(product.product_owner).post(f"/products/{product.slug}/edit/", _form_data(product, summary="Updated summary."))

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.summary == "Updated summary."
    assert sorted(product.tags.values_list("name", flat=True)) == ["daily", "streaming"]


def test_edit_form_is_filled_with_the_products_values(signed_in):
    product = ProductFactory(tags=["streaming", "daily"], summary="Every play.")

    response = signed_in(product.product_owner).get(f"/products/{product.slug}/edit/")

    assert response.status_code == 200
    assert 'value="daily, streaming"' in response.content.decode()
    assert "Every play." in response.content.decode()


def test_edit_form_shows_clear_errors_and_saves_nothing(signed_in):
    product = ProductFactory()

    response = signed_in(product.product_owner).post(
        f"/products/{product.slug}/edit/", _form_data(product, name="", documentation_url="nope", summary="x" * 400)
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html
    assert "Enter a valid URL." in html
    assert "at most 280 characters" in html
    product.refresh_from_db()
    assert product.name != ""


def test_edit_form_offers_only_allowed_status_changes(signed_in):
    product = ProductFactory(status="published")

    response = signed_in(product.product_owner).post(f"/products/{product.slug}/edit/", _form_data(product, status="draft"))

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_team_member_creates_a_product_in_the_browser(signed_in):
    domain = DomainFactory()
    author = member_of(domain.owner_team)
    data = {
        "name": "Listener profiles",
        "slug": "listener-profiles",
        "summary": "Who listens.",
        "domain": domain.pk,
        "owner_team": domain.owner_team.pk,
        "kind": "aggregate",
        "status": "draft",
        "version": "1.0.0",
        "classification": "confidential",
        "contains_pii": "on",
        "tags": "listening",
    }

    response = signed_in(author).post("/products/new/", data)

    assert response.status_code == 302
    product = DataProduct.objects.get(slug="listener-profiles")
    assert product.contains_pii
    assert response["Location"] == product.get_absolute_url()


def test_create_with_a_taken_slug_is_a_form_error(signed_in):
    existing = ProductFactory(slug="taken")
    author = existing.product_owner
    data = {
        "name": "X",
        "slug": "taken",
        "summary": "X",
        "domain": existing.domain_id,
        "owner_team": existing.owner_team_id,
        "kind": "aggregate",
        "status": "draft",
        "version": "1",
        "classification": "internal",
    }

    response = signed_in(author).post("/products/new/", data)

    assert response.status_code == 400
    assert "already exists" in response.content.decode()


def test_users_without_a_team_cannot_open_the_create_page(signed_in):
    assert signed_in().get("/products/new/").status_code == 403


def test_create_form_lists_only_the_users_teams(signed_in):
    mine = TeamFactory(name="Mine")
    TeamFactory(name="Theirs")
    response = signed_in(member_of(mine)).get("/products/new/")

    assert "Mine" in response.content.decode()
    assert "Theirs" not in response.content.decode()


def test_product_list_filters_and_paginates(signed_in):
    domain = DomainFactory(slug="finance")
    author = member_of(domain.owner_team)
    for number in range(30):
        ProductFactory(domain=domain, by=author, slug=f"royalties-{number:02}", name=f"Royalties {number:02}")
    ProductFactory(name="Elsewhere")
    client = signed_in()

    first = client.get("/products/?domain=finance")
    second = client.get("/products/?domain=finance&page=2")

    assert first.context["page"].paginator.count == 30
    assert len(first.context["page"].object_list) == 24
    assert len(second.context["page"].object_list) == 6
    assert "Elsewhere" not in first.content.decode()


def test_product_list_with_an_unknown_filter_is_a_400_that_says_so(signed_in):
    response = signed_in().get("/products/?colour=blue")

    assert response.status_code == 400
    assert "colour" in response.content.decode()


def test_product_list_answers_htmx_with_the_results_fragment(signed_in):
    ProductFactory(name="Play events")

    response = signed_in().get("/products/", HTTP_HX_REQUEST="true")

    assert "Play events" in response.content.decode()
    assert "<html" not in response.content.decode()


def test_product_list_shows_an_empty_state(signed_in):
    assert "No data products match" in signed_in().get("/products/?q=nothing-like-this").content.decode()


def test_domain_page_lists_its_visible_products(signed_in):
    domain = DomainFactory(name="Playlists")
    ProductFactory(domain=domain, name="Playlist recommendations")
    ProductFactory(domain=domain, name="Secret draft", status="draft")

    html = signed_in().get(domain.get_absolute_url()).content.decode()

    assert "Playlist recommendations" in html
    assert "Secret draft" not in html


def test_unknown_domain_is_a_404(signed_in):
    assert signed_in().get("/domains/nowhere/").status_code == 404


def test_team_page_lists_members(signed_in):
    team = TeamFactory(name="Media Player")
    member_of(team, role="owner", username="alice", first_name="Alice", last_name="Doe")

    html = signed_in().get(team.get_absolute_url()).content.decode()

    assert "Alice Doe" in html
    assert "Owner" in html


def _query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_product_page_query_count_is_constant_in_ports_fields_and_tags(signed_in):
    small = ProductFactory(tags=["a"], ports=[port("one", fields=1)])
    large = ProductFactory(tags=[f"t{i}" for i in range(10)], ports=[port(f"p{i}", fields=20) for i in range(6)])
    client = signed_in()

    assert _query_count(client, small.get_absolute_url()) == _query_count(client, large.get_absolute_url())


def test_product_list_query_count_is_constant_in_the_number_of_products(signed_in):
    team = TeamFactory()
    domain = DomainFactory(owner_team=team)
    author = member_of(team)
    client = signed_in()
    ProductFactory(domain=domain, by=author, tags=["x"])
    few = _query_count(client, "/products/")
    for number in range(20):
        ProductFactory(domain=domain, by=author, tags=["x", f"y{number}"], ports=[port(fields=4)])
    many = _query_count(client, "/products/")

    assert few == many


def test_api_product_list_query_count_is_constant(signed_in):
    team = TeamFactory()
    domain = DomainFactory(owner_team=team)
    author = member_of(team)
    client = signed_in()
    ProductFactory(domain=domain, by=author, tags=["x"])
    few = _query_count(client, "/api/v1/products/")
    for number in range(20):
        ProductFactory(domain=domain, by=author, tags=["x", f"y{number}"])
    many = _query_count(client, "/api/v1/products/")

    assert few == many


def test_api_product_detail_query_count_is_constant(signed_in):
    small = ProductFactory(tags=["a"], ports=[port("one", fields=1)])
    large = ProductFactory(tags=[f"t{i}" for i in range(10)], ports=[port(f"p{i}", fields=20) for i in range(6)])
    client = signed_in()

    assert _query_count(client, f"/api/v1/products/{small.slug}/") == _query_count(client, f"/api/v1/products/{large.slug}/")


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        (", ".join(f"tag{n}" for n in range(21)), "A product can have at most 20 tags."),
        ("x" * 51, f"Tag {'x' * 20!r}… is longer than 50 characters."),
    ],
    ids=["too-many", "too-long"],
)
def test_edit_form_refuses_tags_over_the_limits_with_the_services_words(signed_in, tags, message):
    product = ProductFactory(tags=["kept"])

    response = signed_in(product.product_owner).post(f"/products/{product.slug}/edit/", _form_data(product, tags=tags))

    assert response.status_code == 400
    assert response.context["form"].errors["tags"] == [message]
    assert list(product.tags.values_list("name", flat=True)) == ["kept"]


def test_edit_form_counts_a_repeated_tag_once(signed_in):
    product = ProductFactory()
    tags = ", ".join([f"tag{n}" for n in range(20)] + ["TAG0"])

    response = signed_in(product.product_owner).post(f"/products/{product.slug}/edit/", _form_data(product, tags=tags))

    assert response.status_code == 302
    assert product.tags.count() == 20


def test_product_domain_and_team_lists_show_catalog_page_size_products_a_page(signed_in, settings):
    settings.CATALOG_PAGE_SIZE = 2
    domain = DomainFactory(slug="finance")
    author = member_of(domain.owner_team)
    for number in range(3):
        ProductFactory(domain=domain, owner_team=domain.owner_team, by=author, slug=f"royalties-{number}", name=f"Royalties {number}")
    client = signed_in()

    pages = [
        client.get(url).context["page"]
        for url in ("/products/?domain=finance", f"/domains/{domain.slug}/", f"/teams/{domain.owner_team.slug}/")
    ]

    assert [(len(page.object_list), page.paginator.num_pages) for page in pages] == [(2, 2), (2, 2), (2, 2)]
