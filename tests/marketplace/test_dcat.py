"""The public catalogue: GET /catalog.jsonld and /catalog.ttl (DCAT-AP 3)."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from pyshacl import validate
from rdflib import Graph, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDF

from catalog import services as catalog_services
from catalog.models import DataProduct, OutputPort
from marketplace import dcat, dcat_views
from tests.factories import DomainFactory, ProductFactory, port

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_mesh")]

# rdflib's DCAT namespace object is closed to DCAT 2 terms; DCAT 3 adds some (dcat:version).
DCAT = Namespace("http://www.w3.org/ns/dcat#")
SHAPES = Path(__file__).parent / "dcat-ap-shapes" / "dcat-ap-SHACL.ttl"


@pytest.fixture(scope="module")
def demo_mesh(django_db_setup, django_db_blocker):
    """The demo mesh, loaded once for the module inside a transaction that is
    rolled back at the end (as tests/demo/test_load_demo.py does)."""
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast_hashing, transaction.atomic():
        call_command("load_demo", force=True, stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def shapes():
    return Graph().parse(SHAPES, format="turtle")


def fetch(extension: str, **params) -> tuple[int, str, str]:
    response = Client().get(f"/catalog.{extension}", params)
    return response.status_code, response["Content-Type"], response.content.decode()


def parse(body: str, extension: str) -> Graph:
    return Graph().parse(data=body, format="json-ld" if extension == "jsonld" else "turtle")


def datasets(graph: Graph) -> set[str]:
    return {
        str(identifier) for dataset in graph.subjects(RDF.type, DCAT.Dataset) for identifier in graph.objects(dataset, DCTERMS.identifier)
    }


def a_draft_with_a_port() -> DataProduct:
    return ProductFactory(
        slug="secret-draft",
        name="Secret draft",
        status=DataProduct.Status.DRAFT,
        ports=[port("daily", location="bigquery://hidden/draft.table")],
    )


@pytest.mark.parametrize("extension", ["jsonld", "ttl"])
def test_demo_catalogue_conforms_to_the_dcat_ap_3_shapes(extension, shapes):
    status, _, body = fetch(extension)

    # RDFS inference: the 3.0.0 shapes ask dcat:accessURL's value to have class rdfs:Resource,
    # which every IRI has under RDFS entailment but no graph states outright.
    conforms, _, report = validate(parse(body, extension), shacl_graph=shapes, inference="rdfs", advanced=True)

    assert status == 200
    assert conforms, report


def test_catalogue_lists_every_published_demo_product_with_its_ports():
    published = dcat.public_products()

    graph = parse(fetch("ttl")[2], "ttl")

    assert datasets(graph) == {product.address for product in published.select_related("domain")}
    assert len(set(graph.subjects(RDF.type, DCAT.Distribution))) == OutputPort.objects.filter(product__in=published).count()


def test_anonymous_callers_get_the_catalogue_in_both_serialisations():
    assert fetch("jsonld")[:2] == (200, "application/ld+json; charset=utf-8")
    assert fetch("ttl")[:2] == (200, "text/turtle; charset=utf-8")


def test_a_signed_in_team_member_gets_the_same_public_catalogue_without_their_drafts():
    draft = a_draft_with_a_port()
    member = draft.product_owner
    client = Client()
    client.force_login(member)

    signed_in = client.get("/catalog.ttl")

    assert signed_in.status_code == 200
    assert draft.slug not in signed_in.content.decode()
    assert isomorphic(parse(signed_in.content.decode(), "ttl"), parse(fetch("ttl")[2], "ttl"))


def test_only_the_classifications_opened_to_the_world_are_listed():
    classified = {p.classification for p in DataProduct.objects.published()}
    assert {"public", "confidential"} <= classified  # the demo has both

    body = fetch("ttl")[2]

    for product in DataProduct.objects.published().exclude(classification="public"):
        assert product.address not in body
    with override_settings(DCAT_CLASSIFICATIONS=["public", "internal", "confidential", "restricted"]):
        assert datasets(parse(fetch("ttl")[2], "ttl")) == {p.address for p in DataProduct.objects.published().select_related("domain")}


def test_the_catalogue_is_read_only():
    assert Client().post("/catalog.ttl").status_code == 405
    assert Client().put("/catalog.jsonld").status_code == 405


def test_drafts_and_deprecated_products_never_appear():
    draft = a_draft_with_a_port()
    deprecated = ProductFactory(slug="old-one")
    catalog_services.change_status(deprecated, by=deprecated.product_owner, status=DataProduct.Status.DEPRECATED)
    assert DataProduct.objects.exclude(status=DataProduct.Status.PUBLISHED).count() >= 2

    for extension in ("jsonld", "ttl"):
        body = fetch(extension)[2]
        assert draft.slug not in body
        assert deprecated.slug not in body
        assert datasets(parse(body, extension)) == {p.address for p in dcat.public_products().select_related("domain")}


def test_no_port_location_appears_in_either_serialisation():
    a_draft_with_a_port()
    locations = [location for location in OutputPort.objects.values_list("location", flat=True) if location]
    assert len(locations) > 40  # the demo's ports, and the draft's

    for extension in ("jsonld", "ttl"):
        body = fetch(extension)[2]
        assert [location for location in locations if location in body] == []


def test_each_distribution_points_to_the_product_page_where_access_is_requested():
    product = dcat.public_products().filter(output_ports__isnull=False).first()
    page = URIRef(f"http://testserver-site{product.get_absolute_url()}")

    with override_settings(SITE_URL="http://testserver-site"):
        graph = parse(fetch("ttl")[2], "ttl")

    dataset = URIRef(f"{page}#dataset")
    distributions = set(graph.objects(dataset, DCAT.distribution))
    assert len(distributions) == product.output_ports.count()
    assert {graph.value(distribution, DCAT.accessURL) for distribution in distributions} == {page}
    assert graph.value(dataset, DCAT.landingPage) == page


def test_jsonld_and_turtle_parse_back_to_the_same_graph():
    page = dcat.catalog_graph()

    from_jsonld = parse(dcat_views.serialise(page.graph, "jsonld"), "jsonld")
    from_turtle = parse(dcat_views.serialise(page.graph, "ttl"), "ttl")

    assert isomorphic(from_jsonld, from_turtle)
    assert isomorphic(from_turtle, page.graph)


def test_the_two_answers_hold_the_same_products_and_ports():
    jsonld, turtle = parse(fetch("jsonld")[2], "jsonld"), parse(fetch("ttl")[2], "ttl")

    def without_paging(graph: Graph) -> Graph:
        # The paging links name their own serialisation (catalog.jsonld?page=2, catalog.ttl?page=2).
        kept = Graph()
        for triple in graph:
            if not any(str(term).startswith(str(dcat.HYDRA)) for term in triple[1:]):
                kept.add(triple)
        return kept

    assert isomorphic(without_paging(jsonld), without_paging(turtle))


def test_pages_link_first_last_previous_and_next():
    total = dcat.public_products().count()

    assert total >= 5  # three pages of two
    middle = dcat.catalog_graph(page=2, page_size=2, extension="ttl")

    view = URIRef(dcat.site_url("/catalog.ttl?page=2"))
    graph = middle.graph
    assert (middle.total, middle.last_page) == (total, -(-total // 2))
    assert len(datasets(graph)) == 2
    assert graph.value(view, dcat.HYDRA.first) == URIRef(dcat.site_url("/catalog.ttl"))
    assert graph.value(view, dcat.HYDRA.previous) == URIRef(dcat.site_url("/catalog.ttl"))
    assert graph.value(view, dcat.HYDRA.next) == URIRef(dcat.site_url("/catalog.ttl?page=3"))
    assert graph.value(view, dcat.HYDRA.last) == URIRef(dcat.site_url(f"/catalog.ttl?page={middle.last_page}"))
    assert graph.value(view, dcat.HYDRA.totalItems).toPython() == total


@pytest.mark.parametrize("page", ["0", "-1", "two", "99999", "", "1.5", "²"])
def test_a_page_that_does_not_exist_is_a_400_naming_page(page):
    for extension in ("jsonld", "ttl"):
        status, content_type, body = fetch(extension, page=page)
        assert (status, content_type) == (400, "application/json")
        assert '"page"' in body


def test_a_page_of_the_catalogue_takes_the_same_number_of_queries_however_many_products_it_holds():
    domain = DomainFactory()
    tags = ["listening", "weekly"]

    def add_products(count: int, start: int) -> None:
        for n in range(start, start + count):
            ProductFactory(domain=domain, slug=f"bulk-{n}", tags=tags, ports=[port("daily"), port("hourly")])

    add_products(3, 0)
    with CaptureQueriesContext(connection) as few:
        fetch("ttl")
    add_products(12, 3)
    with CaptureQueriesContext(connection) as many:
        fetch("ttl")

    assert len(many) == len(few)
