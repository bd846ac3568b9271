import pytest
from rest_framework.test import APIClient

from catalog.models import DataProduct
from tests.factories import DomainFactory, ProductFactory, TeamFactory, UserFactory, member_of, port

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products/"


@pytest.fixture
def client_for():
    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


def test_anonymous_users_get_401_from_the_api(client_for):
    ProductFactory()

    assert client_for().get(PRODUCTS).status_code in (401, 403)


def test_product_list_shows_published_products_and_own_drafts_only(client_for):
    published = ProductFactory(name="Play events")
    own_draft = ProductFactory(status="draft", name="Own draft")
    ProductFactory(status="draft", name="Someone else's draft")
    viewer = member_of(own_draft.owner_team)

    response = client_for(viewer).get(PRODUCTS)

    assert response.status_code == 200
    assert sorted(item["name"] for item in response.json()["results"]) == sorted([published.name, own_draft.name])
    assert response.json()["count"] == 2


def test_product_json_carries_the_catalog_fields(client_for):
    product = ProductFactory(slug="play-events", tags=["streaming"], contains_pii=True, classification="confidential")

    item = client_for(UserFactory()).get(PRODUCTS).json()["results"][0]

    assert item["slug"] == "play-events"
    assert item["address"] == product.address
    assert item["domain"] == product.domain.slug
    assert item["owner_team"] == product.owner_team.slug
    assert item["tags"] == ["streaming"]
    assert item["contains_pii"] is True
    assert item["classification"] == "confidential"
    assert {"name", "summary", "status", "kind", "product_owner", "url"} <= set(item)


def test_product_detail_has_ports_with_fields_and_hides_location_from_non_users(client_for):
    product = ProductFactory(ports=[port("daily", fields=2, location="bigquery://p/ds.t")])

    consumer = client_for(UserFactory()).get(f"{PRODUCTS}{product.slug}/").json()
    owner = client_for(product.product_owner).get(f"{PRODUCTS}{product.slug}/").json()

    assert [f["name"] for f in consumer["output_ports"][0]["fields"]] == ["field_0", "field_1"]
    assert consumer["output_ports"][0]["location"] is None
    assert owner["output_ports"][0]["location"] == "bigquery://p/ds.t"
    assert owner["can_edit"] is True
    assert consumer["can_edit"] is False


def test_another_teams_draft_answers_404(client_for):
    draft = ProductFactory(status="draft")

    assert client_for(UserFactory()).get(f"{PRODUCTS}{draft.slug}/").status_code == 404


def test_admin_sees_every_draft(client_for):
    draft = ProductFactory(status="draft")
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)

    assert client_for(admin).get(f"{PRODUCTS}{draft.slug}/").status_code == 200


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("domain=listener", ["Listener profiles"]),
        ("tag=finance", ["Artist payments", "Old charts"]),
        ("tag=finance&tag=monthly", ["Artist payments"]),
        ("classification=restricted", ["Artist payments"]),
        ("kind=aggregate", ["Listener profiles"]),
        ("status=deprecated", ["Old charts"]),
        ("q=profiles", ["Listener profiles"]),
        ("slo_status=breached", ["Artist payments"]),
        ("slo_status=no_data", ["Listener profiles", "Old charts"]),
    ],
)
def test_product_list_filters(client_for, query, expected):
    listener = DomainFactory(slug="listener")
    ProductFactory(name="Listener profiles", domain=listener, kind="aggregate", tags=["listening"])
    payments = ProductFactory(name="Artist payments", classification="restricted", tags=["finance", "monthly"])
    old = ProductFactory(name="Old charts", tags=["finance"])
    DataProduct.objects.filter(pk=old.pk).update(status="deprecated")
    DataProduct.objects.filter(pk=payments.pk).update(slo_status="breached")

    response = client_for(UserFactory()).get(f"{PRODUCTS}?{query}")

    assert response.status_code == 200
    assert [item["name"] for item in response.json()["results"]] == expected


def test_unknown_filter_is_a_400_naming_it(client_for):
    response = client_for(UserFactory()).get(f"{PRODUCTS}?colour=blue")

    assert response.status_code == 400
    assert "colour" in response.json()


def test_invalid_filter_value_is_a_400_naming_the_filter(client_for):
    response = client_for(UserFactory()).get(f"{PRODUCTS}?classification=top-secret")

    assert response.status_code == 400
    assert "classification" in response.json()
    assert "slo_status" in client_for(UserFactory()).get(f"{PRODUCTS}?slo_status=green").json()


def test_page_size_is_capped_at_200(client_for):
    team = TeamFactory()
    domain = DomainFactory(owner_team=team)
    author = member_of(team)
    for number in range(205):
        ProductFactory(domain=domain, by=author, slug=f"p-{number}")

    response = client_for(author).get(f"{PRODUCTS}?page_size=500")

    assert response.json()["count"] == 205
    assert len(response.json()["results"]) == 200


def test_team_member_creates_a_product_with_ports(client_for):
    domain = DomainFactory()
    author = member_of(domain.owner_team)
    body = {
        "slug": "play-events-daily",
        "name": "Play events (daily)",
        "summary": "Every play, aggregated per day.",
        "domain": domain.slug,
        "owner_team": domain.owner_team.slug,
        "tags": ["Streaming", "daily"],
        "output_ports": [
            {"name": "daily", "type": "table", "format": "Parquet", "fields": [{"name": "day", "type": "date", "primary_key": True}]}
        ],
        "address": "urn:dataproduct:evil:override",
        "product_owner": "mallory",
    }

    response = client_for(author).post(PRODUCTS, body, format="json")

    assert response.status_code == 201, response.json()
    product = DataProduct.objects.get(slug="play-events-daily")
    assert response.json()["address"] == f"urn:dataproduct:{domain.slug}:play-events-daily"
    assert product.product_owner == author
    assert product.status == "draft"
    assert sorted(response.json()["tags"]) == ["daily", "streaming"]
    assert response.json()["output_ports"][0]["fields"][0]["primary_key"] is True


def test_create_for_someone_elses_team_is_refused(client_for):
    domain = DomainFactory()
    body = {"slug": "x", "name": "X", "summary": "X", "domain": domain.slug, "owner_team": domain.owner_team.slug}

    response = client_for(UserFactory()).post(PRODUCTS, body, format="json")

    assert response.status_code == 403
    assert DataProduct.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"slug": "Bad Slug!"}, "slug"),
        ({"name": "x" * 500}, "name"),
        ({"domain": "no-such-domain"}, "domain"),
        ({"kind": "weird"}, "kind"),
        ({"documentation_url": "not a url"}, "documentation_url"),
        ({"output_ports": [{"name": "a"}, {"name": "a"}]}, "output_ports"),
        ({"output_ports": [{"name": "a", "fields": [{"name": "f"}]}]}, "output_ports"),
    ],
)
def test_bad_product_input_is_a_400_naming_the_field_and_writes_nothing(client_for, change, field):
    domain = DomainFactory()
    author = member_of(domain.owner_team)
    body = {"slug": "good", "name": "Good", "summary": "Good.", "domain": domain.slug, "owner_team": domain.owner_team.slug, **change}

    response = client_for(author).post(PRODUCTS, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert DataProduct.objects.count() == 0


def test_malformed_json_is_a_400(client_for):
    response = client_for(UserFactory()).post(PRODUCTS, "{not json", content_type="application/json")

    assert response.status_code == 400


def test_owner_updates_a_product_but_read_only_fields_stay(client_for):
    product = ProductFactory()
    created = product.created_at

    response = client_for(product.product_owner).patch(
        f"{PRODUCTS}{product.slug}/",
        {"summary": "New summary.", "address": "urn:x", "created_at": "2000-01-01T00:00:00Z", "product_owner": "mallory"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    product.refresh_from_db()
    assert product.summary == "New summary."
    assert product.created_at == created
    assert response.json()["address"] == product.address
    assert response.json()["product_owner"] == product.product_owner.username


def test_non_owner_update_is_a_403(client_for):
    product = ProductFactory()

    response = client_for(UserFactory()).patch(f"{PRODUCTS}{product.slug}/", {"summary": "Hijacked"}, format="json")

    assert response.status_code == 403
    product.refresh_from_db()
    assert product.summary != "Hijacked"


def test_slug_change_is_a_400(client_for):
    product = ProductFactory()

    response = client_for(product.product_owner).patch(f"{PRODUCTS}{product.slug}/", {"slug": "renamed"}, format="json")

    assert response.status_code == 400
    assert "slug" in response.json()


def test_refused_lifecycle_transition_is_a_409(client_for):
    product = ProductFactory(status="published")

    response = client_for(product.product_owner).patch(f"{PRODUCTS}{product.slug}/", {"status": "draft"}, format="json")

    assert response.status_code == 409
    assert "status" in response.json()


def test_token_from_username_and_password_authenticates_as_token_and_bearer(client_for):
    user = UserFactory(username="pipeline")
    ProductFactory()

    token = APIClient().post("/api/v1/auth/token/", {"username": "pipeline", "password": "secret-password"}, format="json").json()["token"]

    for scheme in ("Token", "Bearer"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"{scheme} {token}")
        assert client.get(PRODUCTS).status_code == 200
    assert user.auth_token.key == token


def test_token_with_wrong_password_is_a_400():
    UserFactory(username="pipeline")

    response = APIClient().post("/api/v1/auth/token/", {"username": "pipeline", "password": "wrong"}, format="json")

    assert response.status_code == 400


def test_domains_list_counts_visible_products(client_for):
    domain = DomainFactory(slug="finance")
    ProductFactory(domain=domain)
    ProductFactory(domain=domain, status="draft")

    response = client_for(UserFactory()).get("/api/v1/domains/")

    assert response.json()["results"][0]["slug"] == "finance"
    assert response.json()["results"][0]["product_count"] == 1


def test_teams_list_members_with_roles(client_for):
    team = TeamFactory(slug="media-player")
    member_of(team, role="owner", username="alice")

    response = client_for(UserFactory()).get("/api/v1/teams/media-player/")

    assert response.json()["members"] == [{"username": "alice", "role": "owner"}]


def test_openapi_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ([f"tag{n}" for n in range(21)], "A product can have at most 20 tags."),
        (["x" * 51], f"Tag {'x' * 20!r}… is longer than 50 characters."),
    ],
    ids=["too-many", "too-long"],
)
def test_tags_over_the_limits_are_a_400_in_the_services_words(client_for, tags, message):
    product = ProductFactory(tags=["kept"])

    response = client_for(product.product_owner).patch(f"{PRODUCTS}{product.slug}/", {"tags": tags}, format="json")

    assert response.status_code == 400
    assert response.json() == {"tags": [message]}
    assert list(product.tags.values_list("name", flat=True)) == ["kept"]
