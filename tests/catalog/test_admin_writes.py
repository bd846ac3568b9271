"""The admin is one more interface over catalog.services: a product changed
or added there is audited like an edit on its page, a refused change is shown
on the form (or as a message) and saves nothing, and output ports and their
schemas, written only by services.set_output_ports with their lineage nodes,
are read-only there."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from audit.models import AuditEvent
from catalog.models import DataProduct, OutputPort, SchemaField, Tag
from lineage.models import LineageNode
from tests.factories import DomainFactory, Mesh, TeamFactory, member_of

pytestmark = pytest.mark.django_db


def admin_client(mesh: Mesh) -> Client:
    client = Client()
    client.force_login(mesh.admin)
    return client


def change_form(client: Client, url: str, **changes) -> dict:
    """The admin form at `url` as the browser would post it, with `changes`."""
    page = client.get(url)
    assert page.status_code == 200
    data = {}
    for name, value in page.context["adminform"].form.initial.items():
        if value is None:
            continue
        if isinstance(value, list):
            data[name] = [getattr(item, "pk", item) for item in value]
        else:
            data[name] = getattr(value, "pk", value)
    for inline in page.context["inline_admin_formsets"]:
        data.update({f"{inline.formset.prefix}-{name}": value for name, value in inline.formset.management_form.initial.items()})
    data.update(changes)
    return data


def test_owner_status_and_classification_changed_in_the_admin_are_audited():
    mesh = Mesh()
    new_team = TeamFactory()
    url = f"/admin/catalog/dataproduct/{mesh.product.pk}/change/"
    client = admin_client(mesh)

    response = client.post(url, change_form(client, url, owner_team=new_team.pk, status="deprecated", classification="confidential"))

    assert response.status_code == 302
    events = {event.action: event for event in AuditEvent.objects.filter(object_type="dataproduct", object_id=str(mesh.product.pk))}
    assert events["product.owner_changed"].payload == {"owner_team": {"from": mesh.team.slug, "to": new_team.slug}}
    assert events["product.status_changed"].payload == {"status": {"from": "published", "to": "deprecated"}}
    assert events["product.classification_changed"].payload == {"classification": {"from": "internal", "to": "confidential"}}
    assert {event.actor for event in events.values()} == {mesh.admin}


def test_a_new_owning_team_set_in_the_admin_receives_the_team_permissions():
    mesh = Mesh()
    new_team = TeamFactory()
    new_member = member_of(new_team)
    url = f"/admin/catalog/dataproduct/{mesh.product.pk}/change/"
    client = admin_client(mesh)

    client.post(url, change_form(client, url, owner_team=new_team.pk))

    product = DataProduct.objects.get(pk=mesh.product.pk)
    assert new_member.has_perm("catalog.change_dataproduct", product)
    assert not mesh.developer.has_perm("catalog.change_dataproduct", product)


def test_an_admin_edit_that_changes_no_governance_field_writes_no_audit_event():
    mesh = Mesh()
    url = f"/admin/catalog/dataproduct/{mesh.product.pk}/change/"
    client = admin_client(mesh)

    client.post(url, change_form(client, url, summary="A better summary."))

    assert DataProduct.objects.get(pk=mesh.product.pk).summary == "A better summary."
    assert not AuditEvent.objects.filter(object_type="dataproduct").exists()


def test_an_illegal_status_change_in_the_admin_is_a_form_error_and_saves_nothing():
    mesh = Mesh()
    url = f"/admin/catalog/dataproduct/{mesh.product.pk}/change/"
    client = admin_client(mesh)

    response = client.post(url, change_form(client, url, status="draft", classification="restricted"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["status"] == ["A published product cannot become draft (allowed next: deprecated)."]
    product = DataProduct.objects.get(pk=mesh.product.pk)
    assert (product.status, product.classification) == ("published", "internal")
    assert not AuditEvent.objects.filter(object_type="dataproduct").exists()


def test_a_refusal_only_the_service_knows_is_a_message_and_saves_nothing():
    mesh = Mesh()
    too_many_tags = [f"tag-{number}" for number in range(25)]
    url = f"/admin/catalog/dataproduct/{mesh.product.pk}/change/"
    client = admin_client(mesh)
    tags = [Tag.objects.create(name=name).pk for name in too_many_tags]

    response = client.post(url, change_form(client, url, tags=tags, classification="restricted"))

    assert response.status_code == 302
    assert [str(message) for message in get_messages(response.wsgi_request)] == ["A product can have at most 20 tags."]
    product = DataProduct.objects.get(pk=mesh.product.pk)
    assert product.classification == "internal"
    assert product.tags.count() == 0


def test_a_product_added_in_the_admin_is_created_by_the_service():
    mesh = Mesh()
    client = admin_client(mesh)
    url = "/admin/catalog/dataproduct/add/"
    data = change_form(
        client,
        url,
        domain=DomainFactory(owner_team=mesh.team).pk,
        owner_team=mesh.team.pk,
        slug="new-product",
        name="New product",
        summary="Made in the admin.",
        status="draft",
        kind="aggregate",
        classification="internal",
        version="1.0.0",
    )

    response = client.post(url, data)

    assert response.status_code == 302
    product = DataProduct.objects.get(slug="new-product")
    assert mesh.developer.has_perm("catalog.change_dataproduct", product)
    assert product.product_owner == mesh.admin


def test_a_new_product_cannot_start_retired_in_the_admin():
    mesh = Mesh()
    client = admin_client(mesh)
    url = "/admin/catalog/dataproduct/add/"
    data = change_form(
        client,
        url,
        domain=DomainFactory(owner_team=mesh.team).pk,
        owner_team=mesh.team.pk,
        slug="born-retired",
        name="Born retired",
        summary="Never was.",
        status="retired",
        kind="aggregate",
        classification="internal",
        version="1.0.0",
    )

    response = client.post(url, data)

    assert response.status_code == 302
    assert [str(message) for message in get_messages(response.wsgi_request)] == ["A new data product starts as a draft or published."]
    assert not DataProduct.objects.filter(slug="born-retired").exists()


def test_the_slug_cannot_change_in_the_admin():
    mesh = Mesh()
    url = f"/admin/catalog/dataproduct/{mesh.product.pk}/change/"
    client = admin_client(mesh)

    client.post(url, change_form(client, url, slug="another-slug"))

    assert DataProduct.objects.get(pk=mesh.product.pk).slug == mesh.product.slug


def test_ports_and_schema_fields_are_read_only_in_the_admin_and_link_to_the_product_edit_page():
    mesh = Mesh()
    port = mesh.product.output_ports.get()
    field = port.fields.first()
    client = admin_client(mesh)
    edit_page = f"/products/{mesh.product.slug}/edit/"

    port_page = client.get(f"/admin/catalog/outputport/{port.pk}/change/")
    product_page = client.get(f"/admin/catalog/dataproduct/{mesh.product.pk}/change/")

    assert b'name="_save"' not in port_page.content
    assert edit_page.encode() in port_page.content
    assert edit_page.encode() in product_page.content
    assert b'name="output_ports-0-location"' not in product_page.content
    assert client.get("/admin/catalog/outputport/add/").status_code == 403
    assert client.get("/admin/catalog/schemafield/add/").status_code == 403
    assert (
        client.post(f"/admin/catalog/outputport/{port.pk}/change/", {"name": "renamed", "location": "s3://elsewhere/x"}).status_code == 403
    )
    assert client.post(f"/admin/catalog/schemafield/{field.pk}/change/", {"name": "renamed"}).status_code == 403
    assert client.post(f"/admin/catalog/outputport/{port.pk}/delete/", {"post": "yes"}).status_code == 403
    assert OutputPort.objects.get(pk=port.pk).location == "bigquery://demo/secret.table"
    assert SchemaField.objects.filter(pk=field.pk).exists()


def test_a_product_saved_in_the_admin_keeps_its_ports_and_their_lineage_nodes():
    mesh = Mesh()
    port = mesh.product.output_ports.get()
    node = LineageNode.objects.get(port=port)
    url = f"/admin/catalog/dataproduct/{mesh.product.pk}/change/"
    client = admin_client(mesh)

    response = client.post(url, change_form(client, url, name="Renamed product"))

    assert response.status_code == 302
    assert list(mesh.product.output_ports.values_list("pk", "location")) == [(port.pk, "bigquery://demo/secret.table")]
    assert LineageNode.objects.get(port=port) == node
    assert port.fields.count() == 3
