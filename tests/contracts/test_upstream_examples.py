"""Every example the standards publish (vendored unchanged in examples/, one
directory per standard and the apiVersion the example declares) imports,
exports and compares equal after normalisation; the ones their own schema
refuses are refused with file, path and rule, before anything is written.

The tests run over the whole directories: an example added or dropped there is
tested or missed by name, never silently."""

import copy

import pytest
import yaml

from catalog import services as catalog_services
from catalog.models import DataProduct, Domain, TeamMembership
from catalog.services import FieldSpec, PortSpec
from contracts import odcs, services, standards
from contracts.models import PortContract, ProductDescriptor
from contracts.services import DescriptorInvalid
from tests.contracts.conftest import REFUSED_EXAMPLES, all_examples, example
from tests.factories import DomainFactory, ProductFactory, TeamFactory, member_of, port

pytestmark = pytest.mark.django_db

EXAMPLES = all_examples()
ROUND_TRIPS = [name for name in EXAMPLES if name not in REFUSED_EXAMPLES]
# The marketplace files a product under a domain; an ODPS example that names
# none is imported into this one, and its export names it (nothing else added).
DOMAIN = "seller"


@pytest.fixture
def owner():
    team = TeamFactory(slug="sellers")
    DomainFactory(slug=DOMAIN, name="Seller", owner_team=team)
    return member_of(team, role=TeamMembership.Role.OWNER, username="olivia")


def product_with_one_port(owner) -> DataProduct:
    """A product of `owner`'s team with one port, `daily`, for a contract to land on."""
    return ProductFactory(domain=Domain.objects.get(slug=DOMAIN), by=owner, ports=[port("daily")])


def test_the_fixtures_hold_every_standard_and_version_the_marketplace_reads():
    directories = {name.split("/")[0] for name in EXAMPLES}

    assert directories == {
        "odcs-v3.0.0",
        "odcs-v3.0.1",
        "odcs-v3.0.2",
        "odcs-v3.1.0",
        "odcs-v3.2.0",
        "odps-v0.9.0",
        "odps-v1.1.0",
    }
    assert "odcs-v3.1.0/full-example.odcs.yaml" in ROUND_TRIPS
    assert set(REFUSED_EXAMPLES) <= set(EXAMPLES)


def test_each_example_sits_in_the_directory_of_the_version_it_declares():
    for name in EXAMPLES:
        document = standards.parse(example(name))
        kind = {"DataContract": "odcs", "DataProduct": "odps"}[document["kind"]]

        assert name.split("/")[0] == f"{kind}-{document['apiVersion']}", name


@pytest.mark.parametrize("name", ROUND_TRIPS)
def test_every_upstream_example_its_schema_accepts_round_trips(name, owner):
    document = standards.parse(example(name))
    standards.validate(document, file=name)

    if document["kind"] == standards.ODPS:
        expected = document if document.get("domain") else {**document, "domain": DOMAIN}
        product = services.import_document(copy.deepcopy(expected), by=owner, filename=name).product
        exported = services.export_odps(product, user=owner)
    else:
        expected = document
        product = product_with_one_port(owner)
        services.import_document(copy.deepcopy(document), by=owner, filename=name, product=product)
        exported = services.export_odcs(product.output_ports.get(), user=owner)

    assert standards.normalise(exported) == standards.normalise(expected)
    standards.validate(exported, file=name)


@pytest.mark.parametrize("name", ROUND_TRIPS)
def test_the_export_of_an_upstream_example_as_yaml_imports_into_a_fresh_marketplace_as_the_same_document(name, owner):
    document = standards.parse(example(name))
    if document["kind"] == standards.ODPS:
        document.setdefault("domain", DOMAIN)
        product = services.import_document(copy.deepcopy(document), by=owner).product
        text = yaml.safe_dump(services.export_odps(product, user=owner), allow_unicode=True)
        DataProduct.objects.filter(pk=product.pk).delete()

        again = services.import_document(text, by=owner, filename=name).product
        exported = services.export_odps(again, user=owner)
    else:
        first = product_with_one_port(owner)
        services.import_document(copy.deepcopy(document), by=owner, product=first)
        text = yaml.safe_dump(services.export_odcs(first.output_ports.get(), user=owner), allow_unicode=True)
        fresh = product_with_one_port(owner)

        services.import_document(text, by=owner, filename=name, product=fresh)
        exported = services.export_odcs(fresh.output_ports.get(), user=owner)

    assert standards.normalise(exported) == standards.normalise(document)


@pytest.mark.parametrize("name", ROUND_TRIPS)
def test_importing_an_upstream_example_twice_changes_nothing_the_second_time(name, owner):
    document = standards.parse(example(name))
    if document["kind"] == standards.ODPS:
        document.setdefault("domain", DOMAIN)
        product = None
    else:
        product = product_with_one_port(owner)
    services.import_document(copy.deepcopy(document), by=owner, product=product)

    again = services.import_document(copy.deepcopy(document), by=owner, product=product)

    assert again.changed is False


@pytest.mark.parametrize("name", sorted(REFUSED_EXAMPLES))
def test_every_upstream_example_its_schema_refuses_is_refused_with_file_path_and_rule(name, owner):
    product = product_with_one_port(owner)

    with pytest.raises(DescriptorInvalid) as raised:
        services.import_document(example(name), by=owner, filename=name, product=product)

    first = raised.value.problems[0]
    assert (first["file"], first["path"]) == (name, REFUSED_EXAMPLES[name])
    assert first["rule"]
    assert not PortContract.objects.exists()
    assert not ProductDescriptor.objects.exists()
    assert DataProduct.objects.count() == 1


def test_a_field_added_to_one_object_of_a_contract_of_several_is_exported_in_that_object(owner):
    document = standards.parse(example("odcs-v3.1.0/full-example.odcs.yaml"))
    product = product_with_one_port(owner)
    services.import_document(copy.deepcopy(document), by=owner, product=product)
    daily = product.output_ports.get()
    spec = PortSpec(name=daily.name, port_type=daily.port_type, location=daily.location, version=daily.version)
    spec.fields = [FieldSpec(**values.__dict__) for values in odcs._current_fields(daily)]
    spec.fields.append(FieldSpec(name="receivers.note", data_type="text"))
    catalog_services.set_output_ports(product, ports=[spec], by=owner)

    exported = services.export_odcs(daily, user=owner)

    added = exported["schema"][1]["properties"].pop()
    assert (exported["schema"][1]["name"], added) == (
        "receivers",
        {"name": "note", "physicalType": "text", "required": False, "primaryKey": False},
    )
    assert standards.normalise(exported) == standards.normalise(document)


def test_the_adventureworks_example_round_trips_once_its_tag_is_the_standards_tags(owner):
    """Refused as published (REFUSED_EXAMPLES); with `tags`, its 68 tables become one port's 456 fields and back."""
    name = "odcs-v3.0.0/postgresql-adventureworks-contract.odcs.yaml"
    document = standards.parse(example(name))
    for item in document["schema"]:
        for prop in item["properties"]:
            if "tag" in prop:
                prop["tags"] = prop.pop("tag")
    standards.validate(document)
    product = product_with_one_port(owner)

    services.import_document(copy.deepcopy(document), by=owner, product=product)

    daily = product.output_ports.get()
    assert daily.fields.count() == sum(len(item["properties"]) for item in document["schema"]) == 456
    assert daily.fields.filter(name="employee.nationalidnumber").exists()
    assert standards.normalise(services.export_odcs(daily, user=owner)) == standards.normalise(document)
