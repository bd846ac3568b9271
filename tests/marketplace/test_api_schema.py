"""The OpenAPI schema at /api/schema/ tells the truth: every status code an
operation can give, fields that can be null marked nullable, and the shape
each endpoint really answers with. (tests/marketplace/test_api_fuzz.py
checks real answers against it; these tests pin what it found.)"""

import pytest
from rest_framework.test import APIClient

from tests.factories import Mesh, define_slo, live_grant, submit

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def component(schema, name: str) -> dict:
    return schema["components"]["schemas"][name]


def resolve(schema, reference: dict) -> dict:
    return component(schema, reference["$ref"].rsplit("/", 1)[1])


def test_the_schema_is_served_as_openapi(client):
    response = client.get("/api/schema/?format=json")

    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_every_operation_documents_401_403_and_406(schema):
    missing = {
        f"{method.upper()} {path}": sorted({"401", "403", "406"} - set(operation["responses"]))
        for path, method, operation in operations(schema)
    }

    assert {name: codes for name, codes in missing.items() if codes} == {}


def test_every_operation_with_a_body_documents_400_413_and_415(schema):
    missing = {
        f"{method.upper()} {path}": sorted({"400", "413", "415"} - set(operation["responses"]))
        for path, method, operation in operations(schema)
        if "requestBody" in operation
    }

    assert missing
    assert {name: codes for name, codes in missing.items() if codes} == {}


def test_every_operation_with_a_path_parameter_documents_404(schema):
    missing = [
        f"{method.upper()} {path}" for path, method, operation in operations(schema) if "{" in path and "404" not in operation["responses"]
    ]

    assert missing == []


def test_refused_transitions_are_documented_as_409(schema):
    paths = schema["paths"]

    assert "409" in paths["/api/v1/products/{slug}/"]["put"]["responses"]
    assert "409" in paths["/api/v1/products/{slug}/"]["patch"]["responses"]
    assert "409" in paths["/api/v1/access-requests/{id}/approve/"]["post"]["responses"]
    assert "409" in paths["/api/v1/grants/{id}/revoke/"]["post"]["responses"]


def test_every_error_answer_has_the_error_body(schema):
    without = [
        f"{method.upper()} {path} {code}"
        for path, method, operation in operations(schema)
        for code, response in operation["responses"].items()
        if code >= "400" and "content" not in response
    ]

    assert without == []
    assert component(schema, "Error")["properties"]["detail"]["oneOf"] == [
        {"type": "string"},
        {"type": "array", "items": {"type": "string"}},
    ]


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("AccessRequest", "output_port"),
        ("ApprovalStep", "decided_by"),
        ("Grant", "output_port"),
        ("Grant", "revoked_by"),
        ("OutputPort", "location"),
    ],
)
def test_fields_that_can_be_null_are_marked_nullable(schema, name, field):
    assert component(schema, name)["properties"][field].get("nullable") is True


def test_suggestions_are_documented_as_the_object_they_are(schema):
    body = schema["paths"]["/api/v1/search/suggest/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]

    assert sorted(resolve(schema, body)["properties"]) == ["degraded", "suggestions"]


@pytest.mark.parametrize("path", ["/api/v1/slos/{id}/history/", "/api/v1/products/{slug}/impact/"])
def test_unpaginated_lists_are_documented_as_plain_arrays(schema, path):
    operation = schema["paths"][path]["get"]

    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
    assert [parameter["name"] for parameter in operation.get("parameters", []) if parameter["in"] == "query"] == []


def test_the_answers_match_the_documented_shapes_for_nullable_fields_and_plain_lists():
    mesh = Mesh()
    grant = live_grant(mesh)
    pending = submit(mesh, by=mesh.consumer)
    slo = define_slo(mesh.product, by=mesh.owner)
    client = APIClient()
    client.force_authenticate(mesh.owner)

    request_body = client.get(f"/api/v1/access-requests/{pending.pk}/").json()
    grant_body = client.get(f"/api/v1/grants/{grant.pk}/").json()
    history = client.get(f"/api/v1/slos/{slo.pk}/history/").json()
    impact = client.get(f"/api/v1/products/{mesh.product.slug}/impact/").json()
    suggest = client.get("/api/v1/search/suggest/?q=a").json()

    assert request_body["output_port"] is None
    assert {step["decided_by"] for step in request_body["steps"]} == {None}
    assert grant_body["output_port"] is None and grant_body["revoked_by"] is None
    assert isinstance(history, list) and isinstance(impact, list)
    assert sorted(suggest) == ["degraded", "suggestions"]


def test_a_port_location_may_be_written_as_null_meaning_none():
    mesh = Mesh()
    client = APIClient()
    client.force_authenticate(mesh.owner)
    port = {"name": "daily", "type": "table", "location": None, "fields": [{"name": "id", "type": "string"}]}

    response = client.patch(f"/api/v1/products/{mesh.product.slug}/", {"output_ports": [port], "confirm_breaking": True}, format="json")

    assert response.status_code == 200, response.json()
    assert mesh.product.output_ports.get().location == ""
