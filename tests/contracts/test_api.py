"""The descriptor endpoints: PUT and GET /api/v1/products/<slug>/descriptor and
POST /api/v1/descriptors/, their answers (YAML or JSON in, JSON or YAML out),
refusals (400 naming file, path and rule; 403; 404) and the OpenAPI schema.

The cast is tests.factories.Mesh: a published product of `team` (owner and
developer, a port `daily` with a location), another team's owner, a consumer
and an admin."""

import json

import pytest
import yaml
from rest_framework.test import APIClient

from catalog.models import DataProduct
from tests.contracts.conftest import example
from tests.contracts.documents import as_yaml, check, contract, descriptor
from tests.factories import DomainFactory, Mesh, ProductFactory, live_grant, port

pytestmark = pytest.mark.django_db

DESCRIPTORS = "/api/v1/descriptors/"


def url(slug: str) -> str:
    return f"/api/v1/products/{slug}/descriptor"


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def put_yaml(user, slug: str, body: bytes, content_type: str = "application/yaml"):
    return api(user).put(url(slug), body, content_type=content_type)


def imported(mesh: Mesh, odps_id: str = "orders-daily", **changes) -> DataProduct:
    """A product created from its descriptor by `mesh.owner`, with the contract of its port `daily`."""
    document = check(descriptor(odps_id, domain=mesh.product.domain, team=mesh.team, **changes))
    created = api(mesh.owner).post(DESCRIPTORS, as_yaml(document), content_type="application/yaml")
    assert created.status_code == 201, created.json()
    response = put_yaml(mesh.owner, odps_id, as_yaml(check(contract(odps_id))))
    assert response.status_code == 200, response.json()
    return DataProduct.objects.get(slug=odps_id)


# --- importing ------------------------------------------------------------------------


def test_team_member_creates_a_product_from_a_yaml_descriptor():
    mesh = Mesh()
    document = check(descriptor("orders-daily", domain=mesh.product.domain, team=mesh.team))

    response = api(mesh.developer).post(DESCRIPTORS, as_yaml(document), content_type="application/yaml")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["product"], body["created"], body["changed"]) == ("orders-daily", True, True)
    product = DataProduct.objects.get(slug="orders-daily")
    assert product.name == "Orders daily"
    assert product.owner_team == mesh.team
    assert list(product.output_ports.values_list("name", flat=True)) == ["daily"]


def test_posting_the_same_descriptor_again_changes_nothing_and_says_so():
    mesh = Mesh()
    body = as_yaml(check(descriptor("orders-daily", domain=mesh.product.domain, team=mesh.team)))
    api(mesh.owner).post(DESCRIPTORS, body, content_type="application/yaml")

    again = api(mesh.owner).post(DESCRIPTORS, body, content_type="application/yaml")

    assert again.status_code == 200, again.json()
    assert (again.json()["created"], again.json()["changed"]) == (False, False)
    assert "unchanged" in " ".join(again.json()["messages"])


def test_a_descriptor_is_accepted_as_json_and_as_text_yaml():
    mesh = Mesh()
    first = descriptor("orders-daily", domain=mesh.product.domain, team=mesh.team)
    second = descriptor("orders-weekly", domain=mesh.product.domain, team=mesh.team, name="Orders weekly")

    as_json = api(mesh.owner).post(DESCRIPTORS, json.dumps(first), content_type="application/json")
    as_text_yaml = api(mesh.owner).post(DESCRIPTORS, as_yaml(second), content_type="text/yaml")

    assert (as_json.status_code, as_text_yaml.status_code) == (201, 201)
    assert set(DataProduct.objects.filter(slug__startswith="orders-").values_list("name", flat=True)) == {"Orders daily", "Orders weekly"}


def test_owner_puts_a_contract_and_the_port_gets_its_fields():
    mesh = Mesh()
    product = imported(mesh)

    port = product.output_ports.get(name="daily")
    assert list(port.fields.order_by("position", "name").values_list("name", "required", "primary_key")) == [
        ("order_id", True, True),
        ("amount", False, False),
    ]


def test_a_contract_with_a_bad_logical_type_is_refused_with_its_path_and_nothing_is_written():
    mesh = Mesh()
    product = imported(mesh)
    fields_before = list(product.output_ports.get(name="daily").fields.values_list("name", flat=True))

    response = put_yaml(mesh.owner, product.slug, as_yaml(contract(product.slug, logical_type="money", version="1.1.0")))

    assert response.status_code == 400
    body = response.json()
    assert body["file"] == "request body"
    assert body["problems"] == [
        {
            "path": "schema[0].properties[1].logicalType",
            "rule": "'money' is not one of ['string', 'date', 'timestamp', 'time', 'number', 'integer', 'object', 'array', 'boolean']",
        }
    ]
    assert list(product.output_ports.get(name="daily").fields.values_list("name", flat=True)) == fields_before


def test_a_document_of_an_unknown_kind_is_refused_at_kind():
    mesh = Mesh()

    response = put_yaml(mesh.owner, mesh.product.slug, b"apiVersion: v1.0.0\nkind: Spaceship\nid: x\n")

    assert response.status_code == 400
    assert [problem["path"] for problem in response.json()["problems"]] == ["kind"]


def test_a_malformed_yaml_body_is_a_400_not_a_500():
    mesh = Mesh()

    response = put_yaml(mesh.owner, mesh.product.slug, b"kind: DataProduct\nid: [unclosed\n")

    assert response.status_code == 400
    body = response.json()
    assert body["file"] == "request body"
    assert [problem["path"] for problem in body["problems"]] == [""]
    assert "YAML" in body["problems"][0]["rule"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"- just\n- a list\n", "application/yaml"),
        (b"plain text", "application/yaml"),
        (b'{"kind": ', "application/json"),
        (b"[" * 100 + b"]" * 100, "application/json"),
        (b"a: " + b"[" * 100 + b"]" * 100, "application/yaml"),
        (b"a: &a [1, 2]\nb: *a\n", "application/yaml"),
        (b"\xff\xfe\x00garbage", "application/yaml"),
    ],
    ids=["a list", "a scalar", "truncated JSON", "JSON nested too deep", "YAML nested too deep", "YAML aliases", "not text"],
)
def test_a_body_that_is_no_descriptor_is_refused_naming_the_whole_document(body, content_type):
    mesh = Mesh()

    response = put_yaml(mesh.owner, mesh.product.slug, body, content_type=content_type)

    assert response.status_code == 400, response.content
    assert response.json()["file"] == "request body"
    assert [problem["path"] for problem in response.json()["problems"]] == [""]


def test_a_document_larger_than_a_megabyte_is_refused_and_a_body_larger_than_django_takes_is_a_413():
    mesh = Mesh()
    padding = b"# " + b"x" * 1000 + b"\n"

    large = put_yaml(mesh.owner, mesh.product.slug, b"kind: DataProduct\n" + padding * 1100)
    too_large = put_yaml(mesh.owner, mesh.product.slug, b"kind: DataProduct\n" + padding * 2700)

    assert large.status_code == 400
    assert large.json()["problems"] == [{"path": "", "rule": "The document is larger than 1024 KB."}]
    assert too_large.status_code == 413


def test_a_body_of_another_media_type_is_a_415():
    mesh = Mesh()

    response = put_yaml(mesh.owner, mesh.product.slug, b"kind: DataProduct", content_type="text/plain")

    assert response.status_code == 415


def test_a_member_of_another_team_may_not_import_into_the_product():
    mesh = Mesh()
    document = descriptor(mesh.product.slug, domain=mesh.product.domain, team=mesh.other_team, name="Taken over")

    response = put_yaml(mesh.other_owner, mesh.product.slug, as_yaml(document))

    assert response.status_code == 403
    mesh.product.refresh_from_db()
    assert mesh.product.name != "Taken over"


def test_a_draft_of_another_team_is_a_404_like_the_product_api():
    mesh = Mesh()
    draft = ProductFactory(domain=DomainFactory(owner_team=mesh.other_team), status=DataProduct.Status.DRAFT)

    put = put_yaml(mesh.owner, draft.slug, as_yaml(descriptor(draft.slug, domain=draft.domain, team=mesh.team)))
    get = api(mesh.owner).get(url(draft.slug))
    product_api = api(mesh.owner).get(f"/api/v1/products/{draft.slug}/")

    assert (put.status_code, get.status_code, product_api.status_code) == (404, 404, 404)
    assert put.json() == get.json() == {"detail": "No data product here, or you may not see it."}


def test_an_anonymous_caller_is_asked_to_authenticate():
    mesh = Mesh()

    response = api().get(url(mesh.product.slug))

    assert response.status_code == 401
    assert "WWW-Authenticate" in response.headers


# --- exporting ----------------------------------------------------------------------------


def test_the_descriptor_is_json_by_default():
    mesh = Mesh()
    product = imported(mesh)

    response = api(mesh.consumer).get(url(product.slug))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert (body["kind"], body["id"], body["name"]) == ("DataProduct", "orders-daily", "Orders daily")
    assert "Content-Disposition" not in response


def test_the_descriptor_is_yaml_when_asked_for():
    mesh = Mesh()
    product = imported(mesh)

    response = api(mesh.consumer).get(url(product.slug), HTTP_ACCEPT="application/yaml")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/yaml")
    assert yaml.safe_load(response.content)["id"] == "orders-daily"


def test_a_download_is_a_yaml_attachment_named_after_the_product():
    mesh = Mesh()
    product = imported(mesh)

    odps = api(mesh.consumer).get(url(product.slug), {"download": "yaml"})
    odcs = api(mesh.consumer).get(url(product.slug), {"port": "daily", "download": "yaml"})

    assert odps["Content-Disposition"] == 'attachment; filename="orders-daily.odps.yaml"'
    assert odcs["Content-Disposition"] == 'attachment; filename="orders-daily.daily.odcs.yaml"'
    assert yaml.safe_load(odcs.content)["id"] == "orders-daily-daily"


def test_a_ports_name_is_made_safe_for_the_downloads_file_name():
    mesh = Mesh()
    odd = ProductFactory(domain=mesh.product.domain, by=mesh.owner, ports=[port('raw/../events v2"\r\n')])

    response = api(mesh.owner).get(url(odd.slug), {"format": "odcs", "port": 'raw/../events v2"\r\n', "download": "yaml"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{odd.slug}.raw-events-v2.odcs.yaml"'


def test_the_contracts_of_a_product_are_a_list_one_per_port():
    mesh = Mesh()

    response = api(mesh.owner).get(url(mesh.product.slug), {"format": "odcs"})

    assert response.status_code == 200
    assert [document["kind"] for document in response.json()] == ["DataContract"]


def test_the_contracts_as_yaml_are_one_document_listing_one_contract_per_port():
    mesh = Mesh()
    product = ProductFactory(domain=mesh.product.domain, by=mesh.owner, ports=[port("daily"), port("weekly")])

    response = api(mesh.owner).get(url(product.slug), {"format": "odcs"}, HTTP_ACCEPT="application/yaml")

    assert [document["kind"] for document in yaml.safe_load(response.content)] == ["DataContract", "DataContract"]


def test_a_consumer_without_a_grant_downloads_a_contract_without_servers():
    mesh = Mesh()
    product = imported(mesh)

    owner = api(mesh.owner).get(url(product.slug), {"format": "odcs", "port": "daily"}).json()
    consumer = api(mesh.consumer).get(url(product.slug), {"format": "odcs", "port": "daily"}).json()

    assert owner["servers"][0]["host"] == "db.internal.example"
    assert "servers" not in consumer
    assert [column["name"] for column in consumer["schema"][0]["properties"]] == ["order_id", "amount"]


def test_a_consumer_with_a_live_grant_sees_the_servers():
    mesh = Mesh()
    put_yaml(mesh.owner, mesh.product.slug, as_yaml(descriptor(mesh.product.slug, domain=mesh.product.domain, team=mesh.team)))
    # A major version: the contract replaces the port's fields and location, a breaking change.
    put_yaml(mesh.owner, mesh.product.slug, as_yaml(contract(mesh.product.slug, version="2.0.0")))
    live_grant(mesh)

    response = api(mesh.requester).get(url(mesh.product.slug), {"format": "odcs", "port": "daily"})

    assert response.json()["servers"][0]["host"] == "db.internal.example"


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ({"format": "xml"}, 400, "format"),
        ({"format": ""}, 400, "format"),
        ({"download": "pdf"}, 400, "download"),
        ({"format": "odps", "port": "daily"}, 400, "port"),
        ({"format": "odcs", "port": "nonesuch"}, 404, "detail"),
    ],
)
def test_a_bad_query_is_refused_naming_the_parameter(query, status, field):
    mesh = Mesh()

    response = api(mesh.owner).get(url(mesh.product.slug), query)

    assert response.status_code == status
    assert field in response.json()


def test_an_error_is_json_even_when_yaml_was_asked_for():
    mesh = Mesh()

    download = api(mesh.owner).get(url("nonesuch"), {"download": "yaml", "format": "odcs"})
    accept = api(mesh.owner).get(url(mesh.product.slug), {"format": "xml"}, HTTP_ACCEPT="application/yaml")

    assert (download.status_code, download["Content-Type"]) == (404, "application/json")
    assert "Content-Disposition" not in download
    assert download.json() == {"detail": "No data product here, or you may not see it."}
    assert (accept.status_code, accept["Content-Type"]) == (400, "application/json")


# --- the schema ------------------------------------------------------------------------


def test_the_openapi_schema_documents_the_descriptor_endpoints():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)

    item = schema["paths"]["/api/v1/products/{slug}/descriptor"]
    assert set(item["put"]["requestBody"]["content"]) == {"application/yaml", "text/yaml", "application/json"}
    assert {"200", "400", "403", "404", "413", "415"} <= set(item["put"]["responses"])
    assert set(item["get"]["responses"]["200"]["content"]) == {"application/json", "application/yaml"}
    assert {parameter["name"] for parameter in item["get"]["parameters"]} >= {"format", "port", "download"}
    post = schema["paths"]["/api/v1/descriptors/"]["post"]
    assert {"200", "201", "400"} <= set(post["responses"])
    problems = post["responses"]["400"]["content"]["application/json"]["schema"]
    assert problems == {"$ref": "#/components/schemas/DescriptorProblems"}


# --- a contract on its own: a new port --------------------------------------------------


def _two_port_product(mesh: Mesh) -> DataProduct:
    from catalog import services as catalog_services

    specs = [catalog_services.port_spec_of(existing) for existing in mesh.product.output_ports.prefetch_related("fields")]
    catalog_services.set_output_ports(mesh.product, ports=[*specs, catalog_services.PortSpec("weekly")], by=mesh.owner)
    return mesh.product


def test_an_upstream_contract_uploaded_on_a_product_no_port_carries_becomes_a_new_port():
    mesh = Mesh()
    product = _two_port_product(mesh)
    body = example("odcs-v3.1.0/full-example.odcs.yaml")
    name = yaml.safe_load(body)["id"]  # it has no `name` and two schema objects: the port is named by its id

    response = put_yaml(mesh.owner, product.slug, body)

    assert response.status_code == 200, response.json()
    assert list(product.output_ports.values_list("name", flat=True)) == ["daily", "weekly", name]
    new_port = product.output_ports.get(name=name)
    assert new_port.fields.exists()
    again = put_yaml(mesh.owner, product.slug, body)
    assert (again.status_code, again.json()["changed"]) == (200, False)
    assert product.output_ports.count() == 3


def test_a_consumer_may_not_add_a_port_by_uploading_a_contract():
    mesh = Mesh(classification="public")
    product = _two_port_product(mesh)

    response = put_yaml(mesh.consumer, product.slug, example("odcs-v3.1.0/full-example.odcs.yaml"))

    assert response.status_code == 403, response.json()
    assert product.output_ports.count() == 2
