"""ODCS properties, nested objects and array items become nested fields, and export back unchanged."""

import copy

import pytest

from catalog import services as catalog_services
from catalog.models import TeamMembership
from contracts import services
from tests.factories import DomainFactory, ProductFactory, TeamFactory, member_of, port

pytestmark = pytest.mark.django_db


def nested_contract() -> dict:
    return {
        "apiVersion": "v3.1.0",
        "kind": "DataContract",
        "id": "orders-contract",
        "name": "daily",
        "version": "1.0.0",
        "status": "active",
        "schema": [
            {
                "name": "orders",
                "logicalType": "object",
                "properties": [
                    {"name": "order_id", "logicalType": "string", "physicalType": "uuid", "required": True},
                    {
                        "name": "address",
                        "logicalType": "object",
                        "properties": [
                            {"name": "street", "logicalType": "string", "examples": ["1 Main St"]},
                            {"name": "city", "logicalType": "string"},
                        ],
                    },
                    {
                        "name": "lines",
                        "logicalType": "array",
                        "items": {
                            "logicalType": "object",
                            "properties": [{"name": "sku", "logicalType": "string", "physicalType": "varchar(20)"}],
                        },
                    },
                    {"name": "tags", "logicalType": "array", "items": {"logicalType": "string"}},
                ],
            }
        ],
    }


@pytest.fixture
def product():
    team = TeamFactory(slug="sellers")
    owner = member_of(team, role=TeamMembership.Role.OWNER, username="olivia")
    product = ProductFactory(domain=DomainFactory(owner_team=team), by=owner, ports=[port("daily")])
    services.import_document(nested_contract(), by=owner, product=product)
    return product


def test_properties_objects_and_array_items_become_nested_fields_with_logical_types(product):
    daily = product.output_ports.get()

    rows = [(f.name, f.data_type, f.logical_type, f.parent and f.parent.name) for f in daily.fields.all()]

    assert rows == [
        ("order_id", "uuid", "string", None),
        ("address", "object", "object", None),
        ("street", "string", "string", "address"),
        ("city", "string", "string", "address"),
        ("lines", "array", "array", None),
        ("sku", "varchar(20)", "string", "lines"),
        ("tags", "array<string>", "array", None),
    ]


def test_an_unchanged_nested_contract_exports_as_imported(product):
    owner = product.owner_team.memberships.first().user

    assert services.export_odcs(product.output_ports.get(), user=owner)["schema"] == nested_contract()["schema"]


def test_a_changed_nested_field_is_written_over_the_document_and_the_rest_stays(product):
    owner = product.owner_team.memberships.first().user
    spec = catalog_services.port_spec_of(product.output_ports.get())
    spec.fields[1].fields[1].description = "The town."
    spec.fields[2].fields.append(catalog_services.FieldSpec(name="qty", data_type="int", logical_type="integer"))

    catalog_services.set_output_ports(product, ports=[spec], by=owner)
    exported = services.export_odcs(product.output_ports.get(), user=owner)["schema"][0]["properties"]

    expected = copy.deepcopy(nested_contract()["schema"][0]["properties"])
    expected[1]["properties"][1]["description"] = "The town."
    expected[2]["items"]["properties"].append(
        {"name": "qty", "logicalType": "integer", "physicalType": "int", "required": False, "primaryKey": False}
    )
    assert exported == expected
