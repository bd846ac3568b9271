"""The access request flow over the REST API: requests and their decisions,
grants and revocation, the audit trail. Every endpoint and action gets its
happy path and its refusals (400 naming the field, 403, 404, 409)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from access_requests import queries, services
from access_requests.models import AccessRequest, ApprovalStep, Grant
from audit.models import AuditEvent
from tests.factories import Mesh, ProductFactory, UserFactory, port, submit

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/access-requests/"
GRANTS = "/api/v1/grants/"
AUDIT = "/api/v1/audit-events/"
PURPOSE = "Weekly churn analysis for the board."


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def ask(mesh, user, **fields):
    body = {"product": mesh.product.slug, "purpose": PURPOSE, "duration_days": 30, **fields}
    return api(user).post(REQUESTS, body, format="json")


def step(request, role=ApprovalStep.Role.OWNER) -> ApprovalStep:
    return request.steps.get(role=role)


def granted(mesh, **kwargs):
    """The requester's request, approved by the owner (and the steward when the product needs one): its grant."""
    request = submit(mesh, **kwargs)
    services.approve_step(step(request), by=mesh.owner)
    if request.steps.filter(role=ApprovalStep.Role.STEWARD).exists():
        services.approve_step(step(request, ApprovalStep.Role.STEWARD), by=mesh.steward)
    request.refresh_from_db()
    return request.grant


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return sorted(item["id"] for item in response.json()["results"])


# --- submitting --------------------------------------------------------------------------


def test_consumer_requests_access_and_gets_the_pending_request_with_its_steps():
    mesh = Mesh(classification="confidential")

    response = ask(mesh, mesh.requester, output_port="daily", access="read-masked")

    assert response.status_code == 201, response.content
    body = response.json()
    request = AccessRequest.objects.get()
    assert body["id"] == request.pk
    assert body["status"] == "pending"
    assert body["product"] == mesh.product.slug
    assert body["output_port"] == "daily"
    assert body["purpose"] == PURPOSE
    assert body["duration_days"] == 30
    assert body["access"] == "read-masked"
    assert body["requester"] == mesh.requester.username
    assert body["decided_at"] is None
    assert body["auto_approved"] is False
    assert body["grant"] is None
    assert body["created_at"]
    assert [(s["role"], s["status"], s["decided_by"], s["comment"], s["decided_at"]) for s in body["steps"]] == [
        ("owner", "pending", None, "", None),
        ("steward", "pending", None, "", None),
    ]
    assert [s["id"] for s in body["steps"]] == list(request.steps.order_by("id").values_list("pk", flat=True))


def test_request_without_port_or_access_asks_for_the_whole_product_to_read():
    mesh = Mesh()

    body = ask(mesh, mesh.requester).json()

    assert body["output_port"] is None
    assert body["access"] == "read"


def test_team_member_is_approved_automatically_over_the_api():
    mesh = Mesh(classification="restricted")

    body = ask(mesh, mesh.developer).json()

    assert body["status"] == "approved"
    assert body["auto_approved"] is True
    assert body["steps"] == []
    assert body["grant"] == AccessRequest.objects.get().grant.pk


def test_unknown_product_answers_400_naming_product():
    mesh = Mesh()

    response = ask(mesh, mesh.requester, product="no-such-product")

    assert response.status_code == 400
    assert list(response.json()) == ["product"]
    assert AccessRequest.objects.count() == 0


def test_another_teams_draft_is_an_unknown_product():
    mesh = Mesh()
    draft = ProductFactory(status="draft")

    response = ask(mesh, mesh.requester, product=draft.slug)

    assert response.status_code == 400
    assert response.json()["product"] == [f"There is no data product “{draft.slug}”."]


def test_own_teams_draft_is_refused_with_409_naming_product():
    mesh = Mesh(status="draft")

    response = ask(mesh, mesh.developer)

    assert response.status_code == 409
    assert list(response.json()) == ["product"]


def test_unknown_output_port_answers_400_naming_output_port():
    mesh = Mesh()

    response = ask(mesh, mesh.requester, output_port="hourly")

    assert response.status_code == 400
    assert list(response.json()) == ["output_port"]


def test_port_of_another_product_is_an_unknown_port():
    mesh = Mesh()
    ProductFactory(ports=[port("weekly")])

    response = ask(mesh, mesh.requester, output_port="weekly")

    assert response.status_code == 400
    assert list(response.json()) == ["output_port"]


@pytest.mark.parametrize("duration", [0, -3, 10_000, "thirty", None, ""])
def test_bad_duration_answers_400_naming_duration_days(duration):
    mesh = Mesh()

    response = ask(mesh, mesh.requester, duration_days=duration)

    assert response.status_code == 400
    assert list(response.json()) == ["duration_days"]


def test_missing_duration_answers_400_naming_duration_days():
    mesh = Mesh()

    response = api(mesh.requester).post(REQUESTS, {"product": mesh.product.slug, "purpose": PURPOSE}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["duration_days"]


@pytest.mark.parametrize("purpose", ["", "   ", "too short"])
def test_missing_or_short_purpose_answers_400_naming_purpose(purpose):
    mesh = Mesh()

    response = ask(mesh, mesh.requester, purpose=purpose)

    assert response.status_code == 400
    assert list(response.json()) == ["purpose"]


def test_unknown_access_answers_400_naming_access():
    mesh = Mesh()

    response = ask(mesh, mesh.requester, access="write")

    assert response.status_code == 400
    assert list(response.json()) == ["access"]


@pytest.mark.parametrize("body", [["a", "list"], {"product": ["a", "list"], "purpose": PURPOSE, "duration_days": 30}, {}])
def test_malformed_body_answers_400_never_500(body):
    mesh = Mesh()

    response = api(mesh.requester).post(REQUESTS, body, format="json")

    assert response.status_code == 400


def test_broken_json_answers_400():
    mesh = Mesh()

    response = api(mesh.requester).post(REQUESTS, "{not json", content_type="application/json")

    assert response.status_code == 400


def test_second_open_request_answers_409_naming_product():
    mesh = Mesh()
    submit(mesh)

    response = ask(mesh, mesh.requester)

    assert response.status_code == 409
    assert "open request" in response.json()["product"][0]


def test_request_while_holding_a_live_grant_answers_409():
    mesh = Mesh()
    granted(mesh)

    response = ask(mesh, mesh.requester)

    assert response.status_code == 409
    assert "already have access" in response.json()["product"][0]


# --- listing and reading -------------------------------------------------------------


def test_list_shows_only_my_own_requests():
    mesh = Mesh()
    theirs = submit(mesh, by=mesh.consumer)
    mine = submit(mesh)

    assert ids(api(mesh.requester).get(REQUESTS)) == [mine.pk]
    assert ids(api(mesh.consumer).get(REQUESTS)) == [theirs.pk]
    assert ids(api(mesh.owner).get(REQUESTS)) == []


def test_list_filters_by_status():
    mesh = Mesh()
    pending = submit(mesh)
    withdrawn = services.withdraw_request(submit(Mesh(), by=mesh.requester), by=mesh.requester)

    assert ids(api(mesh.requester).get(REQUESTS, {"status": "pending"})) == [pending.pk]
    assert ids(api(mesh.requester).get(REQUESTS, {"status": "withdrawn"})) == [withdrawn.pk]


def test_awaiting_me_lists_requests_with_a_step_i_may_decide():
    mesh = Mesh(classification="confidential")
    elsewhere = Mesh(classification="confidential")
    mine_to_decide = submit(mesh)
    submit(elsewhere, by=elsewhere.requester)
    decided = submit(mesh, by=mesh.consumer)
    services.approve_step(step(decided), by=mesh.owner)

    assert ids(api(mesh.owner).get(REQUESTS, {"scope": "awaiting-me"})) == [mine_to_decide.pk]
    assert ids(api(mesh.requester).get(REQUESTS, {"scope": "awaiting-me"})) == []


def test_steward_awaits_every_open_steward_step():
    mesh = Mesh(classification="confidential")
    elsewhere = Mesh(classification="confidential")
    first = submit(mesh)
    second = submit(elsewhere, by=elsewhere.requester)

    assert ids(api(mesh.steward).get(REQUESTS, {"scope": "awaiting-me"})) == sorted([first.pk, second.pk])


def test_visible_scope_lists_what_i_may_read():
    mesh = Mesh()
    elsewhere = Mesh()
    on_my_product = submit(mesh)
    on_another_product = submit(elsewhere, by=elsewhere.requester)

    assert ids(api(mesh.owner).get(REQUESTS, {"scope": "visible"})) == [on_my_product.pk]
    assert ids(api(mesh.developer).get(REQUESTS, {"scope": "visible"})) == [on_my_product.pk]
    assert ids(api(mesh.consumer).get(REQUESTS, {"scope": "visible"})) == []
    assert ids(api(mesh.steward).get(REQUESTS, {"scope": "visible"})) == sorted([on_my_product.pk, on_another_product.pk])
    assert ids(api(mesh.admin).get(REQUESTS, {"scope": "visible"})) == sorted([on_my_product.pk, on_another_product.pk])


@pytest.mark.parametrize("query", [{"scope": "everything"}, {"status": "lost"}, {"stauts": "pending"}])
def test_bad_list_filter_answers_400_naming_it(query):
    mesh = Mesh()

    response = api(mesh.requester).get(REQUESTS, query)

    assert response.status_code == 400
    assert list(response.json()) == list(query)


def test_requester_and_product_team_read_a_request():
    mesh = Mesh()
    request = submit(mesh)

    for user in (mesh.requester, mesh.owner, mesh.developer, mesh.steward, mesh.admin):
        response = api(user).get(f"{REQUESTS}{request.pk}/")
        assert response.status_code == 200, user
        assert response.json()["id"] == request.pk


def test_another_users_request_answers_404():
    mesh = Mesh()
    request = submit(mesh)

    assert api(mesh.consumer).get(f"{REQUESTS}{request.pk}/").status_code == 404
    assert api(mesh.other_owner).get(f"{REQUESTS}{request.pk}/").status_code == 404


def test_unknown_request_answers_404():
    mesh = Mesh()

    assert api(mesh.admin).get(f"{REQUESTS}999999/").status_code == 404
    assert api(mesh.admin).get(f"{REQUESTS}abc/").status_code == 404


# --- approving -------------------------------------------------------------------------


def test_owner_approves_the_owner_step_with_a_comment():
    mesh = Mesh(classification="confidential")
    request = submit(mesh)

    response = api(mesh.owner).post(f"{REQUESTS}{request.pk}/approve/", {"comment": "Fine by me"}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert [(s["role"], s["status"], s["decided_by"], s["comment"]) for s in body["steps"]] == [
        ("owner", "approved", mesh.owner.username, "Fine by me"),
        ("steward", "pending", None, ""),
    ]
    assert body["steps"][0]["decided_at"]


def test_last_approval_approves_the_request_and_creates_the_grant():
    mesh = Mesh(classification="confidential")
    request = submit(mesh)
    services.approve_step(step(request), by=mesh.owner)

    response = api(mesh.steward).post(f"{REQUESTS}{request.pk}/approve/")

    assert response.status_code == 200, response.content
    body = response.json()
    request.refresh_from_db()
    assert body["status"] == "approved"
    assert body["decided_at"]
    assert body["grant"] == request.grant.pk
    assert [s["decided_by"] for s in body["steps"]] == [mesh.owner.username, mesh.steward.username]


def test_admin_with_several_open_steps_approves_the_first():
    mesh = Mesh(classification="confidential")
    request = submit(mesh)

    body = api(mesh.admin).post(f"{REQUESTS}{request.pk}/approve/").json()

    assert [(s["role"], s["status"]) for s in body["steps"]] == [("owner", "approved"), ("steward", "pending")]


def test_admin_who_approved_one_step_cannot_approve_the_second():
    mesh = Mesh(classification="confidential")
    request = submit(mesh)
    services.approve_step(step(request), by=mesh.admin)

    response = api(mesh.admin).post(f"{REQUESTS}{request.pk}/approve/")

    assert response.status_code == 409
    assert "second approver" in response.json()["detail"][0]


def test_requester_cannot_approve_own_request_even_as_admin():
    mesh = Mesh(classification="confidential")
    request = submit(mesh, by=mesh.admin)

    response = api(mesh.admin).post(f"{REQUESTS}{request.pk}/approve/")

    assert response.status_code == 403
    assert response.json() == {"detail": ["You cannot decide on your own request."]}
    assert request.steps.filter(status="pending").count() == 2


def test_requester_cannot_approve_own_auto_approved_request():
    mesh = Mesh()
    request = submit(mesh, by=mesh.developer)

    response = api(mesh.developer).post(f"{REQUESTS}{request.pk}/approve/")

    assert response.status_code == 403
    assert response.json() == {"detail": ["You cannot decide on your own request."]}


def test_auto_approved_request_leaves_nothing_to_decide():
    mesh = Mesh()
    request = submit(mesh, by=mesh.developer)

    response = api(mesh.owner).post(f"{REQUESTS}{request.pk}/approve/")

    assert response.status_code == 409
    assert "approved automatically" in response.json()["detail"][0]


def test_owner_whose_step_is_done_is_told_so():
    mesh = Mesh(classification="confidential")
    request = submit(mesh)
    services.approve_step(step(request), by=mesh.owner)

    response = api(mesh.owner).post(f"{REQUESTS}{request.pk}/approve/")

    assert response.status_code == 409
    assert response.json() == {"detail": [f"This step was approved by {mesh.owner.username} already."]}


def test_steward_cannot_decide_a_request_routed_to_owners_only():
    mesh = Mesh(classification="internal")
    request = submit(mesh)

    response = api(mesh.steward).post(f"{REQUESTS}{request.pk}/approve/")

    assert response.status_code == 403
    assert response.json() == {"detail": ["Only a product owner may decide this step."]}


def test_steward_on_a_withdrawn_request_is_told_it_is_withdrawn():
    mesh = Mesh(classification="confidential")
    request = submit(mesh)
    services.withdraw_request(request, by=mesh.requester)

    response = api(mesh.steward).post(f"{REQUESTS}{request.pk}/approve/")

    assert response.status_code == 409
    assert response.json() == {"detail": ["This request is withdrawn already."]}


def test_developer_who_can_read_the_request_may_not_decide_it():
    mesh = Mesh()
    request = submit(mesh)

    response = api(mesh.developer).post(f"{REQUESTS}{request.pk}/approve/")

    assert response.status_code == 403
    assert response.json() == {"detail": ["Only a product owner may decide this step."]}


def test_approving_a_request_one_cannot_read_answers_404():
    mesh = Mesh()
    request = submit(mesh)

    assert api(mesh.consumer).post(f"{REQUESTS}{request.pk}/approve/").status_code == 404
    assert api(mesh.other_owner).post(f"{REQUESTS}{request.pk}/approve/").status_code == 404
    assert request.steps.get().status == "pending"


@pytest.mark.parametrize("ending", ["approved", "rejected", "withdrawn"])
def test_approving_a_decided_request_answers_409(ending):
    mesh = Mesh()
    request = submit(mesh)
    if ending == "approved":
        services.approve_step(step(request), by=mesh.admin)
    elif ending == "rejected":
        services.reject_step(step(request), by=mesh.admin, comment="No")
    else:
        services.withdraw_request(request, by=mesh.requester)

    response = api(mesh.owner).post(f"{REQUESTS}{request.pk}/approve/")

    assert response.status_code == 409
    assert response.json() == {"detail": [f"This request is {ending} already."]}


# --- rejecting -------------------------------------------------------------------------


def test_owner_rejects_with_a_comment_and_the_other_steps_are_cancelled():
    mesh = Mesh(classification="confidential")
    request = submit(mesh)

    response = api(mesh.owner).post(f"{REQUESTS}{request.pk}/reject/", {"comment": "Use the aggregate instead"}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "rejected"
    assert body["grant"] is None
    assert [(s["role"], s["status"], s["comment"]) for s in body["steps"]] == [
        ("owner", "rejected", "Use the aggregate instead"),
        ("steward", "cancelled", ""),
    ]


@pytest.mark.parametrize("body", [{}, {"comment": ""}, {"comment": "   "}])
def test_rejecting_without_a_comment_answers_400_naming_comment(body):
    mesh = Mesh()
    request = submit(mesh)

    response = api(mesh.owner).post(f"{REQUESTS}{request.pk}/reject/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["comment"]
    assert request.steps.get().status == "pending"


def test_requester_cannot_reject_own_request():
    mesh = Mesh()
    request = submit(mesh)

    response = api(mesh.requester).post(f"{REQUESTS}{request.pk}/reject/", {"comment": "Changed my mind"}, format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": ["You cannot decide on your own request."]}


def test_rejecting_a_request_one_cannot_read_answers_404():
    mesh = Mesh()
    request = submit(mesh)

    response = api(mesh.consumer).post(f"{REQUESTS}{request.pk}/reject/", {"comment": "No"}, format="json")

    assert response.status_code == 404


def test_rejecting_a_rejected_request_answers_409():
    mesh = Mesh()
    request = submit(mesh)
    services.reject_step(step(request), by=mesh.owner, comment="No")

    response = api(mesh.admin).post(f"{REQUESTS}{request.pk}/reject/", {"comment": "Still no"}, format="json")

    assert response.status_code == 409
    assert response.json() == {"detail": ["This request is rejected already."]}


# --- withdrawing ---------------------------------------------------------------------------


def test_requester_withdraws_a_pending_request():
    mesh = Mesh(classification="confidential")
    request = submit(mesh)

    response = api(mesh.requester).post(f"{REQUESTS}{request.pk}/withdraw/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "withdrawn"
    assert [s["status"] for s in body["steps"]] == ["cancelled", "cancelled"]


def test_withdrawing_twice_answers_409():
    mesh = Mesh()
    request = submit(mesh)
    services.withdraw_request(request, by=mesh.requester)

    response = api(mesh.requester).post(f"{REQUESTS}{request.pk}/withdraw/")

    assert response.status_code == 409
    assert response.json() == {"detail": ["This request is withdrawn already."]}


def test_only_the_requester_may_withdraw():
    mesh = Mesh()
    request = submit(mesh)

    response = api(mesh.owner).post(f"{REQUESTS}{request.pk}/withdraw/")

    assert response.status_code == 403
    assert response.json() == {"detail": ["Only the person who made a request may withdraw it."]}
    assert api(mesh.consumer).post(f"{REQUESTS}{request.pk}/withdraw/").status_code == 404
    request.refresh_from_db()
    assert request.status == "pending"


# --- grants ------------------------------------------------------------------------------------


def test_grant_json_carries_who_what_and_until_when():
    mesh = Mesh()
    grant = granted(mesh, port=mesh.product.output_ports.get())

    body = api(mesh.requester).get(f"{GRANTS}{grant.pk}/").json()

    assert body["id"] == grant.pk
    assert body["user"] == mesh.requester.username
    assert body["product"] == mesh.product.slug
    assert body["output_port"] == "daily"
    assert body["access"] == "read"
    assert body["request"] == grant.request_id
    assert body["state"] == "live"
    assert body["starts_at"] and body["ends_at"]
    assert (body["revoked_at"], body["revoked_by"], body["revoke_reason"], body["expired_at"]) == (None, None, "", None)


def test_grant_list_shows_own_grants_and_the_teams_products_grants():
    mesh = Mesh()
    elsewhere = Mesh()
    mine = granted(mesh)
    theirs = granted(elsewhere)

    assert ids(api(mesh.requester).get(GRANTS)) == [mine.pk]
    assert ids(api(mesh.consumer).get(GRANTS)) == []
    assert ids(api(mesh.owner).get(GRANTS)) == [mine.pk]
    assert ids(api(elsewhere.owner).get(GRANTS)) == [theirs.pk]
    assert ids(api(mesh.steward).get(GRANTS)) == sorted([mine.pk, theirs.pk])


def test_grant_list_filters_by_product_and_state():
    mesh = Mesh()
    elsewhere = Mesh()
    live = granted(mesh)
    ended = granted(elsewhere, by=mesh.requester)
    services.revoke_grant(ended, by=elsewhere.owner, reason="Project over")
    client = api(mesh.requester)

    assert ids(client.get(GRANTS, {"product": mesh.product.slug})) == [live.pk]
    assert ids(client.get(GRANTS, {"state": "live"})) == [live.pk]
    assert ids(client.get(GRANTS, {"state": "ended"})) == [ended.pk]
    assert ids(client.get(GRANTS, {"product": "no-such-product"})) == []


def test_grant_past_its_end_counts_as_ended_before_the_expiry_task_runs():
    mesh = Mesh()
    grant = granted(mesh)
    client = api(mesh.requester)
    Grant.objects.filter(pk=grant.pk).update(starts_at=timezone.now() - timedelta(days=40), ends_at=timezone.now() - timedelta(days=10))

    assert ids(client.get(GRANTS, {"state": "ended"})) == [grant.pk]
    assert ids(client.get(GRANTS, {"state": "live"})) == []
    assert client.get(f"{GRANTS}{grant.pk}/").json()["state"] == "expired"


@pytest.mark.parametrize("query", [{"state": "revoked-ish"}, {"user": "someone"}])
def test_bad_grant_filter_answers_400_naming_it(query):
    mesh = Mesh()

    response = api(mesh.requester).get(GRANTS, query)

    assert response.status_code == 400
    assert list(response.json()) == list(query)


def test_another_users_grant_answers_404():
    mesh = Mesh()
    grant = granted(mesh)

    assert api(mesh.consumer).get(f"{GRANTS}{grant.pk}/").status_code == 404
    assert api(mesh.other_owner).get(f"{GRANTS}{grant.pk}/").status_code == 404


def test_owner_revokes_a_grant_with_a_reason():
    mesh = Mesh()
    grant = granted(mesh)

    response = api(mesh.owner).post(f"{GRANTS}{grant.pk}/revoke/", {"reason": "Project over"}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "revoked"
    assert body["revoked_by"] == mesh.owner.username
    assert body["revoke_reason"] == "Project over"
    assert body["revoked_at"]
    assert queries.has_live_grant(mesh.requester, mesh.product) is False


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "  "}])
def test_revoking_without_a_reason_answers_400_naming_reason(body):
    mesh = Mesh()
    grant = granted(mesh)

    response = api(mesh.owner).post(f"{GRANTS}{grant.pk}/revoke/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["reason"]


def test_revoking_twice_answers_409():
    mesh = Mesh()
    grant = granted(mesh)
    services.revoke_grant(grant, by=mesh.owner, reason="Project over")

    response = api(mesh.admin).post(f"{GRANTS}{grant.pk}/revoke/", {"reason": "Again"}, format="json")

    assert response.status_code == 409
    assert response.json() == {"detail": ["This grant has been revoked already."]}


def test_grantee_and_steward_may_not_revoke():
    mesh = Mesh()
    grant = granted(mesh)

    for user in (mesh.requester, mesh.steward, mesh.developer):
        response = api(user).post(f"{GRANTS}{grant.pk}/revoke/", {"reason": "Mine"}, format="json")
        assert response.status_code == 403, user
        assert response.json() == {"detail": ["Only an owner of the product's team or an admin may revoke its grants."]}


def test_revoking_a_grant_one_cannot_read_answers_404():
    mesh = Mesh()
    grant = granted(mesh)

    response = api(mesh.other_owner).post(f"{GRANTS}{grant.pk}/revoke/", {"reason": "Mine"}, format="json")

    assert response.status_code == 404


# --- audit trail ------------------------------------------------------------------------------


def test_audit_event_json_carries_the_chain():
    mesh = Mesh()
    request = submit(mesh)
    event = AuditEvent.objects.get(action="request.submitted")

    body = api(mesh.steward).get(f"{AUDIT}{event.sequence}/").json()

    assert body == {
        "sequence": event.sequence,
        "occurred_at": body["occurred_at"],
        "actor": mesh.requester.username,
        "action": "request.submitted",
        "object_type": event.object_type,
        "object_id": str(request.pk),
        "product": mesh.product.slug,
        "payload": event.payload,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }
    assert body["occurred_at"]


def test_audit_list_is_newest_first_and_chained():
    mesh = Mesh()
    services.approve_step(step(submit(mesh)), by=mesh.owner)

    events = api(mesh.admin).get(AUDIT).json()["results"]

    sequences = [event["sequence"] for event in events]
    assert sequences == sorted(sequences, reverse=True)
    for newer, older in zip(events, events[1:]):
        assert newer["prev_hash"] == older["hash"]


def test_owner_reads_only_their_products_events():
    mesh = Mesh()
    elsewhere = Mesh()
    submit(elsewhere, by=elsewhere.requester)
    submit(mesh)

    products = {event["product"] for event in api(mesh.owner).get(AUDIT).json()["results"]}

    assert products == {mesh.product.slug}
    other_event = AuditEvent.objects.get(product=elsewhere.product)
    assert api(mesh.owner).get(f"{AUDIT}{other_event.sequence}/").status_code == 404


def test_steward_and_admin_read_the_whole_trail():
    mesh = Mesh()
    elsewhere = Mesh()
    submit(elsewhere, by=elsewhere.requester)
    submit(mesh)

    for user in (mesh.steward, mesh.admin):
        products = {event["product"] for event in api(user).get(AUDIT).json()["results"]}
        assert products == {mesh.product.slug, elsewhere.product.slug}


@pytest.mark.parametrize("who", ["requester", "consumer", "developer"])
def test_audit_trail_is_refused_to_people_who_own_nothing(who):
    mesh = Mesh()
    submit(mesh)
    user = getattr(mesh, who)

    response = api(user).get(AUDIT)

    assert response.status_code == 403
    assert response.json() == {"detail": "Only product owners, governance stewards and admins read the audit trail."}
    event = AuditEvent.objects.get()
    assert api(user).get(f"{AUDIT}{event.sequence}/").status_code == 403


def test_audit_filters_by_action_product_actor_and_time():
    mesh = Mesh()
    elsewhere = Mesh()
    submit(elsewhere, by=elsewhere.requester)
    request = submit(mesh)
    services.approve_step(step(request), by=mesh.owner)
    client = api(mesh.admin)

    def actions(query):
        response = client.get(AUDIT, query)
        assert response.status_code == 200, response.content
        return sorted(event["action"] for event in response.json()["results"])

    assert actions({"action": "step.approved"}) == ["step.approved"]
    assert actions({"product": elsewhere.product.slug}) == ["request.submitted"]
    assert actions({"actor": mesh.owner.username}) == ["grant.created", "request.approved", "step.approved"]
    assert actions({"actor": mesh.requester.username, "product": mesh.product.slug}) == ["request.submitted"]
    later = (timezone.now() + timedelta(minutes=5)).isoformat()
    earlier = (timezone.now() - timedelta(minutes=5)).isoformat()
    assert actions({"since": later}) == []
    assert len(actions({"since": earlier, "until": later})) == AuditEvent.objects.count()
    assert actions({"until": earlier}) == []


@pytest.mark.parametrize("query", [{"since": "yesterday"}, {"until": "2026-13-45"}, {"who": "alice"}])
def test_bad_audit_filter_answers_400_naming_it(query):
    mesh = Mesh()

    response = api(mesh.admin).get(AUDIT, query)

    assert response.status_code == 400
    assert list(response.json()) == list(query)


def test_audit_trail_is_read_only():
    mesh = Mesh()
    submit(mesh)
    event = AuditEvent.objects.get()
    client = api(mesh.admin)

    assert client.post(AUDIT, {"action": "forged"}, format="json").status_code == 405
    assert client.put(f"{AUDIT}{event.sequence}/", {"action": "forged"}, format="json").status_code == 405
    assert client.patch(f"{AUDIT}{event.sequence}/", {"action": "forged"}, format="json").status_code == 405
    assert client.delete(f"{AUDIT}{event.sequence}/").status_code == 405


def test_grants_cannot_be_written_directly():
    mesh = Mesh()
    grant = granted(mesh)
    client = api(mesh.admin)

    assert client.post(GRANTS, {"user": mesh.consumer.username}, format="json").status_code == 405
    assert client.delete(f"{GRANTS}{grant.pk}/").status_code == 405
    assert client.delete(f"{REQUESTS}{grant.request_id}/").status_code == 405


# --- plumbing ------------------------------------------------------------------------------------


def test_lists_take_the_same_number_of_queries_for_few_and_many_rows():
    meshes = [Mesh(classification="confidential") for _ in range(4)]
    steward = meshes[0].steward
    client = api(steward)

    def query_count(url) -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    granted(meshes[0])
    submit(meshes[1])
    few = [query_count(f"{REQUESTS}?scope=visible"), query_count(GRANTS), query_count(AUDIT)]
    for mesh in meshes[2:]:
        granted(mesh)
        submit(mesh, by=mesh.consumer)

    assert [query_count(f"{REQUESTS}?scope=visible"), query_count(GRANTS), query_count(AUDIT)] == few


def test_anonymous_users_are_refused_by_every_endpoint():
    mesh = Mesh()
    grant = granted(mesh)
    client = api()

    for method, url in [
        ("get", REQUESTS),
        ("post", REQUESTS),
        ("get", f"{REQUESTS}{grant.request_id}/"),
        ("post", f"{REQUESTS}{grant.request_id}/approve/"),
        ("get", GRANTS),
        ("post", f"{GRANTS}{grant.pk}/revoke/"),
        ("get", AUDIT),
    ]:
        assert getattr(client, method)(url).status_code == 401, (method, url)


def test_token_authenticated_machine_can_request_access():
    from rest_framework.authtoken.models import Token

    mesh = Mesh()
    token = Token.objects.create(user=mesh.requester)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = client.post(REQUESTS, {"product": mesh.product.slug, "purpose": PURPOSE, "duration_days": 30}, format="json")

    assert response.status_code == 201


def test_openapi_schema_describes_the_access_endpoints():
    response = api(UserFactory()).get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/access-requests/",
        "/api/v1/access-requests/{id}/",
        "/api/v1/access-requests/{id}/approve/",
        "/api/v1/access-requests/{id}/reject/",
        "/api/v1/access-requests/{id}/withdraw/",
        "/api/v1/grants/",
        "/api/v1/grants/{id}/",
        "/api/v1/grants/{id}/revoke/",
        "/api/v1/audit-events/",
        "/api/v1/audit-events/{sequence}/",
    ]:
        assert path in paths, path
