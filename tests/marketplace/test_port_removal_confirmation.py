"""Removing a port on the edit page asks once: confirming a removal the page
listed (what happens to its grants and lineage) confirms that removal's
breaking change as well, but no other breaking change of the same save."""

import pytest
from django.test import Client

from access_requests.models import Grant
from catalog import services as catalog_services
from tests.factories import Mesh, live_grant, port
from tests.marketplace.test_port_editing import edit_data, existing_ports

pytestmark = pytest.mark.django_db


@pytest.fixture
def mesh():
    """A product with two ports, `daily` (a live grant on it) and `other`, and its owner signed in."""
    mesh = Mesh()
    daily = mesh.product.output_ports.get()
    catalog_services.update_product(
        mesh.product, by=mesh.owner, ports=[port("daily", location=daily.location, fields=3), port("other", fields=1)]
    )
    mesh.grant = live_grant(mesh, port=mesh.product.output_ports.get(name="daily"))
    mesh.client = Client()
    mesh.client.force_login(mesh.owner)
    return mesh


def removing_daily(mesh, *, change_other_type: bool = False) -> dict:
    """The edit page's post removing `daily` (its major version unchanged), keeping `other`."""
    rows = existing_ports(mesh.product)
    assert [row["name"] for row in rows] == ["daily", "other"]
    rows[0]["DELETE"] = "on"
    if change_other_type:
        rows[1]["fields"][0]["data_type"] = "bigint"  # a type changed without a new major version: breaking
    return edit_data(mesh.product, rows, initial=2, initial_fields={0: 3, 1: 1})


def port_names(mesh) -> list[str]:
    return sorted(mesh.product.output_ports.values_list("name", flat=True))


def test_confirming_a_listed_removal_saves_it_without_a_second_breaking_change_tick(mesh):
    data = removing_daily(mesh)

    asked = mesh.client.post(f"/products/{mesh.product.slug}/edit/", data)

    assert asked.status_code == 400
    assert 'name="confirm_removal"' in asked.content.decode()
    assert 'name="confirm_breaking"' not in asked.content.decode()

    saved = mesh.client.post(f"/products/{mesh.product.slug}/edit/", {**data, "confirm_removal": "on"})

    assert saved.status_code == 302
    assert port_names(mesh) == ["other"]
    assert not Grant.objects.live().filter(pk=mesh.grant.pk).exists()


def test_a_confirmed_removal_does_not_confirm_another_breaking_change_of_the_same_save(mesh):
    data = removing_daily(mesh, change_other_type=True)

    response = mesh.client.post(f"/products/{mesh.product.slug}/edit/", {**data, "confirm_removal": "on"})

    assert response.status_code == 400
    assert 'name="confirm_breaking"' in response.content.decode()
    assert port_names(mesh) == ["daily", "other"]
    assert mesh.product.output_ports.get(name="other").fields.get().data_type == "string"
    assert Grant.objects.live().filter(pk=mesh.grant.pk).exists()  # nothing half-written

    saved = mesh.client.post(f"/products/{mesh.product.slug}/edit/", {**data, "confirm_removal": "on", "confirm_breaking": "on"})

    assert saved.status_code == 302
    assert port_names(mesh) == ["other"]
    assert mesh.product.output_ports.get(name="other").fields.get().data_type == "bigint"


def test_a_removal_the_page_did_not_list_still_needs_the_breaking_change_tick(mesh):
    rows = existing_ports(mesh.product)
    rows[0]["DELETE"] = rows[1]["DELETE"] = "on"  # `other` touches no grant or lineage: not listed
    data = edit_data(mesh.product, rows, initial=2, initial_fields={0: 3, 1: 1})

    response = mesh.client.post(f"/products/{mesh.product.slug}/edit/", {**data, "confirm_removal": "on"})

    assert response.status_code == 400
    assert 'name="confirm_breaking"' in response.content.decode()
    assert port_names(mesh) == ["daily", "other"]
