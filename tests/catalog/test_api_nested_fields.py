"""The product API reads and writes nested schema fields with logical types, and names the path of a bad one."""

import pytest
from rest_framework.test import APIClient

from catalog.models import DataProduct
from tests.factories import DomainFactory, member_of

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products/"


def body(domain, fields, *, ports=None) -> dict:
    return {
        "slug": "orders",
        "name": "Orders",
        "summary": "Every order.",
        "domain": domain.slug,
        "owner_team": domain.owner_team.slug,
        "output_ports": ports or [{"name": "orders", "type": "table", "fields": fields}],
    }


NESTED = [
    {"name": "id", "type": "uuid", "logical_type": "string"},
    {
        "name": "address",
        "type": "struct",
        "logical_type": "object",
        "fields": [{"name": "street", "type": "string", "logical_type": "string"}],
    },
    {"name": "lines", "type": "array", "logical_type": "array", "fields": [{"name": "sku", "type": "string"}]},
]


def test_a_product_is_created_with_nested_fields_and_read_back_as_a_tree():
    domain = DomainFactory()
    client = APIClient()
    client.force_authenticate(member_of(domain.owner_team))

    response = client.post(PRODUCTS, body(domain, NESTED), format="json")

    assert response.status_code == 201, response.json()
    fields = response.json()["output_ports"][0]["fields"]
    assert [(f["name"], f["logical_type"]) for f in fields] == [("id", "string"), ("address", "object"), ("lines", "array")]
    assert [f["name"] for f in fields[1]["fields"]] == ["street"]
    assert [f["name"] for f in fields[2]["fields"]] == ["sku"]
    assert fields[2]["fields"][0]["fields"] == []


def test_ports_are_listed_in_the_order_given():
    domain = DomainFactory()
    client = APIClient()
    client.force_authenticate(member_of(domain.owner_team))
    ports = [{"name": "zeta", "fields": []}, {"name": "alpha", "fields": []}]

    response = client.post(PRODUCTS, body(domain, [], ports=ports), format="json")

    assert [port["name"] for port in response.json()["output_ports"]] == ["zeta", "alpha"]


def test_a_bad_nested_field_is_a_400_naming_its_path_and_nothing_is_written():
    domain = DomainFactory()
    client = APIClient()
    client.force_authenticate(member_of(domain.owner_team))
    fields = [*NESTED[:2], {"name": "lines", "type": "array", "logical_type": "array", "fields": [{"type": "string"}]}]
    fields[1] = {**fields[1], "fields": [{"name": "street", "type": "string", "logical_type": "text"}]}

    response = client.post(PRODUCTS, body(domain, fields), format="json")

    assert response.status_code == 400
    assert set(response.json()["output_ports"]) == {
        "output_ports[0].fields[1].fields[0].logical_type",
        "output_ports[0].fields[2].fields[0].name",
    }
    assert not DataProduct.objects.exists()


def test_nested_names_given_twice_are_a_400_saying_where():
    domain = DomainFactory()
    client = APIClient()
    client.force_authenticate(member_of(domain.owner_team))
    twice = [{"name": "street", "type": "string"}, {"name": "street", "type": "string"}]

    response = client.post(PRODUCTS, body(domain, [{**NESTED[1], "fields": twice}]), format="json")

    assert response.status_code == 400
    assert response.json() == {"output_ports": ["Field names must be unique within `address` of port 'orders'."]}
