"""The pages of the access request flow: each page's happy path and its
permission cases, the inline (htmx) decisions and the refusals' messages."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from access_requests import services
from access_requests.models import AccessRequest, ApprovalStep, Grant
from audit.models import AuditEvent
from catalog.models import DataProduct
from notifications.models import Notification
from tests.factories import Mesh, ProductFactory, submit

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def as_user(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def owner_step(request) -> ApprovalStep:
    return request.steps.get(role=ApprovalStep.Role.OWNER)


def approved(mesh, **kwargs) -> Grant:
    request = submit(mesh, **kwargs)
    for step in request.steps.all():
        services.approve_step(step, by=mesh.owner if step.role == "owner" else mesh.steward)
    return Grant.objects.get(request=request)


# --- anonymous users ----------------------------------------------------------


@pytest.mark.parametrize(
    "name, args",
    [
        ("my-access", []),
        ("inbox", []),
        ("audit", []),
        ("notifications:list", []),
        ("request", [1]),
    ],
)
def test_anonymous_users_are_sent_to_sign_in(client, name, args):
    url = reverse(name if ":" in name else f"access_requests:{name}", args=args)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("name", ["request-access", "consumers"])
def test_anonymous_users_are_sent_to_sign_in_from_product_pages(client, name):
    product = ProductFactory()

    response = client.get(reverse(f"access_requests:{name}", args=[product.slug]))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", ["approve", "reject", "withdraw", "revoke"])
def test_anonymous_posts_change_nothing_and_are_sent_to_sign_in(client, name):
    mesh = Mesh()
    request = submit(mesh)

    response = client.post(reverse(f"access_requests:{name}", args=[owner_step(request).pk]), {"comment": "x", "reason": "x"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert AccessRequest.objects.get().status == AccessRequest.Status.PENDING


def test_anonymous_post_to_mark_notifications_read_is_sent_to_sign_in(client):
    assert client.post(reverse("notifications:read"))["Location"].startswith("/accounts/login/")


# --- requesting -------------------------------------------------------------------


def test_request_form_shows_classification_approvals_and_the_policy_bound(as_user):
    mesh = Mesh(classification="confidential")

    response = as_user(mesh.requester).get(reverse("access_requests:request-access", args=[mesh.product.slug]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Confidential" in html
    assert "Product owner" in html and "Governance steward" in html
    assert "At most 180 days" in html
    assert response.context["form"]["duration_days"].value() == 90
    assert "daily" in html  # the output port choice


def test_default_duration_is_the_policy_maximum_when_shorter_than_90_days(as_user):
    mesh = Mesh(classification="internal")
    services.Policy.objects.filter(applies_to="internal").update(max_duration_days=30)

    response = as_user(mesh.requester).get(reverse("access_requests:request-access", args=[mesh.product.slug]))

    assert response.context["form"]["duration_days"].value() == 30


def test_submitting_the_request_form_creates_the_request_and_shows_it(as_user):
    mesh = Mesh(classification="confidential")
    port = mesh.product.output_ports.get()
    client = as_user(mesh.requester)

    response = client.post(
        reverse("access_requests:request-access", args=[mesh.product.slug]),
        {"purpose": "Churn analysis for the quarterly board.", "duration_days": "60", "output_port": port.pk, "access": "read-masked"},
    )

    request = AccessRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == request.get_absolute_url()
    assert (request.requester, request.port, request.duration_days, request.access) == (mesh.requester, port, 60, "read-masked")
    assert flashed(response) == [f"Your request for {mesh.product.name} is sent. Its approvers have been told."]
    page = client.get(request.get_absolute_url()).content.decode()
    assert "Churn analysis for the quarterly board." in page
    assert "Withdraw request" in page


def test_a_team_member_is_approved_at_once(as_user):
    mesh = Mesh()

    response = as_user(mesh.developer).post(
        reverse("access_requests:request-access", args=[mesh.product.slug]),
        {"purpose": "Debugging our own pipeline.", "duration_days": "7", "access": "read"},
    )

    assert AccessRequest.objects.get().status == AccessRequest.Status.APPROVED
    assert "approved at once" in flashed(response)[0]


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"purpose": "too short", "duration_days": "30"}, "purpose", "at least 10 characters"),
        ({"purpose": "", "duration_days": "30"}, "purpose", "Say what you will use the data for."),
        ({"purpose": "Churn analysis for the board.", "duration_days": "400"}, "duration_days", "between 1 and 365 days"),
        ({"purpose": "Churn analysis for the board.", "duration_days": "0"}, "duration_days", "greater than or equal to 1"),
    ],
)
def test_request_form_shows_refused_input_on_its_field(as_user, data, field, message):
    mesh = Mesh()

    response = as_user(mesh.requester).post(reverse("access_requests:request-access", args=[mesh.product.slug]), {"access": "read", **data})

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert AccessRequest.objects.count() == 0


def test_a_second_open_request_is_refused_with_a_message(as_user):
    mesh = Mesh()
    submit(mesh)

    response = as_user(mesh.requester).post(
        reverse("access_requests:request-access", args=[mesh.product.slug]),
        {"purpose": "Another churn analysis.", "duration_days": "30", "access": "read"},
    )

    assert response.status_code == 302
    assert response["Location"] == mesh.product.get_absolute_url()
    assert flashed(response) == [f"You already have an open request for {mesh.product.name}; withdraw it to ask again."]
    assert AccessRequest.objects.count() == 1


def test_request_form_says_so_when_one_already_has_access(as_user):
    mesh = Mesh()
    approved(mesh)

    response = as_user(mesh.requester).get(reverse("access_requests:request-access", args=[mesh.product.slug]))

    assert "You already have access to" in response.content.decode()
    assert "Send request" not in response.content.decode()


def test_request_form_for_a_product_one_may_not_see_is_not_found(as_user):
    mesh = Mesh(status=DataProduct.Status.DRAFT)

    assert as_user(mesh.requester).get(reverse("access_requests:request-access", args=[mesh.product.slug])).status_code == 404


# --- my access and the request page --------------------------------------------------


def test_my_access_shows_requests_with_their_timeline_and_live_grants(as_user):
    mesh = Mesh()
    grant = approved(mesh, purpose="Board churn analysis, quarterly.")
    other = Mesh()
    submit(other, by=mesh.requester, purpose="Pending request for another product.")
    submit(other, purpose="Someone else's request, not mine.")

    response = as_user(mesh.requester).get(reverse("access_requests:my-access"))

    html = response.content.decode()
    assert response.status_code == 200
    assert list(response.context["grants"]) == [grant]
    assert [r.purpose for r in response.context["page"]] == ["Pending request for another product.", "Board churn analysis, quarterly."]
    assert "Someone else&#x27;s request" not in html
    assert f"approved by {mesh.owner.username}" in html
    assert "awaiting a decision" in html
    assert f"{grant.ends_at:%-d %b %Y}" in html


def test_my_access_says_when_there_is_nothing_yet(as_user):
    mesh = Mesh()

    html = as_user(mesh.consumer).get(reverse("access_requests:my-access")).content.decode()

    assert "You have no access to any data product yet." in html
    assert "You have not requested access to anything yet." in html


@pytest.mark.parametrize(
    "who, status",
    [
        ("requester", 200),
        ("owner", 200),
        ("developer", 200),
        ("steward", 200),
        ("admin", 200),
        ("consumer", 404),
        ("other_owner", 404),
    ],
)
def test_request_page_is_visible_to_those_who_may_read_the_request(as_user, who, status):
    mesh = Mesh()
    request = submit(mesh)

    assert as_user(getattr(mesh, who)).get(request.get_absolute_url()).status_code == status


def test_request_page_offers_the_decision_to_an_approver_but_not_to_the_requester(as_user, client):
    mesh = Mesh()
    request = submit(mesh)

    owner_page = as_user(mesh.owner).get(request.get_absolute_url())
    assert [step.pk for step in owner_page.context["decidable_steps"]] == [owner_step(request).pk]
    assert "Withdraw request" not in owner_page.content.decode()

    requester_page = as_user(mesh.requester).get(request.get_absolute_url())
    assert requester_page.context["decidable_steps"] == []
    assert "Approve" not in requester_page.content.decode()


def test_requester_withdraws_a_pending_request(as_user):
    mesh = Mesh()
    request = submit(mesh)

    response = as_user(mesh.requester).post(reverse("access_requests:withdraw", args=[request.pk]))

    assert response.status_code == 302
    assert response["Location"] == request.get_absolute_url()
    assert flashed(response) == [f"You withdrew your request for {mesh.product.name}."]
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.WITHDRAWN


@pytest.mark.parametrize("who, status", [("owner", 403), ("admin", 403), ("consumer", 404), ("other_owner", 404)])
def test_only_the_requester_may_withdraw(as_user, who, status):
    mesh = Mesh()
    request = submit(mesh)

    response = as_user(getattr(mesh, who)).post(reverse("access_requests:withdraw", args=[request.pk]))

    assert response.status_code == status
    if status == 403:
        assert "Only the person who made a request may withdraw it." in response.content.decode()
    assert AccessRequest.objects.get().status == AccessRequest.Status.PENDING


def test_withdrawing_a_decided_request_is_a_conflict(as_user):
    mesh = Mesh()
    request = submit(mesh)
    services.withdraw_request(request, by=mesh.requester)

    response = as_user(mesh.requester).post(reverse("access_requests:withdraw", args=[request.pk]))

    assert response.status_code == 409
    assert "This request is withdrawn already." in response.content.decode()


def test_withdraw_is_post_only(as_user):
    mesh = Mesh()
    request = submit(mesh)

    assert as_user(mesh.requester).get(reverse("access_requests:withdraw", args=[request.pk])).status_code == 405


# --- the inbox and decisions ------------------------------------------------------------


def test_inbox_lists_steps_awaiting_me_with_purpose_and_classification(as_user):
    mesh = Mesh(classification="confidential")
    request = submit(mesh, purpose="Churn analysis for the board.")
    elsewhere = Mesh()
    submit(elsewhere, purpose="Routed to another team's owner.")

    response = as_user(mesh.owner).get(reverse("access_requests:inbox"))

    html = response.content.decode()
    assert response.status_code == 200
    assert [step.pk for step in response.context["page"]] == [owner_step(request).pk]
    assert "Churn analysis for the board." in html
    assert "badge-class-confidential" in html
    assert "Routed to another team" not in html


def test_inbox_says_when_nothing_awaits(as_user):
    mesh = Mesh()
    submit(mesh)

    html = as_user(mesh.consumer).get(reverse("access_requests:inbox")).content.decode()

    assert "Nothing awaits your decision." in html


def test_requester_never_finds_their_own_request_in_their_inbox(as_user):
    mesh = Mesh()
    request = submit(mesh, by=mesh.steward, purpose="A steward asks for data too.")

    response = as_user(mesh.steward).get(reverse("access_requests:inbox"))

    assert list(response.context["page"]) == []
    assert request.steps.count() == 1


def test_owner_approves_without_javascript_and_is_sent_back_to_the_inbox(as_user):
    mesh = Mesh()
    request = submit(mesh)

    response = as_user(mesh.owner).post(reverse("access_requests:approve", args=[owner_step(request).pk]), {"comment": "Fine."})

    assert response.status_code == 302
    assert response["Location"] == reverse("access_requests:inbox")
    assert flashed(response) == [
        f"You approved {mesh.requester.username}'s request for {mesh.product.name}. The request is approved: access is granted."
    ]
    assert Grant.objects.live().filter(user=mesh.requester, product=mesh.product).exists()


def test_decision_from_the_request_page_returns_to_it(as_user):
    mesh = Mesh()
    request = submit(mesh)

    response = as_user(mesh.owner).post(
        reverse("access_requests:approve", args=[owner_step(request).pk]), {"next": request.get_absolute_url()}
    )

    assert response["Location"] == request.get_absolute_url()


def test_decision_never_redirects_to_another_site(as_user):
    mesh = Mesh()
    request = submit(mesh)

    response = as_user(mesh.owner).post(
        reverse("access_requests:approve", args=[owner_step(request).pk]), {"next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("access_requests:inbox")


def test_htmx_approve_returns_the_updated_row(as_user):
    mesh = Mesh(classification="confidential")
    request = submit(mesh)

    response = as_user(mesh.owner).post(
        reverse("access_requests:approve", args=[owner_step(request).pk]), {"comment": "Fine by me."}, **HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert [template.name for template in response.templates][0] == "access_requests/_inbox_row.html"
    assert f'id="step-{owner_step(request).pk}"' in html
    assert "You approved this step" in html
    assert "Fine by me." in html
    assert "The request still awaits another approver." in html
    assert "<html" not in html


def test_htmx_reject_returns_the_row_saying_the_request_is_rejected(as_user):
    mesh = Mesh()
    request = submit(mesh)

    response = as_user(mesh.owner).post(
        reverse("access_requests:reject", args=[owner_step(request).pk]), {"comment": "Use the aggregate."}, **HTMX
    )

    assert response.status_code == 200
    assert "The request is rejected" in response.content.decode()
    assert AccessRequest.objects.get().status == AccessRequest.Status.REJECTED


def test_reject_without_a_comment_is_refused_with_the_reason(as_user):
    mesh = Mesh()
    request = submit(mesh)

    response = as_user(mesh.owner).post(reverse("access_requests:reject", args=[owner_step(request).pk]), {"comment": "  "})

    assert response.status_code == 400
    assert "Say why you reject the request: the requester reads it." in response.content.decode()
    assert AccessRequest.objects.get().status == AccessRequest.Status.PENDING


def test_htmx_reject_without_a_comment_shows_the_error_in_the_row(as_user):
    mesh = Mesh()
    request = submit(mesh)

    response = as_user(mesh.owner).post(reverse("access_requests:reject", args=[owner_step(request).pk]), {"comment": ""}, **HTMX)

    html = response.content.decode()
    assert response.status_code == 400
    assert "Say why you reject the request" in html
    assert "Approve" in html  # the form is still there to try again


def test_self_approval_is_refused_with_the_message(as_user):
    mesh = Mesh()
    request = submit(mesh, by=mesh.steward)  # a steward may read every request, their own included

    response = as_user(mesh.steward).post(reverse("access_requests:approve", args=[owner_step(request).pk]))

    assert response.status_code == 403
    assert "You cannot decide on your own request." in response.content.decode()
    assert AccessRequest.objects.get().status == AccessRequest.Status.PENDING


def test_htmx_self_approval_returns_the_row_with_the_message(as_user):
    mesh = Mesh()
    request = submit(mesh, by=mesh.admin)

    response = as_user(mesh.admin).post(reverse("access_requests:approve", args=[owner_step(request).pk]), **HTMX)

    assert response.status_code == 403
    assert "You cannot decide on your own request." in response.content.decode()
    assert f'id="step-{owner_step(request).pk}"' in response.content.decode()


@pytest.mark.parametrize(
    "who, status",
    [
        ("owner", 302),
        ("admin", 302),
        ("developer", 403),
        ("requester", 403),
        ("steward", 403),
        ("consumer", 404),
        ("other_owner", 404),
    ],
)
def test_who_may_approve_an_owner_step(as_user, who, status):
    mesh = Mesh()
    request = submit(mesh)

    response = as_user(getattr(mesh, who)).post(reverse("access_requests:approve", args=[owner_step(request).pk]))

    assert response.status_code == status
    assert AccessRequest.objects.get().status == (AccessRequest.Status.APPROVED if status == 302 else AccessRequest.Status.PENDING)


def test_a_developer_is_told_who_may_decide(as_user):
    mesh = Mesh()
    request = submit(mesh)

    response = as_user(mesh.developer).post(reverse("access_requests:reject", args=[owner_step(request).pk]), {"comment": "No."})

    assert "Only a product owner may decide this step." in response.content.decode()


def test_deciding_a_decided_step_is_a_conflict(as_user):
    mesh = Mesh()
    request = submit(mesh)
    services.reject_step(owner_step(request), by=mesh.owner, comment="No.")

    response = as_user(mesh.admin).post(reverse("access_requests:approve", args=[owner_step(request).pk]))

    assert response.status_code == 409
    assert "This request is rejected already." in response.content.decode()


def test_decisions_are_post_only(as_user):
    mesh = Mesh()
    request = submit(mesh)

    assert as_user(mesh.owner).get(reverse("access_requests:approve", args=[owner_step(request).pk])).status_code == 405


# --- consumers and revoking -------------------------------------------------------------


@pytest.mark.parametrize(
    "who, status, may_revoke",
    [
        ("owner", 200, True),
        ("admin", 200, True),
        ("developer", 200, False),
        ("steward", 200, False),
        ("requester", 403, None),
        ("consumer", 403, None),
        ("other_owner", 403, None),
    ],
)
def test_consumers_page_is_for_the_team_stewards_and_admins(as_user, who, status, may_revoke):
    mesh = Mesh()
    grant = approved(mesh)

    response = as_user(getattr(mesh, who)).get(reverse("access_requests:consumers", args=[mesh.product.slug]))

    assert response.status_code == status
    if status == 200:
        assert list(response.context["page"]) == [grant]
        assert ("Revoke" in response.content.decode()) is may_revoke
    else:
        assert "Only the owning team, governance stewards and admins" in response.content.decode()


def test_consumers_page_of_a_product_one_may_not_see_is_not_found(as_user):
    mesh = Mesh(status=DataProduct.Status.DRAFT)

    assert as_user(mesh.steward).get(reverse("access_requests:consumers", args=[mesh.product.slug])).status_code == 404


def test_owner_revokes_a_grant_with_a_reason(as_user):
    mesh = Mesh()
    grant = approved(mesh)

    response = as_user(mesh.owner).post(reverse("access_requests:revoke", args=[grant.pk]), {"reason": "The project ended."})

    assert response.status_code == 302
    assert response["Location"] == reverse("access_requests:consumers", args=[mesh.product.slug])
    assert flashed(response) == [f"You revoked {mesh.requester.username}'s access to {mesh.product.name}; they are told why."]
    grant.refresh_from_db()
    assert (grant.revoked_by, grant.revoke_reason) == (mesh.owner, "The project ended.")


def test_revoking_needs_a_reason(as_user):
    mesh = Mesh()
    grant = approved(mesh)

    response = as_user(mesh.owner).post(reverse("access_requests:revoke", args=[grant.pk]), {"reason": ""})

    assert response.status_code == 400
    assert "Give a reason: the person losing access is told." in response.content.decode()
    assert Grant.objects.live().count() == 1


@pytest.mark.parametrize("who, status", [("developer", 403), ("steward", 403), ("requester", 403), ("consumer", 404), ("other_owner", 404)])
def test_only_owners_and_admins_may_revoke(as_user, who, status):
    mesh = Mesh()
    grant = approved(mesh)

    response = as_user(getattr(mesh, who)).post(reverse("access_requests:revoke", args=[grant.pk]), {"reason": "Because."})

    assert response.status_code == status
    assert Grant.objects.live().count() == 1


def test_revoking_a_revoked_grant_is_a_conflict(as_user):
    mesh = Mesh()
    grant = approved(mesh)
    services.revoke_grant(grant, by=mesh.owner, reason="Ended.")

    response = as_user(mesh.admin).post(reverse("access_requests:revoke", args=[grant.pk]), {"reason": "Again."})

    assert response.status_code == 409
    assert "This grant has been revoked already." in response.content.decode()


# --- the audit trail ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, status",
    [
        ("owner", 200),
        ("other_owner", 200),
        ("steward", 200),
        ("admin", 200),
        ("developer", 403),
        ("requester", 403),
        ("consumer", 403),
    ],
)
def test_audit_trail_is_for_owners_stewards_and_admins(as_user, who, status):
    mesh = Mesh()
    submit(mesh)

    response = as_user(getattr(mesh, who)).get(reverse("access_requests:audit"))

    assert response.status_code == status


def test_owner_reads_the_trail_of_their_products_only(as_user):
    mesh = Mesh()
    submit(mesh)
    other = Mesh()
    submit(other)

    response = as_user(mesh.owner).get(reverse("access_requests:audit"))

    assert {event.product_id for event in response.context["page"]} == {mesh.product.pk}
    assert "request.submitted" in response.content.decode()


def test_steward_filters_the_trail_by_action_product_actor_and_date(as_user):
    mesh = Mesh()
    approved(mesh)
    other = Mesh()
    submit(other)
    client = as_user(mesh.steward)
    today = timezone.localdate().isoformat()

    by_action = client.get(reverse("access_requests:audit"), {"action": "grant.created"})
    by_product = client.get(reverse("access_requests:audit"), {"product": other.product.slug})
    by_actor = client.get(reverse("access_requests:audit"), {"actor": mesh.owner.username, "date_from": today, "date_to": today})
    tomorrow = client.get(reverse("access_requests:audit"), {"date_from": (timezone.localdate() + timedelta(days=1)).isoformat()})

    assert [event.action for event in by_action.context["page"]] == ["grant.created"]
    assert {event.product_id for event in by_product.context["page"]} == {other.product.pk}
    assert {event.actor_name for event in by_actor.context["page"]} == {mesh.owner.username}
    assert list(tomorrow.context["page"]) == []


def test_audit_trail_shows_sequence_payload_and_hash_prefix(as_user):
    mesh = Mesh()
    submit(mesh, purpose="Weekly churn analysis for the board.")
    event = AuditEvent.objects.get()

    html = as_user(mesh.admin).get(reverse("access_requests:audit")).content.decode()

    assert f'<th scope="row">{event.sequence}</th>' in html
    assert "purpose: Weekly churn analysis for the board." in html
    assert event.hash[:12] in html


def test_audit_filter_refuses_a_bad_date(as_user):
    mesh = Mesh()
    submit(mesh)

    response = as_user(mesh.admin).get(reverse("access_requests:audit"), {"date_from": "yesterday"})

    assert response.status_code == 400
    assert list(response.context["page"]) == []


# --- notifications and the frame ---------------------------------------------------------------


def test_notifications_page_lists_mine_with_unread_highlighted(as_user):
    mesh = Mesh()
    submit(mesh)
    submit(Mesh())  # notifies another owner

    response = as_user(mesh.owner).get(reverse("notifications:list"))

    html = response.content.decode()
    assert [n.recipient for n in response.context["page"]] == [mesh.owner]
    assert "is-unread" in html
    assert "Mark all read" in html


def test_mark_all_read(as_user):
    mesh = Mesh()
    submit(mesh)
    submit(Mesh(), by=mesh.requester)

    response = as_user(mesh.owner).post(reverse("notifications:read"))

    assert response["Location"] == reverse("notifications:list")
    assert flashed(response) == ["Marked 1 notification read."]
    assert Notification.objects.filter(recipient=mesh.owner, read_at=None).count() == 0
    assert Notification.objects.filter(read_at=None).count() == 1  # the other owner's stays unread


def test_opening_a_notification_marks_it_read_and_follows_it(as_user):
    mesh = Mesh()
    submit(mesh)
    notification = Notification.objects.get(recipient=mesh.owner)

    response = as_user(mesh.owner).post(reverse("notifications:open", args=[notification.pk]))

    assert response["Location"] == reverse("access_requests:inbox")
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_the_notifications_page_opens_a_notification_with_a_form_that_posts(as_user):
    mesh = Mesh()
    submit(mesh)
    notification = Notification.objects.get(recipient=mesh.owner)

    html = as_user(mesh.owner).get(reverse("notifications:list")).content.decode()

    opener = reverse("notifications:open", args=[notification.pk])
    assert f'id="open-notification-{notification.pk}" class="notification-open" method="post" action="{opener}"' in html
    assert f'type="submit" form="open-notification-{notification.pk}">{notification.subject}</button>' in html


def test_reading_the_notifications_page_marks_nothing_read(as_user):
    mesh = Mesh()
    submit(mesh)
    notification = Notification.objects.get(recipient=mesh.owner)

    list_response = as_user(mesh.owner).get(reverse("notifications:list"), {"read": notification.pk})
    open_response = as_user(mesh.owner).get(reverse("notifications:open", args=[notification.pk]))

    assert list_response.status_code == 200
    assert open_response.status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_one_cannot_open_someone_elses_notification(as_user):
    mesh = Mesh()
    submit(mesh)
    notification = Notification.objects.get(recipient=mesh.owner)

    response = as_user(mesh.consumer).post(reverse("notifications:open", args=[notification.pk]))

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_frame_shows_the_inbox_count_the_bell_and_the_audit_link(as_user):
    mesh = Mesh()
    submit(mesh)

    owner_html = as_user(mesh.owner).get(reverse("access_requests:my-access")).content.decode()
    consumer_html = as_user(mesh.consumer).get(reverse("access_requests:my-access")).content.decode()

    assert 'title="Requests awaiting your decision">1</span>' in owner_html
    assert '1<span class="visually-hidden"> unread</span>' in owner_html
    assert 'href="/audit/"' in owner_html
    assert 'href="/audit/"' not in consumer_html
    assert "Requests awaiting your decision" not in consumer_html


# --- the product page ----------------------------------------------------------------------------


def test_product_page_offers_to_request_access(as_user):
    mesh = Mesh(classification="confidential")

    html = as_user(mesh.requester).get(mesh.product.get_absolute_url()).content.decode()

    assert reverse("access_requests:request-access", args=[mesh.product.slug]) in html
    assert "Product owner, governance steward".lower() in html
    assert "shown once you have access" in html
    assert "Consumers (" not in html


def test_product_page_says_a_request_is_pending(as_user):
    mesh = Mesh()
    request = submit(mesh)

    html = as_user(mesh.requester).get(mesh.product.get_absolute_url()).content.decode()

    assert "Your request is pending" in html
    assert request.get_absolute_url() in html
    assert "Request access</a>" not in html


def test_product_page_shows_access_until_and_the_location_to_a_grantee(as_user):
    mesh = Mesh()
    grant = approved(mesh)

    html = as_user(mesh.requester).get(mesh.product.get_absolute_url()).content.decode()

    assert f'You have access until <time datetime="{grant.ends_at:%Y-%m-%dT%H:%M:%S}' in html
    assert "bigquery://demo/secret.table" in html


def test_product_page_links_the_team_to_its_consumers(as_user):
    mesh = Mesh()
    approved(mesh)

    html = as_user(mesh.developer).get(mesh.product.get_absolute_url()).content.decode()

    assert f'href="{reverse("access_requests:consumers", args=[mesh.product.slug])}">Consumers (1)' in html
