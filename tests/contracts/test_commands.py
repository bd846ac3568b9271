"""manage.py import_descriptors PATH… and export_descriptors DIR: a domain's
repository of descriptors in, every product's descriptors out."""

from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from audit import trail as audit_trail
from audit.models import AuditEvent
from catalog.models import DataProduct, OutputPort
from contracts import standards
from contracts.models import PortContract
from slos.models import ServiceLevelObjective
from tests.contracts.conftest import EXAMPLES
from tests.contracts.documents import as_yaml, check, contract, descriptor
from tests.factories import DomainFactory, Mesh, ProductFactory, UserFactory, port

pytestmark = pytest.mark.django_db


def run(command: str, *args, **options) -> tuple[str, str]:
    """Run `command`; its standard output and error."""
    stdout, stderr = StringIO(), StringIO()
    call_command(command, *args, stdout=stdout, stderr=stderr, **options)
    return stdout.getvalue(), stderr.getvalue()


def repository(tmp_path, mesh: Mesh, *slugs: str):
    """A domain's repository: a descriptor and its port's contract per product, in folders."""
    for slug in slugs:
        folder = tmp_path / slug
        folder.mkdir()
        (folder / "product.odps.yaml").write_bytes(as_yaml(check(descriptor(slug, domain=mesh.product.domain, team=mesh.team))))
        (folder / "daily.odcs.yaml").write_bytes(as_yaml(check(contract(slug))))
    return tmp_path


def test_importing_a_directory_creates_its_products_with_their_contracts(tmp_path):
    mesh = Mesh()

    out, _err = run("import_descriptors", str(repository(tmp_path, mesh, "orders-daily", "orders-weekly")))

    assert "4 files: 2 created, 2 changed, 0 unchanged, 0 refused." in out
    orders = DataProduct.objects.get(slug="orders-daily")
    assert list(orders.output_ports.get(name="daily").fields.values_list("name", flat=True)) == ["order_id", "amount"]
    assert DataProduct.objects.filter(slug="orders-weekly").exists()


def test_importing_a_directory_twice_reports_unchanged_the_second_time(tmp_path):
    mesh = Mesh()
    path = str(repository(tmp_path, mesh, "orders-daily"))
    run("import_descriptors", path)

    out, _err = run("import_descriptors", path)

    assert "2 files: 0 created, 0 changed, 2 unchanged, 0 refused." in out


def test_a_refused_file_fails_the_command_naming_file_path_and_rule_and_the_others_are_imported(tmp_path):
    mesh = Mesh()
    repository(tmp_path, mesh, "orders-daily")
    bad = tmp_path / "orders-daily" / "weekly.odcs.yaml"
    bad.write_bytes(as_yaml(contract("orders-daily", "weekly", logical_type="money")))

    with pytest.raises(CommandError, match=r"3 files: 1 created, 1 changed, 0 unchanged, 1 refused\.") as raised:
        stderr = StringIO()
        call_command("import_descriptors", str(tmp_path), stdout=StringIO(), stderr=stderr)

    assert raised.value.returncode == 1
    assert f"{bad}: schema[0].properties[1].logicalType: 'money' is not one of" in stderr.getvalue()
    assert DataProduct.objects.filter(slug="orders-daily").exists()


def test_a_file_that_is_not_yaml_is_a_refusal_not_a_crash(tmp_path):
    UserFactory(username="root", is_superuser=True)
    broken = tmp_path / "broken.yaml"
    broken.write_bytes(b"kind: [unclosed\n")

    stderr = StringIO()
    with pytest.raises(CommandError, match="1 refused"):
        call_command("import_descriptors", str(broken), stdout=StringIO(), stderr=stderr)

    assert f"\n{broken}: Not YAML or JSON" in stderr.getvalue()


def test_the_import_runs_as_the_named_user_with_their_rights(tmp_path):
    mesh = Mesh()
    repository(tmp_path, mesh, "orders-daily")

    with pytest.raises(CommandError, match="2 refused"):
        run("import_descriptors", str(tmp_path), **{"as": mesh.other_owner.username})

    assert not DataProduct.objects.filter(slug="orders-daily").exists()


def test_without_a_superuser_the_import_is_refused_clearly(tmp_path):
    with pytest.raises(CommandError, match="There is no superuser to import as"):
        run("import_descriptors", str(tmp_path))


def test_without_a_superuser_the_export_is_refused_clearly(tmp_path):
    with pytest.raises(CommandError, match="There is no superuser to export as"):
        run("export_descriptors", str(tmp_path))


def test_an_unknown_user_or_path_is_refused_clearly(tmp_path):
    UserFactory(username="root", is_superuser=True)

    with pytest.raises(CommandError, match="No active user 'nobody'"):
        run("import_descriptors", str(tmp_path), **{"as": "nobody"})
    with pytest.raises(CommandError, match="no such file or directory"):
        run("import_descriptors", str(tmp_path / "missing"))


def test_export_writes_every_products_descriptor_and_contracts_as_an_admin_sees_them(tmp_path):
    mesh = Mesh()
    draft = ProductFactory(domain=DomainFactory(owner_team=mesh.other_team), status=DataProduct.Status.DRAFT)

    out, _err = run("export_descriptors", str(tmp_path))

    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == sorted([f"{mesh.product.slug}.odps.yaml", f"{mesh.product.slug}.daily.odcs.yaml", f"{draft.slug}.odps.yaml"])
    assert "Wrote 2 descriptors and 1 contract to" in out
    assert yaml.safe_load((tmp_path / f"{mesh.product.slug}.odps.yaml").read_text())["kind"] == "DataProduct"
    exported = yaml.safe_load((tmp_path / f"{mesh.product.slug}.daily.odcs.yaml").read_text())
    assert "servers" in exported  # an admin may use every port


def test_export_keeps_every_file_inside_the_directory_whatever_a_port_is_named(tmp_path):
    mesh = Mesh()
    odd = ProductFactory(domain=mesh.product.domain, by=mesh.owner, ports=[port("../../escape")])

    run("export_descriptors", str(tmp_path / "exported"))

    assert (tmp_path / "exported" / f"{odd.slug}.escape.odcs.yaml").is_file()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["exported"]


def test_an_exported_tree_imports_back_unchanged(tmp_path):
    mesh = Mesh()
    (tmp_path / "repository").mkdir()
    run("import_descriptors", str(repository(tmp_path / "repository", mesh, "orders-daily")))
    run("export_descriptors", str(tmp_path / "exported"))

    out, _err = run(
        "import_descriptors",
        str(tmp_path / "exported" / "orders-daily.odps.yaml"),
        str(tmp_path / "exported" / "orders-daily.daily.odcs.yaml"),
    )

    assert "2 files: 0 created, 0 changed, 2 unchanged, 0 refused." in out


def test_an_upstream_example_that_names_no_owning_team_is_refused_saying_how_to_name_it():
    UserFactory(username="root", is_superuser=True, is_staff=True)
    example = EXAMPLES / "odps-v0.9.0" / "customer-data-product.odps.yaml"

    stderr = StringIO()
    with pytest.raises(CommandError, match="1 file: 0 created, 0 changed, 0 unchanged, 1 refused."):
        call_command("import_descriptors", str(example), stdout=StringIO(), stderr=stderr)

    assert f"{example}: customProperties: " in stderr.getvalue()
    assert "owningTeam" in stderr.getvalue()


def test_an_admin_imports_the_upstream_example_once_it_names_its_team_and_its_domain_is_created(tmp_path):
    UserFactory(username="root", is_superuser=True, is_staff=True)
    team = Mesh().team
    document = yaml.safe_load((EXAMPLES / "odps-v0.9.0" / "customer-data-product.odps.yaml").read_text())
    document["customProperties"] = [{"property": "owningTeam", "value": team.slug}]
    (tmp_path / "customer.odps.yaml").write_bytes(as_yaml(document))

    out, _err = run("import_descriptors", str(tmp_path), **{"as": "root"})

    assert "1 file: 1 created" in out
    product = DataProduct.objects.get(descriptor__odps_id=document["id"])
    assert (product.owner_team, product.domain.name) == (team, "seller")


def test_a_contract_refused_halfway_leaves_nothing_of_itself_and_the_files_around_it_are_imported(tmp_path):
    # Its fields are written before its SLA is refused: the file's savepoint undoes them, not the batch.
    mesh = Mesh()
    repository(tmp_path, mesh, "orders-a", "orders-b", "orders-c")
    refused = tmp_path / "orders-b" / "daily.odcs.yaml"
    refused.write_bytes(as_yaml(check(contract("orders-b", slaProperties=[{"property": "availability", "value": 150, "unit": "%"}]))))

    stderr = StringIO()
    with pytest.raises(CommandError, match=r"6 files: 3 created, 2 changed, 0 unchanged, 1 refused\."):
        call_command("import_descriptors", str(tmp_path), stdout=StringIO(), stderr=stderr)

    assert f"{refused}: slaProperties[0].value: " in stderr.getvalue()
    for slug in ("orders-a", "orders-c"):
        daily = OutputPort.objects.get(product__slug=slug, name="daily")
        assert list(daily.fields.values_list("name", flat=True)) == ["order_id", "amount"]
        assert PortContract.objects.filter(port=daily).exists()
    untouched = OutputPort.objects.get(product__slug="orders-b", name="daily")
    assert not untouched.fields.exists()
    assert not PortContract.objects.filter(port=untouched).exists()
    assert not ServiceLevelObjective.objects.filter(port=untouched).exists()
    assert sorted(event.payload["file"].rsplit("/", 2)[-2] for event in AuditEvent.objects.filter(action="descriptor.imported")) == [
        "orders-a",
        "orders-a",
        "orders-b",
        "orders-c",
        "orders-c",
    ]
    assert audit_trail.verify()[1] is None


def test_a_contract_a_file_before_it_changed_in_the_same_import_is_compared_with_that_change(tmp_path):
    # Two files with one contract id and version: the second is compared with what the first wrote, not with what was stored before.
    mesh = Mesh()
    repository(tmp_path, mesh, "orders-daily")
    run("import_descriptors", str(tmp_path))
    original = (tmp_path / "orders-daily" / "daily.odcs.yaml").read_bytes()
    (tmp_path / "orders-daily" / "a-daily.odcs.yaml").write_bytes(
        as_yaml(check(contract("orders-daily", description={"purpose": "Edited."})))
    )

    out, _err = run("import_descriptors", str(tmp_path))

    assert "3 files: 0 created, 2 changed, 1 unchanged, 0 refused." in out
    stored = PortContract.objects.get(port__product__slug="orders-daily")
    assert stored.document == standards.parse(original)
