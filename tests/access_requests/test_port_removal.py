"""A grant or an open request for one output port must not outlive the port as
one for the whole product (its port would become empty, which means every
port): removing the port, by any path, revokes the one and refuses the other."""

import pytest
from rest_framework.test import APIClient

from access_requests import queries as access_queries
from access_requests.models import AccessRequest
from catalog import services as catalog_services
from notifications.models import Notification
from tests.factories import Mesh, live_grant, port, submit

pytestmark = pytest.mark.django_db


def two_port_mesh() -> Mesh:
    mesh = Mesh()
    catalog_services.update_product(
        mesh.product,
        by=mesh.owner,
        ports=[port("daily", location="bigquery://demo/secret.table"), port("hourly", location="bigquery://demo/hourly")],
    )
    return mesh


def test_removing_a_port_revokes_the_grants_for_that_port_alone_and_tells_their_holders():
    mesh = two_port_mesh()
    daily, hourly = mesh.product.output_ports.get(name="daily"), mesh.product.output_ports.get(name="hourly")
    grant = live_grant(mesh, port=daily)

    catalog_services.update_product(
        mesh.product, by=mesh.owner, ports=[port("hourly", location="bigquery://demo/hourly")], version="2.0.0", confirm_breaking=True
    )

    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert "daily" in grant.revoke_reason
    assert access_queries.usable_port_ids(mesh.requester, mesh.product, [hourly.pk]) == set()
    assert Notification.objects.filter(recipient=mesh.requester, kind=Notification.Kind.GRANT_REVOKED).exists()


def test_a_grant_for_the_whole_product_survives_the_removal_of_one_port():
    mesh = two_port_mesh()
    grant = live_grant(mesh)

    catalog_services.update_product(
        mesh.product, by=mesh.owner, ports=[port("hourly", location="bigquery://demo/hourly")], version="2.0.0", confirm_breaking=True
    )

    grant.refresh_from_db()
    assert grant.revoked_at is None


def test_an_open_request_for_a_removed_port_is_refused_not_widened():
    mesh = two_port_mesh()
    request = submit(mesh, port=mesh.product.output_ports.get(name="daily"))

    catalog_services.update_product(
        mesh.product, by=mesh.owner, ports=[port("hourly", location="bigquery://demo/hourly")], version="2.0.0", confirm_breaking=True
    )

    request.refresh_from_db()
    assert request.status == AccessRequest.Status.REJECTED
    assert not request.steps.filter(status="pending").exists()
    assert Notification.objects.filter(recipient=mesh.requester, kind=Notification.Kind.REQUEST_REJECTED).exists()


def test_removing_a_port_over_the_api_revokes_its_grants_too():
    mesh = two_port_mesh()
    grant = live_grant(mesh, port=mesh.product.output_ports.get(name="daily"))
    client = APIClient()
    client.force_authenticate(mesh.owner)

    response = client.patch(
        f"/api/v1/products/{mesh.product.slug}/",
        {
            "version": "2.0.0",
            "confirm_breaking": True,
            "output_ports": [{"name": "hourly", "location": "bigquery://demo/hourly", "fields": []}],
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    grant.refresh_from_db()
    assert grant.revoked_at is not None
