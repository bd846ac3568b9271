"""Importing and exporting ODPS descriptors and ODCS contracts (contracts.services)."""

import copy

import pytest
import yaml

from audit.models import AuditEvent
from catalog import services as catalog_services
from catalog.models import DataProduct, Domain, TeamMembership
from contracts import odps, services, standards
from contracts.models import PortContract, ProductDescriptor
from contracts.services import DescriptorForbidden, DescriptorInvalid, DescriptorRefused
from lineage.models import LineageEdge
from slos.models import ServiceLevelObjective
from tests.contracts.conftest import example
from tests.factories import DomainFactory, ProductFactory, TeamFactory, UserFactory, member_of, port

pytestmark = pytest.mark.django_db

CUSTOMER = "odps-v0.9.0/customer-data-product.odps.yaml"


@pytest.fixture
def team():
    return TeamFactory(slug="sellers")


@pytest.fixture
def owner(team):
    return member_of(team, role=TeamMembership.Role.OWNER, username="olivia")


@pytest.fixture
def seller(team):
    return DomainFactory(slug="seller", name="Seller", owner_team=team)


@pytest.fixture
def admin():
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def odps_document(example_name: str = CUSTOMER, **changes) -> dict:
    document = standards.parse(example(example_name))
    document.update(changes)
    return document


def as_v1_0_0(name: str) -> dict:
    """An upstream example made a v1.0.0 document (README in examples/)."""
    document = odps_document(name, apiVersion="v1.0.0")
    for section in ("inputPorts", "outputPorts", "managementPorts"):
        for entry in document.get(section, []):
            entry.pop("deprecated", None)
    return document


def full_example_with_team_object() -> dict:
    document = standards.parse(example("odcs-v3.1.0/full-example.odcs.yaml"))
    document["team"] = {"name": "quantum", "members": document["team"]}
    return document


def contract(**changes) -> dict:
    document = {
        "apiVersion": "v3.1.0",
        "kind": "DataContract",
        "id": "orders-contract",
        "name": "daily",
        "version": "1.0.0",
        "status": "active",
        "servers": [{"server": "prod", "type": "postgres", "host": "db.internal", "port": 5432, "database": "sales", "schema": "public"}],
        "schema": [
            {
                "name": "orders",
                "physicalType": "table",
                "properties": [
                    {"name": "order_id", "logicalType": "string", "physicalType": "uuid", "primaryKey": True, "required": True},
                    {
                        "name": "email",
                        "logicalType": "string",
                        "classification": "restricted",
                        "customProperties": [{"property": "pii", "value": True}],
                    },
                    {
                        "name": "lines",
                        "logicalType": "array",
                        "items": {"logicalType": "object", "properties": [{"name": "sku", "logicalType": "string"}]},
                    },
                ],
            }
        ],
        "slaProperties": [
            {"property": "freshness", "value": 6, "unit": "h"},
            {"property": "latency", "value": 1, "unit": "y"},
            {"property": "availability", "value": 99.5, "unit": "%"},
            {"property": "retention", "value": 3, "unit": "y"},
        ],
    }
    document.update(changes)
    return document


def customer(owner, seller):
    return services.import_document(odps_document(), by=owner, filename="customer.odps.yaml").product


# --- ODPS ------------------------------------------------------------------


def test_an_odps_document_creates_a_product_with_its_ports(owner, seller, team):
    result = services.import_document(example(CUSTOMER), by=owner, filename="customer.odps.yaml")

    product = result.product
    assert (result.created, result.changed) == (True, True)
    assert product.slug == "customer-data-product"
    assert product.name == "Customer Data Product"
    assert product.status == DataProduct.Status.DRAFT
    assert product.domain == seller
    assert product.owner_team == team
    assert product.summary == "Enterprise view of a customer."
    assert sorted(tag.name for tag in product.tags.all()) == ["customer"]
    assert product.descriptor.odps_id == "fbe8d147-28db-4f1d-bedf-a3fe9f458427"


def test_two_versions_of_one_output_port_both_import_the_newest_keeping_the_name(owner, seller):
    product = customer(owner, seller)

    ports = {p.name: p.version for p in product.output_ports.all()}
    assert ports == {
        "rawtransactions-v1": "1.0.0",
        "rawtransactions": "2.0.0",
        "consolidatedtransactions": "1.0.0",
        "fulltransactionswithreturns": "0.3.0",
    }


def test_port_names_keep_every_version_of_a_port():
    entries = [{"name": "raw", "version": v} for v in ("1.0.0", "2.0.0", "1.1.0", "10.0.0")] + [{"name": "other", "version": "1"}]

    assert odps.port_names(entries) == ["raw-v1-0-0", "raw-v2", "raw-v1-1-0", "raw", "other"]


def test_an_odps_document_attaches_to_the_product_it_is_uploaded_on(owner, seller):
    product = ProductFactory(domain=seller, by=owner, ports=[port("daily")])

    result = services.import_document(odps_document(status="active"), by=owner, product=product)

    assert (result.product, result.created) == (product, False)
    assert ProductDescriptor.objects.get().product == product
    assert not product.output_ports.filter(name="daily").exists()  # the document lists the ports


def test_a_document_without_output_ports_leaves_the_ports_alone(owner, seller):
    product = ProductFactory(domain=seller, by=owner, ports=[port("daily")])
    document = odps_document(status="active")
    del document["outputPorts"]

    services.import_document(document, by=owner, product=product)

    assert [p.name for p in product.output_ports.all()] == ["daily"]


def test_a_contract_uploaded_on_a_product_finds_the_port_of_its_name(owner, seller):
    product = ProductFactory(domain=seller, by=owner, ports=[port("daily"), port("hourly")])

    services.import_document(contract(name="hourly"), by=owner, product=product)

    assert PortContract.objects.get().port.name == "hourly"


def test_a_contract_uploaded_on_a_product_with_no_port_of_its_name_becomes_a_new_port(owner, seller):
    product = ProductFactory(domain=seller, by=owner, ports=[port("daily"), port("hourly")])

    services.import_document(contract(name="weekly"), by=owner, product=product)

    assert list(product.output_ports.values_list("name", flat=True)) == ["daily", "hourly", "weekly"]
    assert PortContract.objects.get().port == product.output_ports.get(name="weekly")


def test_someone_outside_the_team_may_not_upload_a_contract(owner, seller):
    product = ProductFactory(domain=seller, by=owner, ports=[port("daily")])

    with pytest.raises(DescriptorForbidden):
        services.import_document(contract(), by=member_of(TeamFactory()), product=product)

    assert not PortContract.objects.exists()


def test_importing_the_same_document_twice_changes_nothing_and_says_unchanged(owner, seller):
    services.import_document(example(CUSTOMER), by=owner)
    events = AuditEvent.objects.count()
    imported_at = ProductDescriptor.objects.get().imported_at

    again = services.import_document(example(CUSTOMER), by=owner)

    assert (again.created, again.changed) == (False, False)
    assert again.messages == ["customer-data-product: unchanged."]
    assert AuditEvent.objects.count() == events
    assert ProductDescriptor.objects.get().imported_at == imported_at


def test_an_import_is_audited(owner, seller):
    product = customer(owner, seller)

    event = AuditEvent.objects.get(action="descriptor.imported")
    assert event.product == product
    assert event.actor == owner
    assert event.payload["id"] == "fbe8d147-28db-4f1d-bedf-a3fe9f458427"


def test_a_changed_document_updates_the_product(owner, seller):
    customer(owner, seller)
    document = odps_document(name="Customer 360", status="active", tags=["customer", "crm"])

    result = services.import_document(document, by=owner)

    product = DataProduct.objects.get(slug="customer-data-product")
    assert (result.created, result.changed) == (False, True)
    assert (product.name, product.status) == ("Customer 360", DataProduct.Status.PUBLISHED)
    assert sorted(tag.name for tag in product.tags.all()) == ["crm", "customer"]


def test_an_unknown_domain_is_refused_for_a_team_member(owner, team):
    with pytest.raises(DescriptorRefused) as raised:
        services.import_document(odps_document(domain="finance"), by=owner)

    assert raised.value.field == "domain"
    assert str(raised.value) == "Domain 'finance' does not exist; an admin may import it to create it."
    assert not DataProduct.objects.exists()


def test_a_domain_is_found_by_its_name_as_well_as_its_slug(owner, seller):
    assert services.import_document(odps_document(domain="SELLER"), by=owner).product.domain == seller


def test_an_unknown_domain_is_created_for_an_admin(admin, team):
    document = odps_document(domain="finance", customProperties=[{"property": "owningTeam", "value": "sellers"}])

    product = services.import_document(document, by=admin).product

    assert (product.domain.slug, product.domain.name, product.domain.owner_team) == ("finance", "finance", team)


def test_a_user_in_several_teams_must_name_the_owning_team(owner, seller):
    TeamMembership.objects.create(team=TeamFactory(), user=owner)

    with pytest.raises(DescriptorRefused) as raised:
        services.import_document(odps_document(), by=owner)

    assert raised.value.field == "customProperties"
    assert "property: owningTeam" in str(raised.value)


def test_a_slug_clash_with_another_product_is_refused(owner, seller):
    ProductFactory(slug="customer-data-product", domain=seller, by=owner)

    with pytest.raises(DescriptorRefused) as raised:
        services.import_document(odps_document(), by=owner)

    assert raised.value.field == "id"


def test_someone_outside_the_owning_team_may_not_change_an_imported_product(owner, seller):
    customer(owner, seller)
    outsider = member_of(TeamFactory())

    with pytest.raises(DescriptorForbidden):
        services.import_document(odps_document(name="Hijacked"), by=outsider)

    assert DataProduct.objects.get().name == "Customer Data Product"


def test_an_invalid_document_is_refused_before_anything_is_written(owner, seller):
    document = odps_document(status=3)

    with pytest.raises(DescriptorInvalid) as raised:
        services.import_document(document, by=owner, filename="bad.yaml")

    assert raised.value.problems == [{"file": "bad.yaml", "path": "status", "rule": "3 is not of type 'string'"}]
    assert not DataProduct.objects.exists()


def test_nothing_is_half_written_when_a_later_step_fails(admin, team):
    # The domain is created first; the tags, over the limit, are refused after it.
    document = odps_document(
        domain="finance", tags=[f"tag-{i}" for i in range(30)], customProperties=[{"property": "owningTeam", "value": "sellers"}]
    )

    with pytest.raises(DescriptorRefused) as raised:
        services.import_document(document, by=admin)

    assert raised.value.field == "tags"
    assert not Domain.objects.filter(slug="finance").exists()
    assert not DataProduct.objects.exists()
    assert not ProductDescriptor.objects.exists()
    assert not AuditEvent.objects.filter(action="descriptor.imported").exists()


def test_a_status_the_lifecycle_does_not_allow_is_refused_at_status(owner, seller):
    product = ProductFactory(domain=seller, by=owner)

    with pytest.raises(DescriptorRefused) as raised:
        services.import_document(odps_document(), by=owner, product=product)  # draft, and the product is published

    assert (raised.value.field, str(raised.value)) == ("status", "A published product cannot become draft.")
    assert not ProductDescriptor.objects.exists()
    assert DataProduct.objects.get().name == product.name  # updated before the status step, rolled back with it


def test_a_deprecated_product_is_created_through_its_lifecycle(owner, seller):
    product = services.import_document(odps_document(status="deprecated"), by=owner).product

    assert product.status == DataProduct.Status.DEPRECATED


def test_input_ports_naming_a_known_contract_become_declared_inputs(owner, seller, team):
    upstream = ProductFactory(domain=seller, by=owner, ports=[port("payments")])
    services.import_document(contract(id="dbb7b1eb-7628-436e-8914-2a00638ba6db", name="payments"), by=owner, product=upstream)

    result = services.import_document(odps_document(), by=owner)

    edges = LineageEdge.objects.filter(downstream__port__product=result.product, origin=LineageEdge.Origin.MANUAL)
    assert {edge.upstream.port.product for edge in edges} == {upstream}
    assert any("kept in the descriptor" in message for message in result.messages)


# --- ODCS ------------------------------------------------------------------


def test_a_contract_named_as_an_output_ports_contract_id_lands_on_that_port(owner, seller):
    product = customer(owner, seller)

    result = services.import_document(contract(id="c2798941-1b7e-4b03-9e0d-955b1a872b32", name="anything"), by=owner)

    target = product.output_ports.get(name="rawtransactions-v1")
    assert result.product == product
    assert [f.name for f in target.fields.filter(parent=None)] == ["order_id", "email", "lines"]
    assert [(f.name, f.parent.name) for f in target.fields.exclude(parent=None)] == [("sku", "lines")]
    assert PortContract.objects.get().port == target


def test_a_contract_becomes_the_ports_fields_and_location(owner, seller):
    product = ProductFactory(domain=seller, by=owner, ports=[port("daily")])

    services.import_document(contract(), by=owner, product=product)

    daily = product.output_ports.get()
    fields = [
        (f.name, f.data_type, f.logical_type, f.required, f.primary_key, f.classification, f.is_pii, f.parent and f.parent.name)
        for f in daily.fields.all()
    ]
    assert fields == [
        ("order_id", "uuid", "string", True, True, "", False, None),
        ("email", "string", "string", False, False, "restricted", True, None),
        ("lines", "array", "array", False, False, "", False, None),
        ("sku", "string", "string", False, False, "", False, "lines"),
    ]
    assert daily.location == "postgres://db.internal:5432/sales/public"


def test_a_contracts_sla_freshness_latency_and_availability_become_slos(owner, seller):
    product = ProductFactory(domain=seller, by=owner, ports=[port("daily")])

    result = services.import_document(contract(), by=owner, product=product)

    slos = {
        slo.indicator: (slo.threshold, slo.unit, slo.target, slo.window_days)
        for slo in ServiceLevelObjective.objects.filter(port__product=product)
    }
    assert slos == {
        "freshness": (6.0, "h", 99.0, 28),
        "latency": (365.0, "d", 99.0, 28),  # 1 y: years have no unit here, they become days
        "availability": (99.5, "%", 99.0, 28),
    }
    assert result.changed


def test_an_sla_in_an_unknown_unit_is_kept_not_refused(owner, seller):
    product = ProductFactory(domain=seller, by=owner, ports=[port("daily")])
    document = contract(slaProperties=[{"property": "freshness", "value": 2, "unit": "fortnights"}])

    result = services.import_document(document, by=owner, product=product)

    assert not ServiceLevelObjective.objects.filter(port__product=product).exists()
    assert any("unknown unit 'fortnights'" in message for message in result.messages)
    assert PortContract.objects.get().document["slaProperties"] == document["slaProperties"]


def test_a_refused_sla_leaves_the_ports_fields_as_they_were(owner, seller):
    product = ProductFactory(domain=seller, by=owner, ports=[port("daily")])
    document = contract(slaProperties=[{"property": "availability", "value": 150, "unit": "%"}])

    with pytest.raises(DescriptorRefused) as raised:
        services.import_document(document, by=owner, product=product)

    assert raised.value.field == "slaProperties[0].value"
    daily = product.output_ports.get()
    assert [f.name for f in daily.fields.all()] == ["field_0", "field_1", "field_2"]
    assert daily.location == "bigquery://demo/ds.table"
    assert not PortContract.objects.exists()


def test_a_property_without_a_name_is_refused_at_its_path(owner, seller):
    product = ProductFactory(domain=seller, by=owner, ports=[port("daily")])
    document = contract(schema=[{"name": "orders", "properties": [{"name": "id"}, {"name": " "}]}])

    with pytest.raises(DescriptorRefused) as raised:
        services.import_document(document, by=owner, product=product)

    assert raised.value.problems == [
        {"file": "", "path": "schema[0].properties[1].name", "rule": "A property needs a name: it becomes one of the port's fields."}
    ]


def test_an_output_port_without_a_name_is_refused_at_its_path(owner, seller):
    document = odps_document(outputPorts=[{"name": "raw", "version": "1.0.0"}, {"name": "", "version": "1.0.0"}])

    with pytest.raises(DescriptorRefused) as raised:
        services.import_document(document, by=owner, filename="p.yaml")

    assert raised.value.problems == [{"file": "p.yaml", "path": "outputPorts[1].name", "rule": "An output port needs a name."}]


def test_duplicate_field_names_are_refused_at_schema(owner, seller):
    product = ProductFactory(domain=seller, by=owner, ports=[port("daily")])
    document = contract(schema=[{"name": "orders", "properties": [{"name": "id"}, {"name": "id"}]}])

    with pytest.raises(DescriptorRefused) as raised:
        services.import_document(document, by=owner, product=product)

    assert (raised.value.field, str(raised.value)) == ("schema", "Field names must be unique within port 'daily'.")


def test_a_contract_for_no_known_port_is_refused_naming_the_id(owner, seller):
    with pytest.raises(DescriptorRefused) as raised:
        services.import_document(contract(id="nobody-has-it"), by=owner)

    assert raised.value.field == "id"


def test_importing_the_same_contract_twice_says_unchanged(owner, seller):
    product = ProductFactory(domain=seller, by=owner, ports=[port("daily")])
    services.import_document(contract(), by=owner, product=product)

    again = services.import_document(contract(), by=owner, product=product)

    assert (again.changed, again.messages) == (False, [f"{product.slug}/daily: contract 1.0.0 unchanged."])
    assert PortContract.objects.count() == 1


def test_a_new_contract_version_is_kept_beside_the_old_and_becomes_current(owner, seller):
    product = ProductFactory(domain=seller, by=owner, ports=[port("daily")])
    services.import_document(contract(), by=owner, product=product)

    services.import_document(contract(version="1.1.0", description={"purpose": "v1.1"}), by=owner, product=product)

    daily = product.output_ports.get()
    assert sorted(daily.contracts.values_list("version", flat=True)) == ["1.0.0", "1.1.0"]
    assert services.export_odcs(daily, user=owner)["version"] == "1.1.0"


# --- export ----------------------------------------------------------------


def test_export_hides_servers_from_a_user_who_may_not_use_the_port(owner, seller):
    product = ProductFactory(domain=seller, by=owner, ports=[port("daily")])
    services.import_document(contract(), by=owner, product=product)
    daily = product.output_ports.get()
    stranger = UserFactory()

    assert services.export_odcs(daily, user=owner)["servers"] == contract()["servers"]
    assert "servers" not in services.export_odcs(daily, user=stranger)


def test_export_writes_the_marketplaces_current_values_over_the_document(owner, seller):
    product = catalog_services.update_product(customer(owner, seller), by=owner, name="Customers", tags=["crm"])

    exported = services.export_odps(product, user=owner)

    assert (exported["name"], exported["tags"]) == ("Customers", ["crm"])
    assert exported["team"] == odps_document()["team"]  # what has no column is kept


def test_export_then_import_of_an_unchanged_product_is_a_no_op(owner, seller):
    product = customer(owner, seller)

    result = services.import_document(services.export_odps(product, user=owner), by=owner)

    assert result.changed is False


def test_a_product_never_imported_exports_valid_documents(owner, seller):
    product = ProductFactory(domain=seller, by=owner, tags=["sales"], ports=[port("daily")])

    odps_export = services.export_odps(product, user=owner)
    odcs_export = services.export_odcs(product.output_ports.get(), user=owner)

    standards.validate(odps_export)
    standards.validate(odcs_export)
    assert [p["name"] for p in odcs_export["schema"][0]["properties"]] == ["field_0", "field_1", "field_2"]


def test_an_exported_product_imports_into_a_fresh_marketplace_as_the_same_product(owner, seller):
    product = ProductFactory(domain=seller, by=owner, slug="orders", ports=[port("daily")])
    exported = services.export_odps(product, user=owner)
    DataProduct.objects.filter(pk=product.pk).delete()

    again = services.import_document(exported, by=owner).product

    assert (again.slug, again.name, [p.name for p in again.output_ports.all()]) == ("orders", product.name, ["daily"])


# --- round trips -------------------------------------------------------------

ODPS_ROUND_TRIPS = {
    "customer (v0.9.0, as published)": lambda: odps_document(),
    "customer as v1.0.0": lambda: odps_document(apiVersion="v1.0.0"),
    "simple as v1.0.0": lambda: as_v1_0_0("odps-v1.1.0/simple-data-product.odps.yaml"),
    "deprecated as v1.0.0": lambda: as_v1_0_0("odps-v1.1.0/deprecated-data-product.odps.yaml"),
}
ODCS_ROUND_TRIPS = {
    name: (lambda name=name: standards.parse(example(name)))
    for name in (
        "odcs-v3.0.2/column-accuracy.odcs.yaml",
        "odcs-v3.0.2/column-custom.odcs.yaml",
        "odcs-v3.0.2/database-table-sla.odcs.yaml",
        "odcs-v3.0.2/table-column-description.odcs.yaml",
        "odcs-v3.1.0/full-example.odcs.yaml",
    )
} | {
    "odcs-v3.1.0/full-example, team as the v3.1.0 object": full_example_with_team_object,
    "a contract with servers, nested items and SLAs in years": contract,
}


@pytest.mark.parametrize("name", sorted(ODPS_ROUND_TRIPS))
def test_every_valid_odps_example_round_trips(name, owner, seller):
    document = ODPS_ROUND_TRIPS[name]()
    if document.get("domain") is None:
        document["domain"] = "seller"
    standards.validate(document)

    product = services.import_document(copy.deepcopy(document), by=owner).product

    assert standards.normalise(services.export_odps(product, user=owner)) == standards.normalise(document)


@pytest.mark.parametrize("name", sorted(ODCS_ROUND_TRIPS))
def test_every_valid_odcs_example_round_trips(name, owner, seller):
    document = ODCS_ROUND_TRIPS[name]()
    standards.validate(document)
    product = ProductFactory(domain=seller, by=owner, ports=[port("daily")])

    services.import_document(copy.deepcopy(document), by=owner, product=product)

    exported = services.export_odcs(product.output_ports.get(), user=owner)
    assert standards.normalise(exported) == standards.normalise(document)


def test_round_trips_survive_yaml_text(owner, seller):
    text = yaml.safe_dump(services.export_odps(customer(owner, seller), user=owner))

    assert services.import_document(text, by=owner).changed is False


# --- a tree ----------------------------------------------------------------


def test_a_tree_imports_products_before_their_contracts_and_reports_refusals(owner, seller, tmp_path):
    (tmp_path / "a-contract.odcs.yaml").write_text(yaml.safe_dump(contract(id="a44978be-1fe0-4226-b840-1b715bc25c63")))
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "customer.odps.yaml").write_bytes(example(CUSTOMER))
    (tmp_path / "broken.yaml").write_text("kind: DataContract\napiVersion: v9\n")
    seen = []

    results = services.import_tree([tmp_path], by=owner, progress=seen.append)

    by_file = {result.file.rsplit("/", 1)[-1]: result for result in results}
    assert [result.file.rsplit("/", 1)[-1] for result in results][:1] == ["customer.odps.yaml"]
    assert by_file["customer.odps.yaml"].created
    assert by_file["a-contract.odcs.yaml"].changed
    assert by_file["broken.yaml"].problems[0]["path"] == "apiVersion"
    assert len(seen) == 3
    assert PortContract.objects.get().port.name == "consolidatedtransactions"
