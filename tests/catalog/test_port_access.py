"""A grant for one output port shows that port's location, not the others'."""

import pytest

from catalog import services as catalog_services
from tests.factories import Mesh, live_grant, port

pytestmark = pytest.mark.django_db

DAILY = "bigquery://demo/secret.daily"
WEEKLY = "bigquery://demo/secret.weekly"


@pytest.fixture
def mesh_with_two_ports():
    mesh = Mesh()
    catalog_services.set_output_ports(
        mesh.product, ports=[port("daily", location=DAILY), port("weekly", location=WEEKLY)], confirm_breaking=True
    )
    return mesh


def test_a_grant_for_one_port_shows_that_ports_location_only(client, mesh_with_two_ports):
    mesh = mesh_with_two_ports
    live_grant(mesh, port=mesh.product.output_ports.get(name="weekly"))
    client.force_login(mesh.requester)

    page = client.get(mesh.product.get_absolute_url()).content.decode()
    ports = {item["name"]: item["location"] for item in client.get(f"/api/v1/products/{mesh.product.slug}/").json()["output_ports"]}

    assert WEEKLY in page and DAILY not in page
    assert "your access covers another output port" in page
    assert ports == {"daily": None, "weekly": WEEKLY}


def test_a_grant_for_the_whole_product_shows_every_location(client, mesh_with_two_ports):
    mesh = mesh_with_two_ports
    live_grant(mesh)
    client.force_login(mesh.requester)

    ports = {item["name"]: item["location"] for item in client.get(f"/api/v1/products/{mesh.product.slug}/").json()["output_ports"]}

    assert ports == {"daily": DAILY, "weekly": WEEKLY}


@pytest.mark.parametrize("who", ["owner", "developer", "admin"])
def test_the_team_and_admins_see_every_location(client, mesh_with_two_ports, who):
    mesh = mesh_with_two_ports
    client.force_login(getattr(mesh, who))

    page = client.get(mesh.product.get_absolute_url()).content.decode()

    assert DAILY in page and WEEKLY in page


@pytest.mark.parametrize("who", ["consumer", "steward", "other_owner"])
def test_people_without_a_grant_see_no_location(client, mesh_with_two_ports, who):
    mesh = mesh_with_two_ports
    client.force_login(getattr(mesh, who))

    page = client.get(mesh.product.get_absolute_url()).content.decode()
    ports = {item["name"]: item["location"] for item in client.get(f"/api/v1/products/{mesh.product.slug}/").json()["output_ports"]}

    assert DAILY not in page and WEEKLY not in page
    assert ports == {"daily": None, "weekly": None}
