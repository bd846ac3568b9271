"""Output ports and their schema fields on a product's new and edit pages:
Django formsets (prefix "port", and "port-<i>-fields" per port row), saved
through the storefront service in one transaction."""

import pytest

from access_requests.models import Grant
from catalog.models import DataProduct, OutputPort
from lineage import services as lineage_services
from lineage.services import InputSpec
from tests.factories import DomainFactory, Mesh, ProductFactory, TeamFactory, live_grant, member_of, port

pytestmark = pytest.mark.django_db


def ports_data(ports: list[dict], *, initial: int = 0, initial_fields: dict | None = None) -> dict:
    """The POST of the ports formsets: each port a dict of its form fields plus `fields` (a list of dicts)."""
    data = {"port-TOTAL_FORMS": len(ports), "port-INITIAL_FORMS": initial, "port-MIN_NUM_FORMS": 0, "port-MAX_NUM_FORMS": 1000}
    for i, spec in enumerate(ports):
        spec = dict(spec)
        fields = spec.pop("fields", [])
        data.update({f"port-{i}-{name}": value for name, value in {"port_type": "table", "version": "1.0.0", **spec}.items()})
        prefix = f"port-{i}-fields"
        data.update({f"{prefix}-TOTAL_FORMS": len(fields), f"{prefix}-INITIAL_FORMS": (initial_fields or {}).get(i, 0)})
        for j, field in enumerate(fields):
            data.update({f"{prefix}-{j}-{name}": value for name, value in field.items()})
    return {name: value for name, value in data.items() if value is not False}


def product_data(domain, team, **changes) -> dict:
    return {
        "name": "Listening sessions",
        "slug": "listening-sessions",
        "summary": "One row per listening session.",
        "description": "",
        "domain": domain.pk,
        "owner_team": team.pk,
        "kind": "source-aligned",
        "status": "draft",
        "version": "1.0.0",
        "classification": "internal",
        "tags": "",
        "terms_of_use": "",
        "documentation_url": "",
        **changes,
    }


def edit_data(product: DataProduct, ports: list[dict], **kwargs) -> dict:
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
        "tags": "",
        "terms_of_use": "",
        "documentation_url": "",
    }
    return {**data, **ports_data(ports, **kwargs)}


def existing_ports(product: DataProduct) -> list[dict]:
    """The edit page's rows for `product`'s ports as they are (initial rows, positions 1, 2, …)."""
    rows = []
    for i, output_port in enumerate(product.output_ports.all()):
        rows.append(
            {
                "name": output_port.name,
                "port_type": output_port.port_type,
                "location": output_port.location,
                "version": output_port.version,
                "ORDER": i + 1,
                "fields": [{"name": f.name, "data_type": f.data_type, "ORDER": j + 1} for j, f in enumerate(output_port.fields.all())],
            }
        )
    return rows


SESSIONS = {
    "name": "sessions",
    "port_type": "table",
    "format": "Parquet",
    "location": "bigquery://streamly/listening.sessions",
    "description": "One row per session.",
    "fields": [
        {"name": "session_id", "data_type": "string", "required": "on", "primary_key": "on", "description": "Session key."},
        {"name": "listener_id", "data_type": "string", "classification": "confidential", "is_pii": "on"},
        {"name": "started_at", "data_type": "timestamp"},
    ],
}
EVENTS = {
    "name": "events",
    "port_type": "stream",
    "format": "Avro",
    "location": "kafka://events/sessions.v1",
    "version": "2.1.0",
    "fields": [{"name": "event_id", "data_type": "string"}, {"name": "amount", "data_type": "decimal(12,2)"}],
}


@pytest.fixture
def team():
    return TeamFactory()


@pytest.fixture
def owner(client, team):
    user = member_of(team, role="owner", username="olivia")
    client.force_login(user)
    return user


def test_a_member_creates_a_product_with_two_ports_and_their_fields(client, owner, team):
    domain = DomainFactory(owner_team=team)

    response = client.post("/products/new/", {**product_data(domain, team), **ports_data([SESSIONS, EVENTS])})

    assert response.status_code == 302, response.content.decode()
    product = DataProduct.objects.get(slug="listening-sessions")
    sessions, events = product.output_ports.get(name="sessions"), product.output_ports.get(name="events")
    assert (sessions.format, sessions.location, sessions.description) == ("Parquet", SESSIONS["location"], "One row per session.")
    assert (events.port_type, events.version) == ("stream", "2.1.0")
    assert [(f.name, f.data_type, f.required, f.primary_key, f.classification, f.is_pii) for f in sessions.fields.all()] == [
        ("session_id", "string", True, True, "", False),
        ("listener_id", "string", False, False, "confidential", True),
        ("started_at", "timestamp", False, False, "", False),
    ]
    assert [f.name for f in events.fields.all()] == ["event_id", "amount"]


def test_the_new_page_offers_one_empty_port_with_one_empty_field_and_help_on_every_field(client, owner):
    html = client.get("/products/new/").content.decode()

    assert 'name="port-TOTAL_FORMS" value="1"' in html
    assert 'name="port-0-fields-TOTAL_FORMS" value="1"' in html
    for name in ["port-0-name", "port-0-port_type", "port-0-location", "port-0-fields-0-data_type", "port-0-fields-0-is_pii"]:
        assert f'aria-describedby="id_{name}_help"' in html
        assert f'id="id_{name}_help"' in html
    assert "Nested in" in html


def test_an_empty_extra_port_row_is_ignored(client, owner, team):
    domain = DomainFactory(owner_team=team)

    response = client.post("/products/new/", {**product_data(domain, team), **ports_data([SESSIONS, {"name": "", "version": "1.0.0"}])})

    assert response.status_code == 302
    assert list(DataProduct.objects.get().output_ports.values_list("name", flat=True)) == ["sessions"]


def test_errors_show_on_the_row_and_field_they_belong_to_and_nothing_is_written(client, owner, team):
    domain = DomainFactory(owner_team=team)
    bad_events = {**EVENTS, "fields": [{"name": "event_id", "data_type": ""}, {"name": "event_id", "data_type": "string"}]}

    response = client.post(
        "/products/new/", {**product_data(domain, team), **ports_data([SESSIONS, bad_events, {**SESSIONS, "fields": []}])}
    )

    assert response.status_code == 400
    editor = response.context["ports"]
    fields_of_events = editor.field_sets[1].forms
    assert fields_of_events[0].errors["data_type"] == ["Give a physical or a logical type."]
    assert fields_of_events[1].errors["name"] == ["Another field of this port has this name."]
    assert "Another port is named 'sessions'" in editor.ports.forms[2].errors["name"][0]
    assert not editor.ports.forms[0].errors
    assert not DataProduct.objects.exists()


def test_fields_filled_on_a_port_without_a_name_are_refused_on_that_row(client, owner, team):
    domain = DomainFactory(owner_team=team)

    response = client.post(
        "/products/new/", {**product_data(domain, team), **ports_data([{"name": "", "fields": [{"name": "x", "data_type": "int"}]}])}
    )

    assert response.status_code == 400
    assert response.context["ports"].ports.forms[0].errors["name"] == ["Name this port, or clear its fields."]


def test_an_owner_renames_reorders_and_removes_ports_and_fields(client, owner, team):
    product = ProductFactory(domain=DomainFactory(owner_team=team), by=owner, ports=[port("alpha", fields=3), port("beta", fields=1)])
    rows = existing_ports(product)  # alpha, beta
    alpha, beta = rows
    alpha["name"] = "alpha-renamed"
    alpha["format"] = "Delta"
    alpha["fields"][0]["ORDER"], alpha["fields"][2]["ORDER"] = 3, 1  # field_2 first, field_0 last
    alpha["fields"][1]["DELETE"] = "on"
    beta["DELETE"] = "on"
    new = {"name": "gamma", "fields": [{"name": "g", "data_type": "int", "description": "A new one."}]}

    response = client.post(
        f"/products/{product.slug}/edit/",
        edit_data(product, [alpha, beta, new], initial=2, initial_fields={0: 3, 1: 1})
        | {"version": "2.0.0"},  # ports removed: a major version
    )

    assert response.status_code == 302, response.content.decode()
    assert sorted(product.output_ports.values_list("name", flat=True)) == ["alpha-renamed", "gamma"]
    renamed = product.output_ports.get(name="alpha-renamed")
    assert renamed.format == "Delta"
    assert [f.name for f in renamed.fields.all()] == ["field_2", "field_0"]
    assert [(f.name, f.description) for f in product.output_ports.get(name="gamma").fields.all()] == [("g", "A new one.")]


def test_the_edit_page_shows_the_ports_as_rows_with_their_fields(client, owner, team):
    product = ProductFactory(domain=DomainFactory(owner_team=team), by=owner, ports=[port("alpha", fields=2)])

    html = client.get(f"/products/{product.slug}/edit/").content.decode()

    assert 'name="port-INITIAL_FORMS" value="1"' in html
    assert 'name="port-0-name" value="alpha"' in html
    assert 'name="port-0-fields-1-name" value="field_1"' in html
    assert 'name="port-0-DELETE"' in html
    assert 'name="port-0-fields-1-ORDER" value="2"' in html  # fields keep a position
    assert 'name="port-0-ORDER" value="1"' in html  # ports keep a position too


def test_a_post_without_the_ports_leaves_them_alone(client, owner, team):
    product = ProductFactory(domain=DomainFactory(owner_team=team), by=owner, ports=[port("alpha", fields=2)])
    data = {name: value for name, value in edit_data(product, []).items() if not name.startswith("port-")}

    response = client.post(f"/products/{product.slug}/edit/", {**data, "summary": "New summary."})

    assert response.status_code == 302
    assert list(product.output_ports.values_list("name", flat=True)) == ["alpha"]


def test_removing_a_port_with_a_live_grant_asks_for_confirmation_then_revokes_the_grant():
    mesh = Mesh()
    from django.test import Client

    grant = live_grant(mesh, port=mesh.product.output_ports.get())
    client = Client()
    client.force_login(mesh.owner)
    keep = {"name": "other", "fields": [{"name": "x", "data_type": "int"}]}
    data = edit_data(mesh.product, [{**existing_ports(mesh.product)[0], "DELETE": "on"}, keep], initial=1, initial_fields={0: 3})
    data["version"] = "2.0.0"  # a removed port is a breaking change: a new major version

    response = client.post(f"/products/{mesh.product.slug}/edit/", data)

    assert response.status_code == 400
    html = response.content.decode()
    assert "Removing 1 port affects others" in html
    assert f"the live grant of {mesh.requester.username} for this port will be revoked" in html
    assert 'name="confirm_removal"' in html
    assert list(mesh.product.output_ports.values_list("name", flat=True)) == ["daily"]
    assert Grant.objects.live().filter(pk=grant.pk).exists()

    response = client.post(f"/products/{mesh.product.slug}/edit/", {**data, "confirm_removal": "on"})

    assert response.status_code == 302
    assert list(mesh.product.output_ports.values_list("name", flat=True)) == ["other"]
    grant.refresh_from_db()
    assert grant.revoked_at is not None  # not left without a port, which would cover the whole product
    assert "daily" in grant.revoke_reason


def test_removing_a_port_that_lineage_reads_names_the_reader():
    mesh = Mesh()
    from django.test import Client

    reader = ProductFactory(domain=mesh.product.domain, by=mesh.owner, name="Reader", ports=[port("out")])
    lineage_services.set_product_inputs(reader, by=mesh.owner, inputs=[InputSpec(product=mesh.product.slug, port="daily")])
    client = Client()
    client.force_login(mesh.owner)
    data = edit_data(mesh.product, [{**existing_ports(mesh.product)[0], "DELETE": "on"}], initial=1, initial_fields={0: 3})

    response = client.post(f"/products/{mesh.product.slug}/edit/", data)

    assert response.status_code == 400
    assert "Lineage: Reader / out reads it" in response.content.decode()
    assert mesh.product.output_ports.filter(name="daily").exists()


def test_a_non_member_may_not_edit_the_ports(client):
    mesh = Mesh()
    client.force_login(mesh.other_owner)
    data = edit_data(mesh.product, [{"name": "mine", "fields": []}])

    assert client.post(f"/products/{mesh.product.slug}/edit/", data).status_code == 403
    assert list(mesh.product.output_ports.values_list("name", flat=True)) == ["daily"]


def test_nothing_is_half_written_when_the_product_is_refused(client, owner, team):
    product = ProductFactory(domain=DomainFactory(owner_team=team), by=owner, ports=[port("alpha", fields=1)])
    rows = existing_ports(product)
    rows[0]["name"] = "renamed"

    response = client.post(
        f"/products/{product.slug}/edit/", edit_data(product, rows, initial=1, initial_fields={0: 1}) | {"status": "retired"}
    )

    assert response.status_code == 400
    assert list(product.output_ports.values_list("name", flat=True)) == ["alpha"]


def test_add_a_port_without_javascript_shows_one_more_empty_row_and_saves_nothing(client, owner, team):
    domain = DomainFactory(owner_team=team)

    response = client.post("/products/new/", {**product_data(domain, team), **ports_data([SESSIONS]), "add_port": "1"})

    assert response.status_code == 200
    assert len(response.context["ports"].ports.forms) == 2
    assert 'name="port-1-name"' in response.content.decode()
    assert not DataProduct.objects.exists()

    half_filled = {**SESSIONS, "fields": [*SESSIONS["fields"], {"name": "duration", "data_type": ""}]}
    response = client.post("/products/new/", {**product_data(domain, team, name=""), **ports_data([half_filled]), "add_field": "0"})

    assert len(response.context["ports"].field_sets[0].forms) == 5
    assert "This field is required." not in response.content.decode()  # not judged until saved
    assert 'name="port-0-fields-3-name" value="duration"' in response.content.decode()
    assert not OutputPort.objects.exists()


def test_the_htmx_rows_come_with_the_next_index_and_the_raised_count(client, owner):
    html = client.get("/products/rows/port/", {"port-TOTAL_FORMS": "2"}).content.decode()

    assert 'name="port-2-name"' in html
    assert 'name="port-2-fields-0-name"' in html
    assert 'name="port-2-fields-TOTAL_FORMS" value="1"' in html
    assert 'aria-describedby="id_port-2-location_help"' in html and 'id="id_port-2-location_help"' in html
    assert 'id="id_port-TOTAL_FORMS" hx-swap-oob="true"' in html and 'value="3"' in html

    html = client.get("/products/rows/ports/2/field/", {"port-2-fields-TOTAL_FORMS": "4"}).content.decode()

    assert 'name="port-2-fields-4-data_type"' in html
    assert 'name="port-2-fields-TOTAL_FORMS" value="5"' in html


@pytest.mark.parametrize("query", [{}, {"port-TOTAL_FORMS": "x"}, {"port-TOTAL_FORMS": "5000"}])
def test_a_bad_row_index_is_a_400(client, owner, query):
    response = client.get("/products/rows/port/", query)

    assert response.status_code == 400
    assert "port-TOTAL_FORMS" in response.content.decode()


def test_a_breaking_change_is_shown_on_its_port_and_saved_once_confirmed(client, owner, team):
    product = ProductFactory(domain=DomainFactory(owner_team=team), by=owner, ports=[port("alpha", fields=2), port("beta", fields=1)])
    rows = existing_ports(product)
    rows[0]["fields"][0]["data_type"] = "bigint"  # a field's type changes, the port's version does not
    data = edit_data(product, rows, initial=2, initial_fields={0: 2, 1: 1})

    response = client.post(f"/products/{product.slug}/edit/", data)

    assert response.status_code == 400
    assert "alpha" in response.context["ports"].ports.forms[0].non_field_errors()[0]
    assert 'name="confirm_breaking"' in response.content.decode()
    assert product.output_ports.get(name="alpha").fields.get(name="field_0").data_type == "string"

    response = client.post(f"/products/{product.slug}/edit/", {**data, "confirm_breaking": "on"})

    assert response.status_code == 302
    assert product.output_ports.get(name="alpha").fields.get(name="field_0").data_type == "bigint"


@pytest.mark.parametrize(
    "counts",
    [
        {"port-TOTAL_FORMS": "x"},
        {"port-TOTAL_FORMS": "100000", "port-0-fields-TOTAL_FORMS": "100000"},
        {"port-0-fields-TOTAL_FORMS": "-3"},
        {"add_field": "99999"},
    ],
)
def test_tampered_row_counts_are_a_400_naming_the_ports_not_a_500(client, owner, team, counts):
    domain = DomainFactory(owner_team=team)
    data = {**product_data(domain, team), **ports_data([SESSIONS]), **counts}

    response = client.post("/products/new/", data)

    assert not DataProduct.objects.exists()
    if "add_field" in counts:  # a row that is not there: the form again, unchanged
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        assert any(f"{key}: " in response.content.decode() for key in counts)


def test_removing_a_port_that_whole_product_grants_cover_asks_first_and_keeps_those_grants():
    from django.test import Client

    mesh = Mesh()
    grant = live_grant(mesh)  # for the whole product
    client = Client()
    client.force_login(mesh.owner)
    keep = {"name": "other", "fields": [{"name": "x", "data_type": "int"}]}
    data = edit_data(mesh.product, [{**existing_ports(mesh.product)[0], "DELETE": "on"}, keep], initial=1, initial_fields={0: 3})
    data["version"] = "2.0.0"

    response = client.post(f"/products/{mesh.product.slug}/edit/", data)

    assert response.status_code == 400
    assert f"{mesh.requester.username} (access to the whole product) will no longer find this port" in response.content.decode()

    assert client.post(f"/products/{mesh.product.slug}/edit/", {**data, "confirm_removal": "on"}).status_code == 302
    assert Grant.objects.live().filter(pk=grant.pk, port=None).exists()


# --- nested fields, logical types and the order of ports ---------------------

ORDERS = {
    "name": "orders",
    "fields": [
        {"name": "order_id", "data_type": "uuid", "logical_type": "string"},
        {"name": "address", "logical_type": "object"},
        {"name": "street", "data_type": "string", "parent": "address"},
        {"name": "lines", "logical_type": "array"},
        {"name": "sku", "data_type": "string", "parent": "lines"},
        {"name": "tags", "data_type": "array<string>", "logical_type": "array"},
    ],
}


def test_a_member_creates_nested_fields_by_naming_their_parent_and_ports_keep_their_order(client, owner, team):
    domain = DomainFactory(owner_team=team)

    response = client.post("/products/new/", product_data(domain, team) | ports_data([SESSIONS, ORDERS]))

    assert response.status_code == 302, response.content.decode()
    product = DataProduct.objects.get(slug="listening-sessions")
    assert [p.name for p in product.output_ports.all()] == ["sessions", "orders"]
    orders = product.output_ports.get(name="orders")
    rows = [(f.name, f.data_type, f.logical_type, f.parent and f.parent.name) for f in orders.fields.all()]
    assert rows == [
        ("order_id", "uuid", "string", None),
        ("address", "object", "object", None),
        ("street", "string", "", "address"),
        ("lines", "array", "array", None),
        ("sku", "string", "", "lines"),
        ("tags", "array<string>", "array", None),
    ]


def test_a_field_nested_in_an_unknown_or_plain_field_gets_the_error_on_its_row_and_nothing_is_written(client, owner, team):
    domain = DomainFactory(owner_team=team)
    bad = {
        "name": "orders",
        "fields": [
            {"name": "order_id", "data_type": "uuid"},
            {"name": "street", "data_type": "string", "parent": "adress"},
            {"name": "digit", "data_type": "string", "parent": "order_id"},
        ],
    }

    response = client.post("/products/new/", product_data(domain, team) | ports_data([bad]))

    assert response.status_code == 400
    fields = response.context["ports"].field_sets[0].forms
    assert fields[1].errors["parent"] == ["No object or array field 'adress' in this port (or it is nested in itself)."]
    assert fields[2].errors["parent"] == ["order_id holds no nested fields: give it the logical type object or array."]
    assert not DataProduct.objects.exists()


def test_the_edit_page_shows_nested_fields_with_their_parent_and_saving_them_unchanged_changes_nothing(client, owner, team):
    domain = DomainFactory(owner_team=team)
    client.post("/products/new/", product_data(domain, team) | ports_data([ORDERS]))
    product = DataProduct.objects.get(slug="listening-sessions")
    ids = list(product.output_ports.get().fields.values_list("pk", flat=True))

    html = client.get(f"/products/{product.slug}/edit/").content.decode()
    rows = existing_ports(product)
    for row, field in zip(rows[0]["fields"], product.output_ports.get().fields.all()):
        row.update({"logical_type": field.logical_type, "parent": field.parent.name if field.parent else ""})
    response = client.post(f"/products/{product.slug}/edit/", edit_data(product, rows, initial=1, initial_fields={0: 6}))

    assert 'name="port-0-fields-2-parent" value="address"' in html
    assert response.status_code == 302, response.content.decode()
    assert list(product.output_ports.get().fields.values_list("pk", flat=True)) == ids


def test_an_owner_reorders_ports_with_their_positions(client, owner, team):
    product = ProductFactory(domain=DomainFactory(owner_team=team), by=owner, ports=[port("alpha"), port("beta")])
    alpha, beta = existing_ports(product)
    alpha["ORDER"], beta["ORDER"] = 2, 1

    response = client.post(f"/products/{product.slug}/edit/", edit_data(product, [alpha, beta], initial=2, initial_fields={0: 0, 1: 0}))

    assert response.status_code == 302, response.content.decode()
    assert [p.name for p in product.output_ports.all()] == ["beta", "alpha"]
