"""The authorization matrix of the access request flow: every role × every
page and API endpoint, asserting the exact status code. One test per cell.

The product is confidential, so a request has both an owner step and a
steward step. Each cell builds its own mesh and the state its endpoint
needs (a pending request, a withdrawn one, a live grant), then asks as one
role:

- anonymous: nobody signed in;
- requester: made the request / holds the grant;
- consumer: another signed-in user, with nothing to do with it;
- owner: owner of the product's owning team;
- other_owner: owner of another team;
- steward: member of the stewards group;
- admin: a superuser.

Pages: anonymous users are sent to the sign-in page. API: an anonymous
caller gets 401 with a WWW-Authenticate challenge (the token class comes
first, marketplace/authentication.py)."""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from access_requests import services
from access_requests.models import ApprovalStep
from audit.models import AuditEvent
from catalog import services as catalog_services
from notifications.models import Notification
from tests.factories import Mesh, submit

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "requester", "consumer", "owner", "other_owner", "steward", "admin"]
SIGNED_IN = ROLES[1:]
PURPOSE = "Weekly churn analysis for the board."


# --- the states an endpoint is asked about ------------------------------------------


def pending_request(mesh: Mesh):
    return submit(mesh)


def withdrawn_request(mesh: Mesh):
    return services.withdraw_request(submit(mesh), by=mesh.requester)


def step_of(request, role: str) -> ApprovalStep:
    return request.steps.get(role=role)


def live_grant(mesh: Mesh):
    request = submit(mesh)
    services.approve_step(step_of(request, "owner"), by=mesh.owner)
    services.approve_step(step_of(request, "steward"), by=mesh.steward)
    request.refresh_from_db()
    return request.grant


def audit_event(mesh: Mesh) -> AuditEvent:
    return AuditEvent.objects.get(action="request.submitted", object_id=str(submit(mesh).pk))


def owners_notification(mesh: Mesh) -> Notification:
    submit(mesh)
    return Notification.objects.filter(recipient=mesh.owner).latest("pk")


def page(name: str, *args) -> str:
    """A page's URL from its name, "app:name" (access_requests' by default)."""
    return reverse(name if ":" in name else f"access_requests:{name}", args=args)


# --- the matrix ----------------------------------------------------------------------------


@dataclass
class Endpoint:
    name: str
    kind: str  # "api" or "page"
    method: str
    url: Callable[[Mesh], str]  # builds the state the endpoint is asked about, answers its URL
    expected: dict[str, int]  # signed-in role → status code
    data: dict | Callable[[Mesh], dict] = field(default_factory=dict)
    route: str = ""  # a page's URL name, "app:name" outside access_requests/urls.py

    def __post_init__(self):
        assert sorted(self.expected) == sorted(SIGNED_IN), self.name


def given(arrange: Callable[[Mesh], Any], url: Callable[[Any], str]) -> Callable[[Mesh], str]:
    """Build the state with `arrange(mesh)`, then the URL from what it made."""
    return lambda mesh: url(arrange(mesh))


def nothing(mesh: Mesh) -> Mesh:
    return mesh


def everyone(code: int) -> dict[str, int]:
    return dict.fromkeys(SIGNED_IN, code)


def codes(*, requester, consumer, owner, other_owner, steward, admin) -> dict[str, int]:
    return dict(requester=requester, consumer=consumer, owner=owner, other_owner=other_owner, steward=steward, admin=admin)


def api(name, method, url, expected, data=None) -> Endpoint:
    return Endpoint(f"api-{name}", "api", method, url, expected, data or {})


def view(name, route, method, url, expected, data=None) -> Endpoint:
    return Endpoint(f"page-{name}", "page", method, url, expected, data or {}, route=route)


REQUESTS = "/api/v1/access-requests/"
GRANTS = "/api/v1/grants/"
AUDIT = "/api/v1/audit-events/"
NEW_REQUEST = {"purpose": PURPOSE, "duration_days": 30}


def new_request(mesh: Mesh) -> dict:
    return {"product": mesh.product.slug, **NEW_REQUEST}


# What the people deciding may do, and what everyone else is told.
DECIDERS = codes(requester=403, consumer=404, owner=200, other_owner=404, steward=200, admin=200)
READERS = codes(requester=200, consumer=404, owner=200, other_owner=404, steward=200, admin=200)

ENDPOINTS = [
    # --- API: access requests
    api("requests-list", "get", given(pending_request, lambda _: REQUESTS), everyone(200)),
    api("requests-list-awaiting-me", "get", given(pending_request, lambda _: f"{REQUESTS}?scope=awaiting-me"), everyone(200)),
    api("requests-list-visible", "get", given(pending_request, lambda _: f"{REQUESTS}?scope=visible"), everyone(200)),
    api("requests-create", "post", given(nothing, lambda _: REQUESTS), everyone(201), new_request),
    api(
        "requests-create-while-open",
        "post",
        given(pending_request, lambda _: REQUESTS),
        codes(requester=409, consumer=201, owner=201, other_owner=201, steward=201, admin=201),
        new_request,
    ),
    api("requests-retrieve", "get", given(pending_request, lambda request: f"{REQUESTS}{request.pk}/"), READERS),
    api(
        "requests-approve",
        "post",
        given(pending_request, lambda request: f"{REQUESTS}{request.pk}/approve/"),
        DECIDERS,
        {"comment": "Fine"},
    ),
    api(
        "requests-approve-withdrawn",
        "post",
        given(withdrawn_request, lambda request: f"{REQUESTS}{request.pk}/approve/"),
        codes(requester=403, consumer=404, owner=409, other_owner=404, steward=409, admin=409),
    ),
    api(
        "requests-reject",
        "post",
        given(pending_request, lambda request: f"{REQUESTS}{request.pk}/reject/"),
        DECIDERS,
        {"comment": "Use the aggregate instead"},
    ),
    api(
        "requests-reject-without-comment",
        "post",
        given(pending_request, lambda request: f"{REQUESTS}{request.pk}/reject/"),
        codes(requester=403, consumer=404, owner=400, other_owner=404, steward=400, admin=400),
    ),
    api(
        "requests-withdraw",
        "post",
        given(pending_request, lambda request: f"{REQUESTS}{request.pk}/withdraw/"),
        codes(requester=200, consumer=404, owner=403, other_owner=404, steward=403, admin=403),
    ),
    api(
        "requests-withdraw-withdrawn",
        "post",
        given(withdrawn_request, lambda request: f"{REQUESTS}{request.pk}/withdraw/"),
        codes(requester=409, consumer=404, owner=403, other_owner=404, steward=403, admin=403),
    ),
    # --- API: grants
    api("grants-list", "get", given(live_grant, lambda _: GRANTS), everyone(200)),
    api("grants-retrieve", "get", given(live_grant, lambda grant: f"{GRANTS}{grant.pk}/"), READERS),
    api(
        "grants-revoke",
        "post",
        given(live_grant, lambda grant: f"{GRANTS}{grant.pk}/revoke/"),
        codes(requester=403, consumer=404, owner=200, other_owner=404, steward=403, admin=200),
        {"reason": "Project over"},
    ),
    # --- API: audit trail
    api(
        "audit-list",
        "get",
        given(pending_request, lambda _: AUDIT),
        codes(requester=403, consumer=403, owner=200, other_owner=200, steward=200, admin=200),
    ),
    api(
        "audit-retrieve",
        "get",
        given(audit_event, lambda event: f"{AUDIT}{event.sequence}/"),
        codes(requester=403, consumer=403, owner=200, other_owner=404, steward=200, admin=200),
    ),
    # --- pages
    view("my-access", "my-access", "get", given(pending_request, lambda _: page("my-access")), everyone(200)),
    view("request", "request", "get", given(pending_request, lambda request: page("request", request.pk)), READERS),
    view(
        "withdraw",
        "withdraw",
        "post",
        given(pending_request, lambda request: page("withdraw", request.pk)),
        codes(requester=302, consumer=404, owner=403, other_owner=404, steward=403, admin=403),
    ),
    view(
        "withdraw-withdrawn",
        "withdraw",
        "post",
        given(withdrawn_request, lambda request: page("withdraw", request.pk)),
        codes(requester=409, consumer=404, owner=403, other_owner=404, steward=403, admin=403),
    ),
    view("inbox", "inbox", "get", given(pending_request, lambda _: page("inbox")), everyone(200)),
    view(
        "approve-owner-step",
        "approve",
        "post",
        given(pending_request, lambda request: page("approve", step_of(request, "owner").pk)),
        codes(requester=403, consumer=404, owner=302, other_owner=404, steward=403, admin=302),
        {"comment": "Fine"},
    ),
    view(
        "approve-steward-step",
        "approve",
        "post",
        given(pending_request, lambda request: page("approve", step_of(request, "steward").pk)),
        codes(requester=403, consumer=404, owner=403, other_owner=404, steward=302, admin=302),
    ),
    view(
        "approve-withdrawn",
        "approve",
        "post",
        given(withdrawn_request, lambda request: page("approve", step_of(request, "owner").pk)),
        codes(requester=403, consumer=404, owner=409, other_owner=404, steward=403, admin=409),
    ),
    view(
        "reject-owner-step",
        "reject",
        "post",
        given(pending_request, lambda request: page("reject", step_of(request, "owner").pk)),
        codes(requester=403, consumer=404, owner=302, other_owner=404, steward=403, admin=302),
        {"comment": "Use the aggregate instead"},
    ),
    view(
        "reject-steward-step",
        "reject",
        "post",
        given(pending_request, lambda request: page("reject", step_of(request, "steward").pk)),
        codes(requester=403, consumer=404, owner=403, other_owner=404, steward=302, admin=302),
        {"comment": "Not without a data protection assessment"},
    ),
    view(
        "reject-without-comment",
        "reject",
        "post",
        given(pending_request, lambda request: page("reject", step_of(request, "owner").pk)),
        codes(requester=403, consumer=404, owner=400, other_owner=404, steward=403, admin=400),
    ),
    view(
        "revoke",
        "revoke",
        "post",
        given(live_grant, lambda grant: page("revoke", grant.pk)),
        codes(requester=403, consumer=404, owner=302, other_owner=404, steward=403, admin=302),
        {"reason": "Project over"},
    ),
    # The request form: every signed-in user may ask (a team member is approved at once).
    view(
        "request-access-form",
        "request-access",
        "get",
        given(nothing, lambda mesh: page("request-access", mesh.product.slug)),
        everyone(200),
    ),
    view(
        "request-access-submit",
        "request-access",
        "post",
        given(nothing, lambda mesh: page("request-access", mesh.product.slug)),
        everyone(302),
        {**NEW_REQUEST, "access": "read"},
    ),
    view(
        "consumers",
        "consumers",
        "get",
        given(live_grant, lambda grant: page("consumers", grant.product.slug)),
        codes(requester=403, consumer=403, owner=200, other_owner=403, steward=200, admin=200),
    ),
    view(
        "audit",
        "audit",
        "get",
        given(pending_request, lambda _: page("audit")),
        codes(requester=403, consumer=403, owner=200, other_owner=200, steward=200, admin=200),
    ),
    view("notifications", "notifications:list", "get", given(pending_request, lambda _: page("notifications:list")), everyone(200)),
    # Marking one's notifications read redirects back to them.
    view("notifications-read", "notifications:read", "post", given(pending_request, lambda _: page("notifications:read")), everyone(302)),
    # Opening a notification (marking it read, then following it) is for its recipient alone.
    view(
        "notification-open",
        "notifications:open",
        "post",
        given(owners_notification, lambda notification: page("notifications:open", notification.pk)),
        codes(requester=404, consumer=404, owner=302, other_owner=404, steward=404, admin=404),
    ),
]


def cells():
    for endpoint in ENDPOINTS:
        for role in ROLES:
            yield pytest.param(endpoint, role, id=f"{endpoint.name}-{role}")


def test_the_matrix_covers_every_page_of_the_flow():
    from access_requests import urls
    from notifications import urls as notification_urls

    assert len({endpoint.name for endpoint in ENDPOINTS}) == len(ENDPOINTS)
    routes = {pattern.name for pattern in urls.urlpatterns} | {f"notifications:{pattern.name}" for pattern in notification_urls.urlpatterns}
    assert routes == {endpoint.route for endpoint in ENDPOINTS if endpoint.kind == "page"}


@pytest.mark.parametrize("endpoint, role", list(cells()))
def test_authorization_matrix(endpoint: Endpoint, role: str):
    mesh = Mesh(classification="confidential")
    url = endpoint.url(mesh)
    user = None if role == "anonymous" else getattr(mesh, role)
    data = endpoint.data(mesh) if callable(endpoint.data) else endpoint.data

    if endpoint.kind == "api":
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        response = getattr(client, endpoint.method)(url, data, format="json")
    else:
        client = Client()
        if user is not None:
            client.force_login(user)
        response = getattr(client, endpoint.method)(url, data)

    if role == "anonymous":
        if endpoint.kind == "api":
            assert response.status_code == 401
            assert response["WWW-Authenticate"] == 'Token realm="api", Bearer realm="api"'
        else:
            assert response.status_code == 302
            assert response["Location"].startswith(f"{reverse('login')}?next=")
        return
    assert response.status_code == endpoint.expected[role], getattr(response, "content", b"")[:300]


# --- port locations in search ---------------------------------------------------------
#
# The product's ports: `daily` at LOCATION, `weekly` elsewhere. The requester
# holds a grant for `weekly` only. Nobody here but the owning team and admins
# may use `daily`: none of them finds the product by its location, whole or in
# part, nor reads any part of it in an answer (API, page, suggestions).

LOCATION = "bigquery://vaultproject/ledgers.quarterly_tallies"
LOCATION_PARTS = ["vaultproject", "ledgers", "quarterly_tallies"]


def searched_for(role: str, mesh: Mesh, text: str) -> list[tuple[int, str]]:
    """(status, body) of the search API, the search page and both suggestion endpoints, asked as `role`."""
    user = None if role == "anonymous" else getattr(mesh, role)
    api, page = APIClient(), Client()
    if user is not None:
        api.force_authenticate(user)
        page.force_login(user)
    answers = [api.get(url, {"q": text}) for url in ("/api/v1/search/", "/api/v1/search/suggest/")]
    answers += [page.get(url, {"q": text}) for url in ("/search/", "/search/suggest/")]
    return [(response.status_code, response.content.decode()) for response in answers]


@pytest.mark.parametrize("role", ["anonymous", "consumer", "other_owner", "steward", "requester"])
def test_searching_for_a_ports_location_finds_nothing_and_shows_no_part_of_it(role, django_capture_on_commit_callbacks):
    from tests.factories import port

    with django_capture_on_commit_callbacks(execute=True):
        mesh = Mesh(classification="confidential")
        catalog_services.set_output_ports(
            mesh.product,
            ports=[port("daily", location=LOCATION), port("weekly", location="s3://lake/weekly/")],
            confirm_breaking=True,
        )
        grant = live_grant_for(mesh, port=mesh.product.output_ports.get(name="weekly"))

    assert grant.port.name == "weekly"
    for text in [LOCATION, *LOCATION_PARTS, "vaultproject ledgers"]:
        answers = searched_for(role, mesh, text)
        api_status, api_body = answers[0]
        if role == "anonymous":
            assert api_status == 401
        else:
            assert (api_status, json.loads(api_body)["count"]) == (200, 0)
        shown = [body.replace(f'value="{text}"', "") for _, body in answers]
        assert [part for part in LOCATION_PARTS if any(part in body.replace(text, "") for body in shown)] == []


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_the_owning_team_and_admins_find_the_product_by_its_location_without_seeing_it_in_the_answer(
    role, django_capture_on_commit_callbacks
):
    from tests.factories import port

    with django_capture_on_commit_callbacks(execute=True):
        mesh = Mesh(classification="confidential")
        catalog_services.set_output_ports(mesh.product, ports=[port("daily", location=LOCATION)], confirm_breaking=True)

    (status, body), *_ = searched_for(role, mesh, "vaultproject")

    assert (status, [hit["slug"] for hit in json.loads(body)["results"]]) == (200, [mesh.product.slug])
    assert "vaultproject" not in body.replace("q=vaultproject", "")


def live_grant_for(mesh: Mesh, *, port):
    request = submit(mesh, port=port)
    services.approve_step(step_of(request, "owner"), by=mesh.owner)
    services.approve_step(step_of(request, "steward"), by=mesh.steward)
    request.refresh_from_db()
    return request.grant
