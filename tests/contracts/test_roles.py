"""An imported ODCS contract's roles feed the access policy: the import sets the
port's roles (access_requests.PortRole), and a request for the port is routed
to the approvers they name."""

import copy
from io import StringIO

import pytest
from django.core.management import call_command

from access_requests import queries as access_queries
from access_requests import services as access_services
from access_requests.models import ApprovalStep, PortRole
from contracts import services, standards
from tests.contracts.conftest import example
from tests.contracts.documents import as_yaml, check, descriptor
from tests.contracts.documents import contract as port_contract
from tests.factories import Mesh, UserFactory, submit

pytestmark = pytest.mark.django_db

FULL_EXAMPLE = "odcs-v3.1.0/full-example.odcs.yaml"


def contract(version: str = "1.0.0", roles=None) -> dict:
    document = {
        "apiVersion": "v3.1.0",
        "kind": "DataContract",
        "id": "daily-contract",
        "name": "daily",
        "version": version,
        "status": "active",
    }
    if roles is not None:
        document["roles"] = roles
    return document


def test_a_role_naming_a_user_lets_them_decide_the_owner_step_and_reach_their_inbox():
    mesh = Mesh(classification="internal")
    xavier = UserFactory(username="xavier")
    services.import_document(
        contract(roles=[{"role": "reporting", "access": "read", "firstLevelApprovers": "xavier"}]), by=mesh.owner, product=mesh.product
    )

    request = submit(mesh)

    step = request.steps.get(role=ApprovalStep.Role.OWNER)
    assert list(access_queries.steps_decidable_by(xavier)) == [step]
    assert access_services.approve_step(step, by=xavier).status == "approved"


def test_the_full_examples_roles_are_kept_with_unresolved_names_reported():
    mesh = Mesh(classification="internal")
    UserFactory(username="mandolorian")
    document = standards.parse(example(FULL_EXAMPLE))
    document["name"] = "daily"

    result = services.import_document(copy.deepcopy(document), by=mesh.owner, product=mesh.product)

    roles = list(PortRole.objects.order_by("position"))
    assert [(r.name, r.access, r.first_level_approvers, r.second_level_approvers) for r in roles] == [
        ("microstrategy_user_opr", "read", "Reporting Manager", "mandolorian"),
        ("bq_queryman_user_opr", "read", "Reporting Manager", "na"),
        ("risk_data_access_opr", "read", "Reporting Manager", "dathvador"),
        ("bq_unica_user_opr", "write", "Reporting Manager", "mickey"),
    ]
    unresolved = sorted({warning.split(" approver ")[1].split(" is no ")[0] for warning in result.warnings})
    assert unresolved == ["'Reporting Manager'", "'dathvador'", "'mickey'"]
    assert len(result.warnings) == 6  # four roles' first level, dathvador and mickey ("na" names nobody; mandolorian is a user)
    # The contract still exports unchanged.
    exported = services.export_odcs(mesh.product.output_ports.get(), user=mesh.owner)
    assert standards.normalise(exported)["roles"] == standards.normalise(document)["roles"]


def test_reimporting_a_contract_with_other_roles_updates_them():
    mesh = Mesh(classification="internal")
    UserFactory(username="xavier"), UserFactory(username="zoe")
    services.import_document(contract(roles=[{"role": "reporting", "firstLevelApprovers": "xavier"}]), by=mesh.owner, product=mesh.product)

    services.import_document(
        contract("1.1.0", roles=[{"role": "risk", "firstLevelApprovers": "zoe", "secondLevelApprovers": "zoe"}]),
        by=mesh.owner,
        product=mesh.product,
    )

    assert [(r.name, [a.user.username for a in r.approvers.all()]) for r in PortRole.objects.all()] == [("risk", ["zoe", "zoe"])]
    assert list(submit(mesh).steps.values_list("role", flat=True)) == ["owner", "steward"]


def test_a_contract_without_roles_restores_the_policys_routing():
    mesh = Mesh(classification="internal")
    xavier = UserFactory(username="xavier")
    services.import_document(
        contract(roles=[{"role": "risk", "firstLevelApprovers": "xavier", "secondLevelApprovers": "xavier"}]),
        by=mesh.owner,
        product=mesh.product,
    )

    services.import_document(contract("1.1.0"), by=mesh.owner, product=mesh.product)

    assert PortRole.objects.count() == 0
    request = submit(mesh)
    assert list(request.steps.values_list("role", flat=True)) == ["owner"]
    assert list(access_queries.steps_decidable_by(xavier)) == []


def test_an_older_contract_version_imported_again_does_not_take_the_roles_back():
    mesh = Mesh()
    UserFactory(username="xavier"), UserFactory(username="zoe")
    old = contract(roles=[{"role": "reporting", "firstLevelApprovers": "xavier"}])
    services.import_document(old, by=mesh.owner, product=mesh.product)
    services.import_document(contract("1.1.0", roles=[{"role": "risk", "firstLevelApprovers": "zoe"}]), by=mesh.owner, product=mesh.product)

    old["description"] = {"purpose": "Changed wording of the old version."}
    services.import_document(old, by=mesh.owner, product=mesh.product)

    assert list(PortRole.objects.values_list("name", flat=True)) == ["risk"]


def test_the_import_api_answers_with_the_unresolved_names(client):
    mesh = Mesh()
    client.force_login(mesh.owner)
    body = contract(roles=[{"role": "reporting", "firstLevelApprovers": "Reporting Manager"}])

    response = client.put(f"/api/v1/products/{mesh.product.slug}/descriptor", body, content_type="application/json")

    assert response.status_code == 200, response.content
    assert response.json()["warnings"] == [
        f"{mesh.product.slug}/daily: role 'reporting': first-level approver 'Reporting Manager' is no marketplace user or team; "
        "kept, unresolved, so the owners or stewards decide for it."
    ]


def test_importing_the_same_contract_again_resolves_a_name_that_now_exists():
    mesh = Mesh()
    document = contract(roles=[{"role": "reporting", "firstLevelApprovers": "xavier"}])
    first = services.import_document(copy.deepcopy(document), by=mesh.owner, product=mesh.product)
    assert len(first.warnings) == 1
    again = services.import_document(copy.deepcopy(document), by=mesh.owner, product=mesh.product)
    assert (again.changed, len(again.warnings)) == (False, 1)

    xavier = UserFactory(username="xavier")
    resolved = services.import_document(copy.deepcopy(document), by=mesh.owner, product=mesh.product)

    assert (resolved.changed, resolved.warnings) == (True, [])
    assert resolved.messages == [f"{mesh.product.slug}/daily: contract 1.0.0 unchanged; its roles' approvers resolved again."]
    assert PortRole.objects.get().first_level[0].user == xavier


def test_the_import_command_prints_the_unresolved_names(tmp_path):
    mesh = Mesh()
    (tmp_path / "product.odps.yaml").write_bytes(as_yaml(check(descriptor("orders-daily", domain=mesh.product.domain, team=mesh.team))))
    roles = [{"role": "reporting", "firstLevelApprovers": "Reporting Manager"}]
    (tmp_path / "daily.odcs.yaml").write_bytes(as_yaml(check(port_contract("orders-daily", roles=roles))))
    stdout, stderr = StringIO(), StringIO()

    call_command("import_descriptors", str(tmp_path), "--as", mesh.owner.username, stdout=stdout, stderr=stderr)

    assert "2 files: 1 created, 1 changed, 0 unchanged, 0 refused." in stdout.getvalue()
    assert (
        "daily.odcs.yaml: orders-daily/daily: role 'reporting': first-level approver 'Reporting Manager' is no marketplace user"
        in stderr.getvalue()
    )
