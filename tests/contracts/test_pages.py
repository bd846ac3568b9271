"""The descriptor in the browser: download links on the product page, and the
owners' import page /products/<slug>/descriptor/ (a form that works without
JavaScript, its refusals listed by path)."""

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import DataProduct
from tests.contracts.documents import as_yaml, check, contract, descriptor
from tests.factories import DomainFactory, Mesh, ProductFactory

pytestmark = pytest.mark.django_db


def page(slug: str) -> str:
    return f"/products/{slug}/descriptor/"


def signed_in(client, user):
    client.force_login(user)
    return client


def upload(client, slug: str, document: dict, name: str = "orders.odps.yaml"):
    return client.post(page(slug), {"file": SimpleUploadedFile(name, as_yaml(document), content_type="application/yaml")})


def test_the_product_page_links_the_odps_download_and_each_ports_odcs_download(client):
    mesh = Mesh()

    response = signed_in(client, mesh.consumer).get(mesh.product.get_absolute_url())

    html = response.content.decode()
    assert f'href="/api/v1/products/{mesh.product.slug}/descriptor?download=yaml"' in html
    assert f'href="/api/v1/products/{mesh.product.slug}/descriptor?format=odcs&amp;port=daily&amp;download=yaml"' in html
    assert "Download ODPS" in html
    assert "Download ODCS" in html


def test_only_the_owning_team_sees_the_import_link(client):
    mesh = Mesh()

    owner = signed_in(client, mesh.owner).get(mesh.product.get_absolute_url()).content.decode()
    consumer = signed_in(client, mesh.consumer).get(mesh.product.get_absolute_url()).content.decode()

    assert page(mesh.product.slug) in owner
    assert page(mesh.product.slug) not in consumer


def test_the_download_link_saves_a_yaml_file(client):
    mesh = Mesh()

    response = signed_in(client, mesh.consumer).get(f"/api/v1/products/{mesh.product.slug}/descriptor?download=yaml")

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{mesh.product.slug}.odps.yaml"'
    assert yaml.safe_load(response.content)["kind"] == "DataProduct"


def test_the_import_page_explains_what_to_upload(client):
    mesh = Mesh()

    response = signed_in(client, mesh.owner).get(page(mesh.product.slug))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert "JSON Schema" in html
    assert "<code>daily</code>" in html


def test_owner_imports_a_descriptor_file_and_is_sent_to_the_product(client):
    mesh = Mesh()
    document = check(descriptor(mesh.product.slug, domain=mesh.product.domain, team=mesh.team, name="Orders, renamed"))

    response = upload(signed_in(client, mesh.owner), mesh.product.slug, document)

    assert response.status_code == 302
    assert response["Location"] == mesh.product.get_absolute_url()
    mesh.product.refresh_from_db()
    assert mesh.product.name == "Orders, renamed"


def test_a_pasted_contract_is_imported_too(client):
    mesh = Mesh()
    signed_in(client, mesh.owner)
    upload(client, mesh.product.slug, check(descriptor(mesh.product.slug, domain=mesh.product.domain, team=mesh.team)))

    # A major version: the contract replaces the port's fields and location, a breaking change.
    response = client.post(page(mesh.product.slug), {"text": as_yaml(check(contract(mesh.product.slug, version="2.0.0"))).decode()})

    assert response.status_code == 302
    assert list(mesh.product.output_ports.get(name="daily").fields.values_list("name", flat=True)) == ["order_id", "amount"]


def test_a_refused_file_is_shown_with_each_problem_by_path_and_nothing_changes(client):
    mesh = Mesh()
    document = descriptor(mesh.product.slug, domain=mesh.product.domain, team=mesh.team, name="Never saved", tags="finance")

    response = upload(signed_in(client, mesh.owner), mesh.product.slug, document, name="bad.odps.yaml")

    assert response.status_code == 400
    html = response.content.decode()
    assert "Problems in bad.odps.yaml" in html
    assert "<code>tags</code>" in html
    assert "&#x27;finance&#x27; is not of type &#x27;array&#x27;" in html
    mesh.product.refresh_from_db()
    assert mesh.product.name != "Never saved"


def test_a_file_that_is_not_yaml_is_refused_on_the_page_not_with_a_500(client):
    mesh = Mesh()

    response = signed_in(client, mesh.owner).post(
        page(mesh.product.slug), {"file": SimpleUploadedFile("broken.yaml", b"kind: [unclosed\n")}
    )

    assert response.status_code == 400
    assert "Problems in broken.yaml" in response.content.decode()
    assert "(the whole document)" in response.content.decode()


def test_an_empty_form_asks_for_a_file(client):
    mesh = Mesh()

    response = signed_in(client, mesh.owner).post(page(mesh.product.slug), {})

    assert response.status_code == 400
    assert "Choose a file or paste the document." in response.content.decode()


def test_a_consumer_may_not_open_the_import_page(client):
    mesh = Mesh()

    get = signed_in(client, mesh.consumer).get(page(mesh.product.slug))
    post = client.post(page(mesh.product.slug), {"text": "kind: DataProduct"})

    assert (get.status_code, post.status_code) == (403, 403)


def test_another_teams_draft_has_no_import_page(client):
    mesh = Mesh()
    draft = ProductFactory(domain=DomainFactory(owner_team=mesh.other_team), status=DataProduct.Status.DRAFT)

    response = signed_in(client, mesh.owner).get(page(draft.slug))

    assert response.status_code == 404


def test_a_visitor_is_sent_to_sign_in(client):
    mesh = Mesh()

    response = client.get(page(mesh.product.slug))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
