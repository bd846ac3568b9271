"""Data contract roles in the access policy (access_requests.services.set_port_roles,
submit_request's routing, queries.role_routing): a role's first-level approvers
decide the owner step beside the owners, its second-level approvers the steward
step beside the stewards; names are resolved to users or teams, or kept unresolved."""

import pytest
from django.urls import reverse

from access_requests import queries, services
from access_requests.models import AccessRequest, ApprovalStep, PortRole, RoleApprover
from audit.models import AuditEvent
from catalog.models import TeamMembership
from notifications.models import Notification
from tests.factories import Mesh, TeamFactory, UserFactory, member_of, submit

pytestmark = pytest.mark.django_db

RoleSpec = services.RoleSpec


def set_roles(mesh: Mesh, *roles: RoleSpec, port_name: str = "daily"):
    return services.set_port_roles(mesh.product.output_ports.get(name=port_name), list(roles), by=mesh.owner)


def step_of(request, role=ApprovalStep.Role.OWNER) -> ApprovalStep:
    return request.steps.get(role=role)


def test_first_level_approver_decides_the_owner_step_and_finds_it_in_the_inbox():
    mesh = Mesh(classification="internal")
    analyst = UserFactory(username="xavier")
    set_roles(mesh, RoleSpec("analytics_read", access="read", first_level_approvers="xavier"))

    request = submit(mesh)

    owner_step = step_of(request)
    assert list(queries.steps_decidable_by(analyst)) == [owner_step]
    assert list(queries.requests_visible_to(analyst)) == [request]
    assert sorted(queries.approvers_of(owner_step).values_list("username", flat=True)) == sorted([mesh.owner.username, "xavier"])
    told = Notification.objects.get(request=request, recipient=analyst, kind=Notification.Kind.REQUEST_SUBMITTED)
    assert told.body.endswith("You decide as product owner, or as an approver the data contract names for role analytics_read.")
    request = services.approve_step(owner_step, by=analyst)
    assert request.status == AccessRequest.Status.APPROVED
    assert step_of(request).decided_by == analyst


def test_owners_still_decide_a_step_a_role_routes_to_others():
    mesh = Mesh(classification="internal")
    UserFactory(username="xavier")
    set_roles(mesh, RoleSpec("analytics_read", first_level_approvers="xavier"))
    request = services.approve_step(step_of(submit(mesh)), by=mesh.owner)
    assert request.status == AccessRequest.Status.APPROVED


def test_a_role_approver_of_another_port_may_not_decide():
    mesh = Mesh(classification="internal")
    analyst = UserFactory(username="xavier")
    set_roles(mesh, RoleSpec("analytics_read", first_level_approvers="xavier"))
    mesh.other = UserFactory(username="yolanda")
    request = submit(mesh)
    with pytest.raises(services.NotAllowed):
        services.approve_step(step_of(request), by=mesh.other)
    assert list(queries.steps_decidable_by(mesh.other)) == []
    assert list(queries.steps_decidable_by(analyst)) == [step_of(request)]


def test_second_level_approvers_add_a_steward_step_the_policy_would_not():
    mesh = Mesh(classification="internal")
    first, second = UserFactory(username="xavier"), UserFactory(username="zoe")
    set_roles(mesh, RoleSpec("risk_read", first_level_approvers="xavier", second_level_approvers="zoe"))

    request = submit(mesh)

    assert list(request.steps.values_list("role", flat=True)) == ["owner", "steward"]
    steward_step = step_of(request, ApprovalStep.Role.STEWARD)
    assert steward_step.contract_roles == "risk_read"
    assert list(queries.steps_decidable_by(second)) == [steward_step]
    request = services.approve_step(step_of(request), by=first)
    request = services.approve_step(steward_step, by=second)
    assert request.status == AccessRequest.Status.APPROVED


def test_stewards_still_decide_the_steward_step_a_role_adds():
    mesh = Mesh(classification="internal")
    UserFactory(username="zoe")
    set_roles(mesh, RoleSpec("risk_read", second_level_approvers="zoe"))
    request = submit(mesh)
    services.approve_step(step_of(request), by=mesh.owner)
    request = services.approve_step(step_of(request, ApprovalStep.Role.STEWARD), by=mesh.steward)
    assert request.status == AccessRequest.Status.APPROVED


def test_one_role_approver_cannot_approve_both_steps():
    mesh = Mesh(classification="internal")
    both = UserFactory(username="xavier")
    set_roles(mesh, RoleSpec("risk_read", first_level_approvers="xavier", second_level_approvers="xavier"))
    request = submit(mesh)
    services.approve_step(step_of(request), by=both)
    with pytest.raises(services.DecisionError):
        services.approve_step(step_of(request, ApprovalStep.Role.STEWARD), by=both)


def test_a_requester_named_as_approver_still_cannot_decide_their_own_request():
    mesh = Mesh(classification="internal")
    set_roles(mesh, RoleSpec("analytics_read", first_level_approvers=mesh.requester.username))
    request = submit(mesh)
    assert list(step_of(request).approvers.all()) == []
    assert list(queries.steps_decidable_by(mesh.requester)) == []
    with pytest.raises(services.NotAllowed):
        services.approve_step(step_of(request), by=mesh.requester)


def test_names_resolve_by_username_email_team_slug_and_team_name():
    mesh = Mesh(classification="internal")
    by_mail = UserFactory(username="u-mail", email="Mail.Person@example.com")
    UserFactory(username="Xavier")
    risk = TeamFactory(slug="risk-office", name="Risk Office")
    risk_owner = member_of(risk, role=TeamMembership.Role.OWNER, username="risk-owner")
    member_of(risk, role=TeamMembership.Role.DEVELOPER, username="risk-dev")

    outcome = set_roles(
        mesh,
        RoleSpec("a", first_level_approvers="xavier, mail.person@example.com; Risk Office", second_level_approvers="RISK-OFFICE"),
    )

    assert outcome.changed and outcome.unresolved == []
    approvers = {(a.level, a.name): (a.user and a.user.username, a.team and a.team.slug) for a in RoleApprover.objects.all()}
    assert approvers == {
        (1, "xavier"): ("Xavier", None),
        (1, "mail.person@example.com"): ("u-mail", None),
        (1, "Risk Office"): (None, "risk-office"),
        (2, "RISK-OFFICE"): (None, "risk-office"),
    }
    request = submit(mesh)
    named = set(step_of(request).approvers.values_list("username", flat=True))
    assert named == {"Xavier", by_mail.username, risk_owner.username}  # a team stands for its owners


def test_unresolved_names_are_kept_and_reported_and_na_means_no_approver():
    mesh = Mesh(classification="internal")
    outcome = set_roles(
        mesh, RoleSpec("microstrategy_user_opr", access="read", first_level_approvers="Reporting Manager", second_level_approvers="na")
    )
    assert outcome.unresolved == [("microstrategy_user_opr", "first-level", "Reporting Manager")]
    role = PortRole.objects.get()
    assert role.second_level_approvers == "na"
    assert [(a.name, a.resolved) for a in role.approvers.all()] == [("Reporting Manager", False)]
    request = submit(mesh)
    # An unresolved approver routes to nobody: the owners decide, and no steward step is added for "na".
    assert list(request.steps.values_list("role", flat=True)) == ["owner"]
    assert list(step_of(request).approvers.all()) == []


def test_setting_the_same_roles_again_changes_nothing():
    mesh = Mesh()
    UserFactory(username="xavier")
    spec = RoleSpec("analytics_read", first_level_approvers="xavier")
    assert set_roles(mesh, spec).changed
    ids = list(PortRole.objects.values_list("pk", flat=True))
    assert not set_roles(mesh, spec).changed
    assert list(PortRole.objects.values_list("pk", flat=True)) == ids
    assert AuditEvent.objects.filter(action="port.roles_changed").count() == 1


def test_a_name_resolved_later_counts_as_a_change():
    mesh = Mesh()
    spec = RoleSpec("analytics_read", first_level_approvers="xavier")
    assert set_roles(mesh, spec).unresolved
    UserFactory(username="xavier")
    outcome = set_roles(mesh, spec)
    assert outcome.changed and outcome.unresolved == []


def test_removing_the_roles_restores_the_policys_routing():
    mesh = Mesh(classification="internal")
    analyst = UserFactory(username="xavier")
    set_roles(mesh, RoleSpec("risk_read", first_level_approvers="xavier", second_level_approvers="xavier"))
    set_roles(mesh)
    assert PortRole.objects.count() == 0
    request = submit(mesh)
    assert list(request.steps.values_list("role", flat=True)) == ["owner"]
    assert list(queries.steps_decidable_by(analyst)) == []


def test_an_open_request_keeps_the_routing_it_was_submitted_with():
    mesh = Mesh(classification="internal")
    analyst = UserFactory(username="xavier")
    set_roles(mesh, RoleSpec("analytics_read", first_level_approvers="xavier"))
    request = submit(mesh)
    set_roles(mesh)
    request = services.approve_step(step_of(request), by=analyst)
    assert request.status == AccessRequest.Status.APPROVED


def test_picking_a_role_asks_for_its_port_and_routes_by_that_role_only():
    mesh = Mesh(classification="internal")
    xavier, zoe = UserFactory(username="xavier"), UserFactory(username="zoe")
    set_roles(
        mesh,
        RoleSpec("reporting", first_level_approvers="xavier"),
        RoleSpec("risk", first_level_approvers="zoe", second_level_approvers="zoe"),
    )
    reporting = PortRole.objects.get(name="reporting")

    request = submit(mesh, role=reporting)

    assert (request.port.name, request.role_name) == ("daily", "reporting")
    assert list(request.steps.values_list("role", flat=True)) == ["owner"]
    assert list(step_of(request).approvers.all()) == [xavier]
    assert list(queries.steps_decidable_by(zoe)) == []
    assert AuditEvent.objects.get(action="request.submitted").payload["role"] == "reporting"


def test_without_a_role_every_role_of_the_port_applies():
    mesh = Mesh(classification="internal")
    UserFactory(username="xavier"), UserFactory(username="zoe")
    set_roles(
        mesh,
        RoleSpec("reporting", first_level_approvers="xavier"),
        RoleSpec("risk", first_level_approvers="zoe", second_level_approvers="zoe"),
    )
    request = submit(mesh)
    assert list(request.steps.values_list("role", flat=True)) == ["owner", "steward"]
    assert set(step_of(request).approvers.values_list("username", flat=True)) == {"xavier", "zoe"}
    assert step_of(request).contract_roles == "reporting, risk"


def test_a_role_of_another_port_is_refused():
    mesh = Mesh(classification="internal")
    set_roles(mesh, RoleSpec("reporting", first_level_approvers="xavier"))
    other = Mesh()
    with pytest.raises(services.AccessRequestError) as error:
        submit(other, role=PortRole.objects.get())
    assert error.value.field == "role"


def test_only_the_owning_team_sets_a_ports_roles():
    mesh = Mesh()
    with pytest.raises(services.NotAllowed):
        services.set_port_roles(mesh.product.output_ports.get(), [RoleSpec("x")], by=mesh.other_owner)
    assert PortRole.objects.count() == 0


def test_an_inactive_approver_is_not_routed_to():
    mesh = Mesh(classification="internal")
    gone = UserFactory(username="xavier", is_active=False)
    set_roles(mesh, RoleSpec("analytics_read", first_level_approvers="xavier"))
    request = submit(mesh)
    assert gone not in step_of(request).approvers.all()


# --- the request form and the API ---------------------------------------------------


def test_the_request_form_lets_the_requester_pick_a_role_and_shows_the_roles(client):
    mesh = Mesh(classification="internal")
    xavier = UserFactory(username="xavier")
    set_roles(
        mesh, RoleSpec("reporting", access="read", first_level_approvers="xavier"), RoleSpec("risk", second_level_approvers="nobody-here")
    )
    reporting = PortRole.objects.get(name="reporting")
    client.force_login(mesh.requester)
    url = reverse("access_requests:request-access", args=[mesh.product.slug])

    page = client.get(url).content.decode()
    assert '<option value="" selected>No particular role</option>' in page
    assert f'<option value="{reporting.pk}">reporting (output port daily, read access)</option>' in page
    assert "nobody-here" in page and "badge-unresolved" in page

    response = client.post(
        url, {"purpose": "Churn analysis for the quarterly board.", "duration_days": "30", "access": "read", "role": reporting.pk}
    )

    request = AccessRequest.objects.get()
    assert response.status_code == 302
    assert (request.role_name, request.port.name) == ("reporting", "daily")
    assert list(step_of(request).approvers.all()) == [xavier]
    client.force_login(xavier)
    inbox = client.get(reverse("access_requests:inbox")).content.decode()
    assert f'id="step-{step_of(request).pk}"' in inbox
    assert client.get(request.get_absolute_url()).status_code == 200


def test_the_request_form_has_no_role_field_when_no_contract_names_roles(client):
    mesh = Mesh()
    client.force_login(mesh.requester)
    page = client.get(reverse("access_requests:request-access", args=[mesh.product.slug])).content.decode()
    assert 'name="role"' not in page


def test_the_api_takes_a_role_by_name_and_answers_with_it(client):
    mesh = Mesh(classification="internal")
    UserFactory(username="xavier")
    set_roles(mesh, RoleSpec("reporting", first_level_approvers="xavier"))
    client.force_login(mesh.requester)
    body = {"product": mesh.product.slug, "purpose": "Churn analysis for the quarterly board.", "duration_days": 30, "role": "reporting"}

    response = client.post("/api/v1/access-requests/", body, content_type="application/json")

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["role"], data["output_port"]) == ("reporting", "daily")
    assert data["steps"][0]["contract_roles"] == "reporting"


def test_the_api_refuses_a_role_no_contract_names_at_role(client):
    mesh = Mesh()
    client.force_login(mesh.requester)
    body = {"product": mesh.product.slug, "purpose": "Churn analysis for the quarterly board.", "duration_days": 30, "role": "admin"}

    response = client.post("/api/v1/access-requests/", body, content_type="application/json")

    assert response.status_code == 400
    assert "role" in str(response.json())
    assert AccessRequest.objects.count() == 0
