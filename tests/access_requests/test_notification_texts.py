"""Notification texts come from templates/notifications/<kind>.subject.txt and
<kind>.txt: what people read, word for word, and that it is not HTML-escaped."""

import pytest
from django.utils import timezone

from access_requests import services
from notifications.models import Notification
from tests.factories import Mesh, submit

pytestmark = pytest.mark.django_db


def sent(kind: str, to) -> Notification:
    return Notification.objects.get(kind=kind, recipient=to)


def test_a_submitted_request_tells_the_approver_who_asks_for_what_and_why():
    mesh = Mesh(classification="internal")
    mesh.requester.first_name, mesh.requester.last_name = "Rita", "O'Neil"
    mesh.requester.save()

    submit(mesh, purpose="Churn & retention <board> review.", duration_days=30)

    notification = sent(Notification.Kind.REQUEST_SUBMITTED, mesh.owner)
    assert notification.subject == f"Access request: {mesh.requester.username} asks for {mesh.product.name}"
    assert notification.body == (
        f"Rita O'Neil asks to use {mesh.product.name} (internal) for 30 days.\n\n"
        "Purpose: Churn & retention <board> review.\n\n"
        "You decide as product owner."
    )


def test_an_approved_request_tells_the_requester_until_when_access_lasts():
    mesh = Mesh(classification="internal")
    request = submit(mesh)

    services.approve_step(request.steps.get(), by=mesh.owner)

    notification = sent(Notification.Kind.REQUEST_APPROVED, mesh.requester)
    ends = timezone.localtime(request.grant.ends_at)
    assert notification.subject == f"You may now use {mesh.product.name}"
    assert notification.body == f"Your request to use {mesh.product.name} was approved. Your access lasts until {ends:%Y-%m-%d}."


def test_a_rejection_names_who_rejected_and_their_reason():
    mesh = Mesh(classification="internal")
    request = submit(mesh)

    services.reject_step(request.steps.get(), by=mesh.owner, comment="Use the aggregated product instead.")

    notification = sent(Notification.Kind.REQUEST_REJECTED, mesh.requester)
    assert notification.subject == f"Your request for {mesh.product.name} was rejected"
    assert notification.body == (
        f"{mesh.owner.get_full_name() or mesh.owner.username} rejected your request to use {mesh.product.name}.\n\n"
        "Their reason: Use the aggregated product instead."
    )
