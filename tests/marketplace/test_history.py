"""The History tab: every version of each port's contract, and a diff between any two."""

import dataclasses

import pytest

from catalog import services as catalog_services
from catalog.models import PortVersion
from catalog.services import FieldSpec, PortSpec
from tests.factories import Mesh, UserFactory, live_grant

pytestmark = pytest.mark.django_db


def daily(product, **changes) -> PortSpec:
    existing = product.output_ports.get(name="daily")
    spec = PortSpec(
        name="daily",
        location=existing.location,
        version=existing.version,
        fields=[FieldSpec(name=f.name, data_type=f.data_type) for f in existing.fields.all()],
    )
    return dataclasses.replace(spec, **changes)


def two_versions(mesh: Mesh) -> tuple[PortVersion, PortVersion]:
    changed = daily(mesh.product, version="2.0.0", location="bigquery://demo/moved.table")
    changed.fields = [*changed.fields[1:], FieldSpec(name="country", data_type="string")]
    catalog_services.update_product(mesh.product, by=mesh.owner, ports=[changed])
    first, second = PortVersion.objects.filter(product=mesh.product).order_by("changed_at", "pk")
    return first, second


def history(client, user, product, **query):
    client.force_login(user)
    return client.get(f"/products/{product.slug}/history/", query)


def test_the_history_tab_lists_each_version_with_who_and_what_changed(client):
    mesh = Mesh()
    two_versions(mesh)

    page = history(client, mesh.owner, mesh.product).content.decode()

    assert "1.0.0" in page and "2.0.0" in page
    assert "field `field_0` removed" in page and "field `country` added" in page
    assert "breaking" in page
    assert mesh.owner.get_username() in page or mesh.owner.get_full_name() in page
    assert f'href="/products/{mesh.product.slug}/history/"' in page


def test_the_diff_between_two_versions_shows_fields_added_removed_and_the_location_to_its_users(client):
    mesh = Mesh()
    first, second = two_versions(mesh)

    response = history(client, mesh.owner, mesh.product, port="daily", **{"from": first.pk, "to": second.pk})
    page = response.content.decode()

    assert response.status_code == 200
    assert 'class="diff-added"' in page and 'class="diff-removed"' in page
    assert "bigquery://demo/secret.table" in page and "bigquery://demo/moved.table" in page


def test_the_diff_hides_locations_from_those_who_may_not_use_the_port(client):
    mesh = Mesh()
    first, second = two_versions(mesh)
    reader = UserFactory()

    response = history(client, reader, mesh.product, port="daily", **{"from": first.pk, "to": second.pk})
    page = response.content.decode()

    assert response.status_code == 200
    assert "location changed" in page
    assert "secret.table" not in page and "moved.table" not in page


def test_a_grant_holder_sees_the_locations_in_the_diff(client):
    mesh = Mesh()
    live_grant(mesh)
    first, second = two_versions(mesh)

    page = history(client, mesh.requester, mesh.product, port="daily", **{"from": first.pk, "to": second.pk}).content.decode()

    assert "moved.table" in page


@pytest.mark.parametrize("query", [{"port": "nope"}, {"port": "daily", "to": "999999"}, {"port": "daily", "from": "x"}])
def test_a_bad_choice_of_versions_is_a_400_naming_the_field_not_a_500(client, query):
    mesh = Mesh()
    two_versions(mesh)

    response = history(client, mesh.owner, mesh.product, **query)

    assert response.status_code == 400


def test_a_draft_product_history_is_not_found_for_outsiders(client):
    mesh = Mesh(status="draft")

    assert history(client, UserFactory(), mesh.product).status_code == 404


def test_the_diff_names_nested_fields_by_their_path_with_their_logical_type(client):
    mesh = Mesh()
    address = FieldSpec(name="address", data_type="struct", logical_type="object", fields=[FieldSpec(name="street", data_type="string")])
    catalog_services.update_product(mesh.product, by=mesh.owner, ports=[daily(mesh.product, fields=[address])], confirm_breaking=True)
    wider = dataclasses.replace(address, fields=[*address.fields, FieldSpec(name="city", data_type="string", logical_type="string")])
    catalog_services.update_product(mesh.product, by=mesh.owner, ports=[daily(mesh.product, fields=[wider])])
    first, second = PortVersion.objects.filter(product=mesh.product).order_by("-changed_at", "-pk")[:2][::-1]

    page = history(client, mesh.owner, mesh.product, port="daily", **{"from": first.pk, "to": second.pk}).content.decode()

    assert "field `address.city` added" in page
    assert '<th scope="row">address.city</th>' in page
    assert "string (string)" in page
