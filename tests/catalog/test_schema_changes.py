"""Every change to a port's contract is a version; breaking ones need a major bump or a confirmation."""

import dataclasses

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEvent
from catalog import schema_changes
from catalog import services as catalog_services
from catalog.models import PortVersion, SchemaField
from catalog.services import FieldSpec, PortSpec
from contracts import services as contract_services
from notifications.models import Notification
from tests.contracts.documents import contract
from tests.factories import Mesh, ProductFactory, UserFactory, live_grant, port

pytestmark = pytest.mark.django_db


def spec(**changes) -> dict:
    base = PortSpec(
        name="daily",
        location="bigquery://demo/ds.table",
        fields=[
            FieldSpec(name="email", data_type="string"),
            FieldSpec(name="amount", data_type="decimal(12,2)"),
            FieldSpec(name="plays", data_type="int"),
        ],
    )
    return schema_changes.spec_snapshot(dataclasses.replace(base, **changes))


BASE_FIELDS = [
    FieldSpec(name="email", data_type="string"),
    FieldSpec(name="amount", data_type="decimal(12,2)"),
    FieldSpec(name="plays", data_type="int"),
]


def with_field(name: str, **changes) -> list[FieldSpec]:
    return [dataclasses.replace(f, **changes) if f.name == name else f for f in BASE_FIELDS]


# --- classification ----------------------------------------------------------


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (spec(fields=BASE_FIELDS[1:]), "field `email` removed"),
        (spec(fields=with_field("amount", data_type="int")), "field `amount` type decimal(12,2) → int"),
        (spec(fields=with_field("plays", data_type="smallint")), "field `plays` type int → smallint"),
        (spec(fields=with_field("email", required=True)), "field `email` became required"),
        (spec(location="bigquery://demo/other.table"), "location changed"),
    ],
)
def test_each_breaking_kind_is_classified_as_breaking(after, expected):
    change = schema_changes.classify(spec(), after)

    assert change.breaking == [expected]


def test_a_removed_port_is_breaking():
    assert schema_changes.classify(spec(), None).breaking == ["port `daily` removed"]


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (spec(fields=[*BASE_FIELDS, FieldSpec(name="country", data_type="string")]), "field `country` added"),
        (spec(fields=with_field("email", description="Where we write.")), "field `email` description changed"),
        (spec(description="Daily plays."), "port description changed"),
        (spec(fields=with_field("plays", data_type="bigint")), "field `plays` type int → bigint"),
        (spec(fields=with_field("amount", data_type="decimal(14,2)")), "field `amount` type decimal(12,2) → decimal(14,2)"),
    ],
)
def test_additions_descriptions_and_widenings_are_not_breaking(after, expected):
    change = schema_changes.classify(spec(), after)

    assert change.breaking == []
    assert change.other == [expected]


@pytest.mark.parametrize(
    ("old", "new", "widening"),
    [
        ("int", "bigint", True),
        ("integer", "long", True),
        ("float", "double", True),
        ("varchar(20)", "varchar(50)", True),
        ("varchar(20)", "string", True),
        ("String", "string", True),
        ("bigint", "int", False),
        ("varchar(50)", "varchar(20)", False),
        ("string", "int", False),
        ("timestamp", "date", False),
        ("decimal(12,2)", "decimal(12,4)", False),
    ],
)
def test_only_known_widenings_of_a_type_are_not_narrowing(old, new, widening):
    assert schema_changes.is_widening(old, new) is widening


def test_the_same_snapshot_is_no_change():
    assert not schema_changes.classify(spec(), spec())


# --- the rule, through the services ------------------------------------------


def make_product():
    product = ProductFactory(ports=[port("daily", fields=3)])
    owner = product.owner_team.memberships.first().user
    return product, owner


def current_spec(product, **changes) -> PortSpec:
    existing = product.output_ports.get(name="daily")
    return dataclasses.replace(
        PortSpec(
            name=existing.name,
            port_type=existing.port_type,
            format=existing.format,
            location=existing.location,
            version=existing.version,
            description=existing.description,
            fields=[FieldSpec(name=f.name, data_type=f.data_type, required=f.required) for f in existing.fields.all()],
        ),
        **changes,
    )


def test_a_new_port_is_its_first_version_with_who_and_when():
    product, owner = make_product()

    version = PortVersion.objects.get(product=product)

    assert (version.port_name, version.version, version.breaking, version.changed_by) == ("daily", "1.0.0", False, owner)
    assert version.changed_at is not None
    assert [f["name"] for f in version.snapshot["fields"]] == ["field_0", "field_1", "field_2"]


def test_a_breaking_change_without_a_major_bump_is_refused_and_nothing_is_written():
    product, owner = make_product()
    events = AuditEvent.objects.count()
    narrowed = current_spec(product)
    narrowed.fields = narrowed.fields[:2]

    with pytest.raises(catalog_services.BreakingChange) as refused:
        catalog_services.update_product(product, by=owner, ports=[narrowed])

    assert "field `field_2` removed" in str(refused.value)
    assert "2.0.0" in str(refused.value) and "confirm" in str(refused.value)
    assert SchemaField.objects.filter(port__product=product).count() == 3
    assert PortVersion.objects.filter(product=product).count() == 1
    assert AuditEvent.objects.count() == events


def test_a_breaking_change_with_a_major_bump_is_recorded_with_who_when_and_an_audit_event():
    product, owner = make_product()
    bumped = current_spec(product, version="2.0.0")
    bumped.fields = bumped.fields[:2]

    catalog_services.update_product(product, by=owner, ports=[bumped])

    version = PortVersion.objects.filter(product=product).order_by("-changed_at", "-pk").first()
    assert (version.version, version.breaking, version.changed_by) == ("2.0.0", True, owner)
    assert {"text": "field `field_2` removed", "breaking": True} in version.changes
    event = AuditEvent.objects.filter(action="port.contract_changed", object_id=str(version.pk)).get()
    assert event.actor == owner
    assert event.payload["breaking"] is True and event.payload["version"] == "2.0.0"


def test_a_confirmed_breaking_change_is_recorded_as_confirmed():
    product, owner = make_product()

    catalog_services.update_product(
        product, by=owner, ports=[current_spec(product, location="s3://elsewhere/daily")], confirm_breaking=True
    )

    version = PortVersion.objects.filter(product=product).order_by("-changed_at", "-pk").first()
    assert version.breaking and version.version == "1.0.0"
    assert AuditEvent.objects.filter(action="port.contract_changed", object_id=str(version.pk)).get().payload["confirmed"] is True


def test_a_field_added_is_recorded_without_a_bump():
    product, owner = make_product()
    added = current_spec(product)
    added.fields.append(FieldSpec(name="country", data_type="string"))

    catalog_services.update_product(product, by=owner, ports=[added])

    version = PortVersion.objects.filter(product=product).order_by("-changed_at", "-pk").first()
    assert version.changes == [{"text": "field `country` added", "breaking": False}]


def test_saving_the_same_ports_records_nothing():
    product, owner = make_product()
    events = AuditEvent.objects.filter(action="port.contract_changed").count()

    catalog_services.update_product(product, by=owner, ports=[current_spec(product)], summary="New words.")

    assert PortVersion.objects.filter(product=product).count() == 1
    assert AuditEvent.objects.filter(action="port.contract_changed").count() == events


def test_removing_a_port_needs_the_products_major_version_raised():
    product, owner = make_product()

    with pytest.raises(catalog_services.BreakingChange, match="port `daily` removed"):
        catalog_services.update_product(product, by=owner, ports=[])
    catalog_services.update_product(product, by=owner, ports=[], version="2.0.0")

    removed = PortVersion.objects.get(product=product, removed=True)
    assert (removed.port, removed.port_name, removed.breaking) == (None, "daily", True)


# --- consumers hear of it ----------------------------------------------------


def test_holders_of_a_live_grant_are_notified_with_the_diff_and_others_are_not():
    mesh = Mesh()
    daily = mesh.product.output_ports.get(name="daily")
    live_grant(mesh)  # the requester: the whole product
    live_grant(mesh, user=mesh.consumer, port=daily)
    outsider = UserFactory()
    changed = current_spec(mesh.product, version="2.0.0")
    changed.fields = changed.fields[1:]

    catalog_services.update_product(mesh.product, by=mesh.owner, ports=[changed])

    notified = Notification.objects.filter(kind="contract.changed")
    assert {n.recipient for n in notified} == {mesh.requester, mesh.consumer}
    body = notified.first().body
    assert "BREAKING: field `field_0` removed" in body and "version 2.0.0" in body
    assert notified.first().subject.startswith("Breaking change")
    assert not Notification.objects.filter(kind="contract.changed", recipient=outsider).exists()


def test_a_grant_for_another_port_hears_nothing():
    mesh = Mesh()
    catalog_services.update_product(mesh.product, by=mesh.owner, ports=[current_spec(mesh.product), port("weekly", fields=1)])
    weekly = mesh.product.output_ports.get(name="weekly")
    live_grant(mesh, port=weekly)
    added = current_spec(mesh.product)
    added.fields.append(FieldSpec(name="country", data_type="string"))

    catalog_services.update_product(mesh.product, by=mesh.owner, ports=[added, port("weekly", fields=1)])

    assert not Notification.objects.filter(kind="contract.changed").exists()


# --- every path: the API -------------------------------------------------------


def test_the_api_refuses_a_breaking_change_with_409_and_the_reason_then_takes_a_confirmation():
    product, owner = make_product()
    client = APIClient()
    client.force_authenticate(owner)
    url = f"/api/v1/products/{product.slug}/"
    ports = [{"name": "daily", "location": "bigquery://demo/ds.table", "fields": [{"name": "field_0", "type": "string"}]}]

    refused = client.patch(url, {"output_ports": ports}, format="json")

    assert refused.status_code == 409
    assert "field `field_1` removed" in refused.json()["output_ports"][0]
    assert SchemaField.objects.filter(port__product=product).count() == 3

    confirmed = client.patch(url, {"output_ports": ports, "confirm_breaking": True}, format="json")

    assert confirmed.status_code == 200, confirmed.json()
    version = PortVersion.objects.filter(product=product).order_by("-changed_at", "-pk").first()
    assert version.breaking and version.changed_by == owner
    assert "confirm_breaking" not in confirmed.json()


# --- every path: an imported contract ------------------------------------------


def test_an_imported_contract_that_breaks_needs_its_major_version_raised():
    product, owner = make_product()
    first = contract("orders")
    contract_services.import_document(first, by=owner, product=product)  # a port's first contract defines it
    narrowed = contract("orders", version="1.1.0")
    narrowed["schema"][0]["properties"] = narrowed["schema"][0]["properties"][:1]

    with pytest.raises(contract_services.DescriptorRefused) as refused:
        contract_services.import_document(narrowed, by=owner, product=product)

    assert refused.value.field == "version" and "field `amount` removed" in str(refused.value)
    assert list(product.output_ports.get().fields.values_list("name", flat=True)) == ["order_id", "amount"]

    contract_services.import_document({**narrowed, "version": "2.0.0"}, by=owner, product=product)

    version = PortVersion.objects.filter(product=product).order_by("-changed_at", "-pk").first()
    assert version.breaking and version.changed_by == owner
    assert AuditEvent.objects.filter(action="port.contract_changed", object_id=str(version.pk)).exists()
    assert contract_services.export_odcs(product.output_ports.get(), user=owner)["version"] == "2.0.0"


def test_the_odcs_export_carries_a_port_version_raised_in_the_marketplace():
    product, owner = make_product()
    contract_services.import_document(contract("orders"), by=owner, product=product)
    bumped = current_spec(product, version="3.0.0")
    bumped.fields = bumped.fields[:1]

    catalog_services.update_product(product, by=owner, ports=[bumped])

    assert contract_services.export_odcs(product.output_ports.get(), user=owner)["version"] == "3.0.0"


# --- nested fields -----------------------------------------------------------


def nested_fields(**street_changes) -> list[FieldSpec]:
    street = dataclasses.replace(FieldSpec(name="street", data_type="string", logical_type="string"), **street_changes)
    return [
        FieldSpec(name="address", data_type="struct", logical_type="object", fields=[street]),
        FieldSpec(
            name="lines",
            data_type="array",
            logical_type="array",
            fields=[
                FieldSpec(name="sku", data_type="string", logical_type="string"),
                FieldSpec(name="qty", data_type="int", logical_type="integer"),
            ],
        ),
    ]


def with_line(name: str, **changes) -> list[FieldSpec]:
    fields = nested_fields()
    fields[1].fields = [dataclasses.replace(f, **changes) if f.name == name else f for f in fields[1].fields]
    return fields


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (
            spec(fields=[nested_fields()[0], dataclasses.replace(nested_fields()[1], fields=nested_fields()[1].fields[1:])]),
            "field `lines[].sku` removed",
        ),
        (spec(fields=nested_fields(data_type="int")), "field `address.street` type string → int"),
        (spec(fields=nested_fields(required=True)), "field `address.street` became required"),
        (spec(fields=with_line("qty", logical_type="string")), "field `lines[].qty` logical type integer → string"),
    ],
)
def test_breaking_rules_apply_to_nested_fields_by_path(after, expected):
    change = schema_changes.classify(spec(fields=nested_fields()), after)

    assert change.breaking == [expected]


def test_a_removed_object_is_one_breaking_change_not_one_per_nested_field():
    change = schema_changes.classify(spec(fields=nested_fields()), spec(fields=nested_fields()[1:]))

    assert change.breaking == ["field `address` removed"]


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (spec(fields=with_line("qty", logical_type="number")), "field `lines[].qty` logical type integer → number"),
        (spec(fields=nested_fields(logical_type="")), "field `address.street` logical type string → (none)"),
        (spec(fields=nested_fields(description="Where we deliver.")), "field `address.street` description changed"),
    ],
)
def test_a_widened_set_or_dropped_logical_type_and_nested_descriptions_are_not_breaking(after, expected):
    change = schema_changes.classify(spec(fields=nested_fields()), after)

    assert change.breaking == []
    assert change.other == [expected]


def test_a_nested_field_added_is_not_breaking_and_the_diff_names_it_by_path():
    after = nested_fields()
    after[0].fields.append(FieldSpec(name="city", data_type="string"))

    change = schema_changes.classify(spec(fields=nested_fields()), spec(fields=after))
    rows = schema_changes.field_diff(spec(fields=nested_fields()), spec(fields=after))

    assert change.other == ["field `address.city` added"]
    assert [(row["name"], row["status"], row["depth"]) for row in rows] == [
        ("address", "same", 0),
        ("address.street", "same", 1),
        ("address.city", "added", 1),
        ("lines", "same", 0),
        ("lines[].sku", "same", 1),
        ("lines[].qty", "same", 1),
    ]


def test_a_snapshot_from_before_nesting_compares_as_fields_without_logical_types():
    old = spec()
    for f in old["fields"]:
        del f["logical_type"], f["fields"]

    assert not schema_changes.classify(old, spec())


def test_nested_fields_are_saved_with_their_parents_and_read_back_as_specs():
    product, owner = make_product()

    catalog_services.set_output_ports(product, ports=[current_spec(product, fields=nested_fields())], by=owner, confirm_breaking=True)

    daily = product.output_ports.get(name="daily")
    assert [(f.name, f.parent and f.parent.name, f.position) for f in daily.fields.all()] == [
        ("address", None, 0),
        ("street", "address", 1),
        ("lines", None, 2),
        ("sku", "lines", 3),
        ("qty", "lines", 4),
    ]
    assert catalog_services.port_spec_of(daily).fields == nested_fields()


def test_an_unchanged_port_is_left_untouched_and_only_the_changed_one_is_rewritten():
    product = ProductFactory(ports=[port("daily", fields=3), port("hourly", fields=3)])
    owner = product.owner_team.memberships.first().user
    specs = [catalog_services.port_spec_of(p) for p in product.output_ports.prefetch_related("fields")]
    daily_ids = list(product.output_ports.get(name="daily").fields.values_list("pk", flat=True))
    hourly_ids = list(product.output_ports.get(name="hourly").fields.values_list("pk", flat=True))
    specs[1].fields.append(FieldSpec(name="added", data_type="string"))

    catalog_services.set_output_ports(product, ports=specs, by=owner)

    assert list(product.output_ports.get(name="daily").fields.values_list("pk", flat=True)) == daily_ids
    assert list(product.output_ports.get(name="hourly").fields.values_list("pk", flat=True))[:3] != hourly_ids


def test_ports_keep_the_order_they_are_given():
    product = ProductFactory(ports=[port("alpha"), port("beta")])
    owner = product.owner_team.memberships.first().user
    specs = [catalog_services.port_spec_of(p) for p in product.output_ports.prefetch_related("fields")]
    versions = PortVersion.objects.count()

    catalog_services.set_output_ports(product, ports=list(reversed(specs)), by=owner)

    assert [p.name for p in product.output_ports.all()] == ["beta", "alpha"]
    assert PortVersion.objects.count() == versions  # the order of ports is no change to a contract


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            [
                FieldSpec(
                    name="a",
                    data_type="struct",
                    logical_type="object",
                    fields=[FieldSpec(name="b", data_type="x"), FieldSpec(name="b", data_type="y")],
                )
            ],
            "Field names must be unique within `a` of port 'daily'.",
        ),
        (
            [FieldSpec(name="a", data_type="string", fields=[FieldSpec(name="b", data_type="x")])],
            "give it the logical type object or array",
        ),
        ([FieldSpec(name="a", data_type="string", logical_type="text")], "logical type 'text' is not one of"),
        ([FieldSpec(name="a" * 121, data_type="string")], "the name is longer than 120 characters"),
    ],
)
def test_bad_nested_fields_are_refused_with_a_message_naming_them_and_nothing_is_written(fields, message):
    product, owner = make_product()
    before = SchemaField.objects.count()

    with pytest.raises(catalog_services.CatalogError) as raised:
        catalog_services.set_output_ports(product, ports=[current_spec(product, fields=fields)], by=owner, confirm_breaking=True)

    assert message in str(raised.value)
    assert raised.value.field == "output_ports"
    assert SchemaField.objects.count() == before


def test_fields_nested_deeper_than_the_limit_are_refused():
    deepest = FieldSpec(name="leaf", data_type="string")
    for level in range(catalog_services.MAX_FIELD_DEPTH):
        deepest = FieldSpec(name=f"level{level}", data_type="struct", logical_type="object", fields=[deepest])
    product, owner = make_product()

    with pytest.raises(catalog_services.CatalogError, match=f"nest at most {catalog_services.MAX_FIELD_DEPTH} deep"):
        catalog_services.set_output_ports(product, ports=[current_spec(product, fields=[deepest])], by=owner, confirm_breaking=True)


def test_nested_fields_count_towards_the_fields_limit_of_a_port():
    many = [FieldSpec(name=f"f{n}", data_type="string") for n in range(catalog_services.MAX_FIELDS_PER_PORT)]
    product, owner = make_product()

    with pytest.raises(catalog_services.CatalogError, match="nested ones included"):
        catalog_services.set_output_ports(
            product,
            ports=[current_spec(product, fields=[FieldSpec(name="wrap", data_type="struct", logical_type="object", fields=many)])],
            by=owner,
            confirm_breaking=True,
        )


def test_a_port_spec_with_nested_fields_survives_asdict_and_from_dict():
    original = PortSpec(name="orders", fields=nested_fields())

    assert PortSpec.from_dict(dataclasses.asdict(original)) == original
