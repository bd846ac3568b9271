"""Declared inputs, traversal (one recursive query, on SQLite and PostgreSQL),
impact analysis and who sees what: services, queries, API and pages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from catalog import services as catalog_services
from lineage import queries as lineage_queries
from lineage import services as lineage_services
from lineage.models import LineageEdge
from lineage.openlineage import LineageError
from lineage.services import InputSpec
from tests.factories import Mesh, ProductFactory, UserFactory, member_of, port, submit

pytestmark = pytest.mark.django_db


def chain(*slugs, status_of=None):
    """Products a → b → c …, each declaring the previous one as its input."""
    status_of = status_of or {}
    products = []
    for slug in slugs:
        product = ProductFactory(
            slug=slug,
            name=slug.title(),
            ports=[port("out", location=f"postgres://db:5432/public.{slug.replace('-', '_')}")],
            status=status_of.get(slug, "published"),
        )
        if products:
            declare(product, InputSpec(product=products[-1].slug))
        products.append(product)
    return products


def declare(product, *inputs: InputSpec):
    """Declare `product`'s inputs as an admin would (who sees every draft)."""
    lineage_services.set_product_inputs(product, by=UserFactory(username="lineage-admin", is_superuser=True), inputs=list(inputs))


def names(graph) -> dict[str, int]:
    return {node.port.product.slug if node.port_id else node.name: node.layer for node in graph.nodes}


# --- declared inputs -------------------------------------------------------------------


def test_declared_inputs_become_edges_into_every_port_of_the_product():
    ProductFactory(slug="source", ports=[port("a", location="s3://lake/a"), port("b", location="s3://lake/b")])
    target = ProductFactory(slug="target", ports=[port("x", location="s3://lake/x"), port("y", location="s3://lake/y")])

    declare(target, InputSpec(product="source", port="a"), InputSpec(namespace="postgres://crm:5432", name="public.accounts"))

    assert sorted((str(e.upstream), str(e.downstream)) for e in LineageEdge.objects.select_related("upstream", "downstream")) == [
        ("postgres://crm:5432/public.accounts", "s3://lake/x"),
        ("postgres://crm:5432/public.accounts", "s3://lake/y"),
        ("s3://lake/a", "s3://lake/x"),
        ("s3://lake/a", "s3://lake/y"),
    ]
    assert {e.origin for e in LineageEdge.objects.all()} == {"manual"}


def test_declaring_inputs_again_replaces_the_declared_ones_but_keeps_observed_edges():
    a, b = chain("a", "b")
    c = ProductFactory(slug="c", ports=[port("out", location="s3://lake/c")])
    LineageEdge.objects.create(
        upstream=c.output_ports.get().lineage_node,
        downstream=b.output_ports.get().lineage_node,
        origin="openlineage",
        job_name="j",
        last_seen="2026-11-30T00:00:00Z",
    )

    declare(b, InputSpec(product="c"))

    upstream = lineage_queries.lineage_graph(UserFactory(), b, direction="upstream", depth=1)
    assert names(upstream) == {"b": 0, "c": -1}
    assert LineageEdge.objects.filter(origin="manual").count() == 1


def test_only_the_owning_team_may_declare_inputs():
    a, b = chain("a", "b")

    with pytest.raises(catalog_services.NotTeamMember):
        lineage_services.set_product_inputs(b, by=member_of(a.owner_team), inputs=[])


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (InputSpec(product="nowhere"), "inputs[0].product"),
        (InputSpec(product="b"), "inputs[0].product"),
        (InputSpec(product="a", port="missing"), "inputs[0].port"),
        (InputSpec(namespace="postgres://crm:5432"), "inputs[0]"),
    ],
)
def test_a_wrong_input_is_refused_naming_it(spec, field):
    a, b = chain("a", "b")

    with pytest.raises(LineageError) as refused:
        declare(b, spec)

    assert refused.value.field == field


def test_another_teams_draft_cannot_be_declared_as_an_input_and_is_not_confirmed_to_exist():
    draft = ProductFactory(slug="secret-draft", status="draft", ports=[port("out", location="s3://lake/secret")])
    reader = ProductFactory(ports=[port("out", location="s3://lake/reader")])

    with pytest.raises(LineageError) as refused:
        lineage_services.set_product_inputs(
            reader, by=reader.owner_team.memberships.first().user, inputs=[InputSpec(product="secret-draft")]
        )

    assert str(refused.value) == "inputs[0]: there is no data product 'secret-draft' you can see."
    assert draft.pk


@pytest.mark.parametrize("status", ["published", "draft"])
def test_a_port_declared_by_its_location_without_leave_to_use_it_is_not_recorded_nor_named(status):
    """Declared as `namespace name`, another team's port would come back as
    that product and port among the inputs: a location confirmed, a product
    named. Whether its product is visible or not, it is accepted and left out."""
    other = ProductFactory(slug="ledgers", status=status, ports=[port("table", location="postgres://vault:5432/ledgers.quarterly")])
    reader = ProductFactory(slug="reader", ports=[port("out", location="s3://lake/reader")])
    owner = reader.owner_team.memberships.first().user
    other_edges = LineageEdge.objects.filter(upstream__port__product=other).count()

    lineage_services.set_product_inputs(
        reader,
        by=owner,
        inputs=[InputSpec(namespace="postgres://vault:5432", name="ledgers.quarterly"), InputSpec(namespace="s3://lake", name="made-up")],
    )

    inputs = APIClient()
    inputs.force_authenticate(owner)
    assert inputs.get("/api/v1/products/reader/").json()["inputs"] == [{"namespace": "s3://lake", "name": "made-up"}]
    assert LineageEdge.objects.filter(upstream__port__product=other).count() == other_edges


def test_a_port_declared_by_its_location_by_someone_who_may_use_it_is_recorded():
    other = ProductFactory(slug="ledgers", ports=[port("table", location="postgres://vault:5432/ledgers.quarterly")])
    reader = ProductFactory(slug="reader", ports=[port("out", location="s3://lake/reader")])
    owner = reader.owner_team.memberships.first().user
    mesh_grant(other, owner)

    lineage_services.set_product_inputs(reader, by=owner, inputs=[InputSpec(namespace="postgres://vault:5432", name="ledgers.quarterly")])

    assert list(LineageEdge.objects.filter(downstream__port__product=reader).values_list("upstream__port__product__slug", flat=True)) == [
        "ledgers"
    ]


def mesh_grant(product, user):
    """A live grant of `user` on `product`, as an approved request leaves it."""
    from access_requests import services as access_services

    request = access_services.submit_request(product, by=user, purpose="Reconcile the quarterly ledgers.", duration_days=30)
    admin = UserFactory(is_superuser=True)
    for step in request.steps.order_by("pk"):
        access_services.approve_step(step, by=admin)
    request.refresh_from_db()
    assert request.grant is not None


def test_owners_declare_inputs_over_the_api():
    a, b = chain("a", "b")
    ProductFactory(slug="c", ports=[port("out", location="s3://lake/c")])
    client = APIClient()
    client.force_authenticate(b.owner_team.memberships.first().user)

    response = client.patch(
        f"/api/v1/products/{b.slug}/",
        {"inputs": [{"product": "c"}, {"namespace": "kafka://broker:9092", "name": "raw.events"}]},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["inputs"] == [{"namespace": "kafka://broker:9092", "name": "raw.events"}, {"product": "c", "port": "out"}]


def test_a_wrong_input_over_the_api_is_a_400_naming_it():
    a, b = chain("a", "b")
    client = APIClient()
    client.force_authenticate(b.owner_team.memberships.first().user)

    response = client.patch(f"/api/v1/products/{b.slug}/", {"inputs": [{"product": "a"}, {"product": "nowhere"}]}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["inputs[1].product"]
    assert names(lineage_queries.lineage_graph(UserFactory(), b, direction="upstream", depth=1)) == {"b": 0, "a": -1}


def test_owners_declare_inputs_on_the_edit_page(client):
    a, b = chain("a", "b")
    owner = b.owner_team.memberships.first().user
    client.force_login(owner)
    form = client.get(f"/products/{b.slug}/edit/")
    assert "a/out" in form.content.decode()
    data = {
        "name": b.name,
        "summary": b.summary,
        "domain": b.domain_id,
        "owner_team": b.owner_team_id,
        "kind": b.kind,
        "status": b.status,
        "version": b.version,
        "classification": b.classification,
        "tags": "",
        "inputs": "a\npostgres://crm:5432 public.accounts\n",
    }

    response = client.post(f"/products/{b.slug}/edit/", data)

    assert response.status_code == 302
    assert names(lineage_queries.lineage_graph(owner, b, direction="upstream", depth=1)) == {"b": 0, "a": -1, "public.accounts": -1}
    data["inputs"] = "nowhere"
    refused = client.post(f"/products/{b.slug}/edit/", data)
    assert refused.status_code == 400
    assert "no data product &#x27;nowhere&#x27; you can see" in refused.content.decode()


# --- traversal --------------------------------------------------------------------------


def test_downstream_traversal_stops_at_the_chosen_depth():
    a, b, c, d = chain("a", "b", "c", "d")
    viewer = UserFactory()

    assert names(lineage_queries.lineage_graph(viewer, a, direction="downstream", depth=1)) == {"a": 0, "b": 1}
    assert names(lineage_queries.lineage_graph(viewer, a, direction="downstream", depth=3)) == {"a": 0, "b": 1, "c": 2, "d": 3}


def test_upstream_traversal_goes_the_other_way():
    a, b, c, d = chain("a", "b", "c", "d")

    graph = lineage_queries.lineage_graph(UserFactory(), c, direction="upstream", depth=5)

    assert names(graph) == {"a": -2, "b": -1, "c": 0}
    assert len(graph.edges) == 2


def test_both_directions_place_upstream_left_and_downstream_right():
    a, b, c, d = chain("a", "b", "c", "d")

    assert names(lineage_queries.lineage_graph(UserFactory(), b, direction="both", depth=2)) == {"a": -1, "b": 0, "c": 1, "d": 2}


def test_a_node_reached_by_two_paths_takes_the_shorter_one():
    a, b, c = chain("a", "b", "c")
    declare(c, InputSpec(product="a"), InputSpec(product="b"))

    assert names(lineage_queries.lineage_graph(UserFactory(), a, direction="downstream", depth=5)) == {"a": 0, "b": 1, "c": 1}


def test_traversal_of_a_cycle_ends_and_lists_each_node_once():
    a, b, c = chain("a", "b", "c")
    declare(a, InputSpec(product="c"))  # a → b → c → a

    graph = lineage_queries.lineage_graph(UserFactory(), a, direction="downstream", depth=10)

    assert names(graph) == {"a": 0, "b": 1, "c": 2}
    assert len(graph.edges) == 3


def test_traversal_is_one_query_whatever_the_depth():
    products = chain(*[f"p{i}" for i in range(8)])
    viewer = UserFactory()

    with CaptureQueriesContext(connection) as shallow:
        lineage_queries.lineage_walk(viewer, products[0], direction="downstream", depth=1)
    with CaptureQueriesContext(connection) as deep:
        layers, _ = lineage_queries.lineage_walk(viewer, products[0], direction="downstream", depth=10)

    assert len(layers) == 8
    assert len([q for q in deep.captured_queries if "RECURSIVE" in q["sql"]]) == 1
    assert len(deep.captured_queries) == len(shallow.captured_queries)


def test_external_datasets_are_nodes_of_the_graph():
    product = ProductFactory(slug="crm-customers", ports=[port("out", location="s3://lake/customers")])
    declare(product, InputSpec(namespace="postgres://crm:5432", name="public.customers"))

    graph = lineage_queries.lineage_graph(UserFactory(), product, direction="upstream", depth=3)

    external = [node for node in graph.nodes if node.is_external]
    assert [(node.namespace, node.name, node.layer) for node in external] == [("postgres://crm:5432", "public.customers", -1)]


# --- who sees what ----------------------------------------------------------------------


def test_a_draft_is_neither_shown_nor_walked_through_for_those_who_may_not_see_it():
    a, hidden, c = chain("a", "hidden", "c", status_of={"hidden": "draft"})
    stranger = UserFactory()

    graph = lineage_queries.lineage_graph(stranger, a, direction="downstream", depth=5)

    assert names(graph) == {"a": 0}
    assert graph.edges == []


def test_the_owning_team_sees_its_draft_in_the_graph():
    a, hidden, c = chain("a", "hidden", "c", status_of={"hidden": "draft"})

    graph = lineage_queries.lineage_graph(member_of(hidden.owner_team), a, direction="downstream", depth=5)

    assert names(graph) == {"a": 0, "hidden": 1, "c": 2}


def test_the_lineage_api_does_not_leak_a_draft():
    a, hidden = chain("a", "hidden", status_of={"hidden": "draft"})
    client = APIClient()
    client.force_authenticate(UserFactory())

    response = client.get(f"/api/v1/products/{a.slug}/lineage/?direction=downstream&depth=3")

    assert response.status_code == 200
    assert "hidden" not in response.content.decode()
    assert response.json()["edges"] == []
    assert client.get(f"/api/v1/products/{hidden.slug}/lineage/").status_code == 404


def test_the_lineage_api_returns_nodes_and_edges():
    a, b, c = chain("a", "b", "c")
    client = APIClient()
    client.force_authenticate(UserFactory())

    body = client.get(f"/api/v1/products/{b.slug}/lineage/?direction=both&depth=1").json()

    by_id = {node["id"]: node for node in body["nodes"]}
    assert (body["direction"], body["depth"]) == ("both", 1)
    assert sorted((by_id[e["upstream"]]["product"], by_id[e["downstream"]]["product"]) for e in body["edges"]) == [("a", "b"), ("b", "c")]
    assert {node["product"]: node["layer"] for node in body["nodes"]} == {"a": -1, "b": 0, "c": 1}
    assert all(node["namespace"] is None for node in body["nodes"])  # a port's identity follows its location: grantees only
    assert {origin["origin"] for edge in body["edges"] for origin in edge["origins"]} == {"manual"}  # declared by the owners


@pytest.mark.parametrize("query", ["direction=sideways", "depth=0", "depth=11", "depth=many"])
def test_the_lineage_api_refuses_bad_parameters(query):
    a, b = chain("a", "b")
    client = APIClient()
    client.force_authenticate(UserFactory())

    assert client.get(f"/api/v1/products/{a.slug}/lineage/?{query}").status_code == 400


# --- impact -------------------------------------------------------------------------------


def test_impact_lists_every_downstream_product_with_its_owners_and_live_consumers():
    from access_requests import services as access_services

    mesh = Mesh()
    catalog_services.set_output_ports(mesh.product, ports=[port("daily", location="s3://lake/mesh")], confirm_breaking=True)
    request = submit(mesh)
    for step in request.steps.all():
        access_services.approve_step(step, by=mesh.owner)
    downstream = ProductFactory(slug="downstream", ports=[port("out", location="s3://lake/downstream")])
    declare(downstream, InputSpec(product=mesh.product.slug))
    a, b, c = chain("far-a", "far-b", "far-c")
    declare(a, InputSpec(product="downstream"))

    impact = lineage_queries.impact_of(mesh.owner, mesh.product)

    assert [(item.product.slug, item.distance) for item in impact] == [("downstream", 1), ("far-a", 2), ("far-b", 3), ("far-c", 4)]
    assert [user.username for user in impact[0].owners] == [downstream.product_owner.username]
    assert impact[0].consumers == []
    impact_of_upstream = lineage_queries.impact_of(
        UserFactory(is_superuser=True), ProductFactory(slug="upstream", ports=[port("out", location="s3://lake/up")])
    )
    assert impact_of_upstream == []
    declare(mesh.product, InputSpec(product="upstream"))
    hit = lineage_queries.impact_of(UserFactory(is_superuser=True), mesh.product.__class__.objects.get(slug="upstream"))
    assert hit[0].product == mesh.product
    assert [user.username for user in hit[0].consumers] == [mesh.requester.username]
    assert [user.username for user in hit[0].owners] == [mesh.owner.username]


def test_impact_api_is_for_the_owning_team_stewards_and_admins():
    mesh = Mesh()
    catalog_services.set_output_ports(mesh.product, ports=[port("daily", location="s3://lake/mesh")], confirm_breaking=True)
    downstream = ProductFactory(slug="downstream", ports=[port("out", location="s3://lake/downstream")])
    declare(downstream, InputSpec(product=mesh.product.slug))
    url = f"/api/v1/products/{mesh.product.slug}/impact/"

    def status_for(user):
        client = APIClient()
        client.force_authenticate(user)
        return client.get(url).status_code

    assert [status_for(user) for user in (mesh.developer, mesh.steward, mesh.admin, mesh.consumer, mesh.other_owner)] == [
        200,
        200,
        200,
        403,
        403,
    ]
    client = APIClient()
    client.force_authenticate(mesh.owner)
    assert [item["product"] for item in client.get(url).json()] == ["downstream"]


def test_impact_does_not_reveal_a_downstream_draft():
    a, hidden = chain("a", "hidden", status_of={"hidden": "draft"})

    assert lineage_queries.impact_of(member_of(a.owner_team), a) == []
    assert [item.product for item in lineage_queries.impact_of(member_of(hidden.owner_team), a)] == [hidden]


# --- the lineage tab -------------------------------------------------------------------------


def test_the_lineage_tab_draws_the_graph_with_links_and_lists_it_in_tables(client):
    a, b, c = chain("a", "b", "c")
    declare(a, InputSpec(namespace="postgres://crm:5432", name="public.accounts"))
    client.force_login(UserFactory())

    response = client.get(f"/products/{b.slug}/lineage/?direction=both&depth=2")

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('class="lineage-link"') == 4
    assert 'href="/products/c/lineage/?direction=both&amp;depth=2"' in page
    assert "lineage-current" in page and "lineage-external" in page
    assert "<caption>Datasets (4)</caption>" in page
    assert "public.accounts" in page


def test_the_lineage_tab_collapses_a_wide_layer_by_domain(client):
    from tests.factories import DomainFactory

    source = ProductFactory(slug="source", ports=[port("out", location="s3://lake/source")])
    domain = DomainFactory(name="Wide Domain")
    for i in range(15):
        reader = ProductFactory(slug=f"reader-{i}", domain=domain, ports=[port("out", location=f"s3://lake/reader-{i}")])
        declare(reader, InputSpec(product="source"))
    client.force_login(UserFactory())

    page = client.get(f"/products/{source.slug}/lineage/?direction=downstream&depth=1").content.decode()

    assert "15 datasets (collapsed)" in page
    assert page.count('class="lineage-link"') == 2
    assert "<caption>Datasets (16)</caption>" in page


def test_the_lineage_tab_of_a_hidden_draft_is_a_404(client):
    draft = ProductFactory(status="draft")
    client.force_login(UserFactory())

    assert client.get(f"/products/{draft.slug}/lineage/").status_code == 404


def test_the_lineage_tab_shows_impact_to_the_owning_team_only(client):
    a, b = chain("a", "b")
    client.force_login(UserFactory())
    assert "Impact" not in client.get(f"/products/{a.slug}/lineage/").content.decode()

    client.force_login(member_of(a.owner_team))
    assert "downstream product is hit" in client.get(f"/products/{a.slug}/lineage/").content.decode()


def test_the_product_page_links_to_its_lineage_tab(client):
    product = ProductFactory()
    client.force_login(UserFactory())

    assert f'href="/products/{product.slug}/lineage/"' in client.get(product.get_absolute_url()).content.decode()


def test_the_drawing_points_every_edge_of_a_dag_left_to_right():
    from lineage.layout import layout

    a, b, c = chain("a", "b", "c")
    declare(c, InputSpec(product="a"), InputSpec(product="b"))  # c is 1 hop from a, and 2 through b

    drawing = layout(lineage_queries.lineage_graph(UserFactory(), a, direction="downstream", depth=3))

    x = {node.label: node.x for node in drawing.nodes}
    assert x["A"] < x["B"] < x["C"]
    assert not any(edge.backwards for edge in drawing.edges)


def test_the_drawing_of_a_cycle_ends_with_an_edge_looping_back(client):
    a, b, c = chain("a", "b", "c")
    declare(a, InputSpec(product="c"))
    client.force_login(UserFactory())

    page = client.get(f"/products/{a.slug}/lineage/?direction=both&depth=10").content.decode()

    assert page.count('class="lineage-link"') == 3
    assert "lineage-edge-back" in page


def test_the_lineage_tab_says_what_is_wrong_with_its_controls(client):
    a, b = chain("a", "b")
    client.force_login(UserFactory())

    response = client.get(f"/products/{a.slug}/lineage/?depth=50")

    assert response.status_code == 400
    assert "Depth: Ensure this value is less than or equal to 10." in response.content.decode()
