"""Support channels, price and team members: taken from a product's ODPS
descriptor and its ports' ODCS contracts (contracts.people, contracts.queries),
shown on the product page ("Support & team") and in the product API."""

import copy
from datetime import date
from decimal import Decimal

import pytest

from contracts import people, queries, services, standards
from tests.contracts.conftest import example
from tests.factories import DomainFactory, Mesh, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

FULL_EXAMPLE = "odcs-v3.1.0/full-example.odcs.yaml"
CUSTOMER = "odps-v0.9.0/customer-data-product.odps.yaml"


def full_example(**changes) -> dict:
    document = standards.parse(example(FULL_EXAMPLE))
    document["name"] = "daily"
    document.update(changes)
    return document


def with_full_example(mesh: Mesh, **changes) -> Mesh:
    services.import_document(full_example(**changes), by=mesh.owner, product=mesh.product)
    return mesh


# --- what the documents say ------------------------------------------------------------


def test_the_full_examples_support_price_and_team_are_read_from_the_ports_contract():
    mesh = with_full_example(Mesh())

    found = queries.support_and_team_of(mesh.product, today=date(2026, 12, 7))

    assert [(c.channel, c.url, c.tool, c.source.port) for c in found.support] == [
        ("#product-help", "https://aidaug.slack.com/archives/C05UZRSBKLY", "slack", "daily"),
        ("datacontract-ann", "mailto:datacontract-ann@bitol.io", "email", "daily"),
        ("Feedback", "https://product-feedback.com", "", "daily"),
    ]
    assert [(p.amount, p.currency, p.unit, p.source.port) for p in found.prices] == [(Decimal("9.95"), "USD", "megabyte", "daily")]
    assert [(m.username, m.role, m.date_in, m.date_out, m.replaced_by, m.past) for m in found.team] == [
        ("ceastwood", "Data Scientist", date(2022, 8, 2), date(2022, 10, 1), "mhopper", True),
        ("mhopper", "Data Scientist", date(2022, 10, 1), None, "", False),
        ("daustin", "Owner", date(2022, 10, 1), None, "", False),
    ]


def test_a_member_leaving_later_is_not_a_past_member_yet():
    mesh = with_full_example(Mesh())
    found = queries.support_and_team_of(mesh.product, today=date(2022, 9, 30))
    assert [m.past for m in found.team] == [False, False, False]


def test_the_odps_descriptors_support_and_team_come_first_and_are_labelled_so():
    team = TeamFactory(slug="sellers")
    owner = UserFactory(username="olivia")
    team.memberships.create(user=owner, role="owner")
    DomainFactory(slug="seller", owner_team=team)
    product = services.import_document(example(CUSTOMER), by=owner).product

    found = queries.support_and_team_of(product, today=date(2026, 12, 7))

    assert [(c.channel, c.url, c.source.label) for c in found.support] == [
        ("Data Team Slack", "https://retailcorp.slack.com/archives/C1234567890", "product descriptor"),
        ("Email Support", "mailto:data-support@retailcorp.com", "product descriptor"),
    ]
    assert [(m.name, m.username, m.role) for m in found.team] == [
        ("John Doe", "john.doe@retailcorp.com", "owner"),
        ("Jane Smith", "jane.smith@retailcorp.com", "data steward"),
    ]
    assert found.prices == []


def test_the_v3_1_0_team_object_gives_its_name_and_members():
    name, members = people.team_members(
        {"team": {"name": "quantum", "members": [{"username": "mhopper", "dateIn": "2022-10-01"}]}},
        people.Source("daily"),
        today=date(2026, 1, 1),
    )
    assert name == "quantum"
    assert [(m.username, m.date_in) for m in members] == [("mhopper", date(2022, 10, 1))]


@pytest.mark.parametrize(
    "url, shown",
    [
        ("https://example.com/help", "https://example.com/help"),
        ("http://example.com", "http://example.com"),
        ("mailto:help@example.com", "mailto:help@example.com"),
        ("javascript:alert(1)", ""),
        ("JaVaScRiPt:alert(1)", ""),
        ("data:text/html,<script>alert(1)</script>", ""),
        ("java\tscript:alert(1)", ""),
        ("//evil.example", ""),
        ("slack://channel?id=1", ""),
        ("", ""),
    ],
)
def test_only_http_https_and_mailto_links_are_kept(url, shown):
    assert people.safe_url(url) == shown


def test_no_descriptor_and_no_contract_say_nothing():
    assert not queries.support_and_team_of(Mesh().product)


# --- the product page ------------------------------------------------------------------


def test_the_product_page_shows_support_price_and_team_with_past_members_marked(client):
    mesh = with_full_example(Mesh())
    client.force_login(mesh.consumer)

    html = client.get(mesh.product.get_absolute_url()).content.decode()

    assert "Support &amp; team" in html
    assert '<a href="https://aidaug.slack.com/archives/C05UZRSBKLY" rel="noopener noreferrer nofollow">#product-help</a>' in html
    assert 'href="mailto:datacontract-ann@bitol.io"' in html
    assert "9.95 USD</strong> per megabyte" in html
    assert '<tr class="is-past">' in html
    assert html.count("past member</span>") == 1
    assert '<time datetime="2022-10-01">1 Oct 2022</time>' in html


def test_a_link_with_another_scheme_and_markup_in_text_are_shown_as_text(client):
    support = [{"channel": "<b>bold</b>", "url": "javascript:alert(1)", "description": "<script>alert(2)</script>"}]
    mesh = with_full_example(Mesh(), support=support)
    client.force_login(mesh.consumer)

    html = client.get(mesh.product.get_absolute_url()).content.decode()

    assert 'href="javascript' not in html
    assert '<span class="muted small">(javascript:alert(1))</span>' in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "<script>alert(2)" not in html


def test_the_product_page_says_when_nothing_is_given(client):
    mesh = Mesh()
    client.force_login(mesh.consumer)
    html = client.get(mesh.product.get_absolute_url()).content.decode()
    assert "No support channels, price or team members are given." in html
    assert "import it" not in html  # the hint is for the owners


def test_the_product_page_shows_the_ports_roles_and_marks_unresolved_approvers(client):
    UserFactory(username="mandolorian", first_name="Din", last_name="Djarin")
    mesh = with_full_example(Mesh())
    client.force_login(mesh.consumer)

    html = client.get(mesh.product.get_absolute_url()).content.decode()

    assert "Access roles" in html
    assert "<code>microstrategy_user_opr</code>" in html
    assert 'Din Djarin <span class="muted">(mandolorian)</span>' in html
    assert html.count("badge-unresolved") == 6  # Reporting Manager four times, dathvador, mickey


# --- the product API -------------------------------------------------------------------


def test_the_product_api_answers_with_support_price_team_and_roles(client):
    mesh = with_full_example(Mesh())
    client.force_login(mesh.consumer)

    data = client.get(f"/api/v1/products/{mesh.product.slug}/").json()

    assert data["support"][0] == {
        "channel": "#product-help",
        "url": "https://aidaug.slack.com/archives/C05UZRSBKLY",
        "invitation_url": "",
        "description": "",
        "tool": "slack",
        "scope": "",
        "port": "daily",
    }
    assert data["price"] == [{"amount": 9.95, "currency": "USD", "unit": "megabyte", "port": "daily"}]
    assert data["team"][0]["date_out"] == "2022-10-01"
    assert [m["past"] for m in data["team"]] == [True, False, False]
    assert data["access_roles"][0]["role"] == "microstrategy_user_opr"
    assert data["access_roles"][0]["first_level"] == [{"name": "Reporting Manager", "user": None, "team": None, "resolved": False}]


def test_the_product_api_answers_with_empty_blocks_when_nothing_is_given(client):
    mesh = Mesh()
    client.force_login(mesh.consumer)
    data = client.get(f"/api/v1/products/{mesh.product.slug}/").json()
    assert (data["support"], data["price"], data["team"], data["access_roles"]) == ([], [], [], [])


def test_a_hidden_products_support_is_not_answered(client):
    mesh = Mesh()
    mesh.product.status = "draft"
    mesh.product.save(update_fields=["status"])
    client.force_login(mesh.consumer)
    assert client.get(f"/api/v1/products/{mesh.product.slug}/").status_code == 404


def test_the_full_example_still_round_trips_with_its_support_price_and_team():
    mesh = Mesh()
    document = full_example()
    services.import_document(copy.deepcopy(document), by=mesh.owner, product=mesh.product)
    exported = services.export_odcs(mesh.product.output_ports.get(), user=mesh.owner)
    assert [standards.normalise(exported).get(key) for key in ("support", "price", "team", "roles")] == [
        standards.normalise(document).get(key) for key in ("support", "price", "team", "roles")
    ]
