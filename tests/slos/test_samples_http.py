"""Sample rows over HTTP: who sees the real values of sensitive columns on
each surface that shows them (the product page, the product JSON, the port's
sample endpoint), and uploading, replacing and removing a sample through the
API and the upload page.

The masking matrix asks as every role, one test per cell:

- anonymous: nobody signed in (pages send them to sign in; the API answers
  403, as it does everywhere: the session authenticator sends no challenge);
- consumer: signed in, no grant; other_owner: owner of another team;
- grantee: holds a live grant on the product;
- owner and developer: members of the owning team;
- steward: member of the stewards group; admin: a superuser.

The port's email column is personal data and its account_note column is
confidential: their planted values must appear for exactly the people who
may see real values, and nowhere in the response for the others."""

import html
import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from access_requests import services as access_services
from access_requests.models import Grant
from catalog import services as catalog_services
from slos import services as slo_services
from slos.models import Sample
from tests.factories import Mesh, ProductFactory, submit

pytestmark = pytest.mark.django_db

SECRET_EMAIL = "maria.secret@example.net"
SECRET_NOTE = "ACCT-7731-CONFIDENTIAL"
PLAIN_VALUE = "listener-0001"
MASK = "•••"
SAMPLE_CSV = (
    f"listener_id,email,plays,account_note\n{PLAIN_VALUE},{SECRET_EMAIL},42,{SECRET_NOTE}\nlistener-0002,jon.other@example.org,7,\n"
)

ROLES = ["anonymous", "consumer", "other_owner", "grantee", "owner", "developer", "steward", "admin"]
SEES_REAL_VALUES = {"grantee", "owner", "developer", "steward", "admin"}


def sample_mesh(**product_fields) -> Mesh:
    """The mesh, its product's `daily` port with two sensitive columns, and a
    sample uploaded by the owner."""
    mesh = Mesh(contains_pii=True, **product_fields)
    catalog_services.set_output_ports(
        mesh.product,
        ports=[
            catalog_services.PortSpec(
                name="daily",
                location="bigquery://demo/secret.table",
                fields=[
                    catalog_services.FieldSpec("listener_id", "string", primary_key=True, required=True),
                    catalog_services.FieldSpec("email", "string", is_pii=True),
                    catalog_services.FieldSpec("plays", "integer"),
                    catalog_services.FieldSpec("account_note", "string", classification="confidential"),
                ],
            )
        ],
        confirm_breaking=True,
    )
    mesh.port = mesh.product.output_ports.get(name="daily")
    slo_services.upload_sample(mesh.port, by=mesh.owner, content=SAMPLE_CSV.encode(), filename="daily.csv")
    return mesh


def grant_to(mesh: Mesh, user):
    """A live grant on the mesh's product for `user`: requested, then approved by the owner and the steward."""
    request = submit(mesh, by=user)
    for step in list(request.steps.filter(status="pending")):
        request = access_services.approve_step(step, by=mesh.steward if step.role == "steward" else mesh.owner)
    request.refresh_from_db()
    return request.grant


def user_for(mesh: Mesh, role: str):
    if role == "anonymous":
        return None
    if role == "grantee":
        grant_to(mesh, mesh.requester)
        return mesh.requester
    return getattr(mesh, role)


def browser(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def sample_api(mesh: Mesh, port: str = "daily") -> str:
    return f"/api/v1/products/{mesh.product.slug}/ports/{port}/sample/"


def upload_page(mesh: Mesh) -> str:
    return f"/products/{mesh.product.slug}/ports/{mesh.port.pk}/sample/"


SURFACES = {
    "product-page": lambda mesh: mesh.product.get_absolute_url(),
    "product-api": lambda mesh: f"/api/v1/products/{mesh.product.slug}/",
    "sample-api": sample_api,
}


def table_of(surface: str, response) -> dict | None:
    """The sample table in an API response."""
    if surface == "product-api":
        return response.json()["output_ports"][0]["sample"]
    return response.json()


# --- the masking matrix -------------------------------------------------------------------


@pytest.mark.parametrize("surface", list(SURFACES))
@pytest.mark.parametrize("role", ROLES)
def test_masking_matrix(surface, role):
    mesh = sample_mesh()
    user = user_for(mesh, role)

    response = browser(user).get(SURFACES[surface](mesh))

    body = response.content.decode()
    if role == "anonymous":
        if surface == "product-page":
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/?next=")
        else:
            assert response.status_code == 401
        assert SECRET_EMAIL not in body
        assert SECRET_NOTE not in body
        return
    assert response.status_code == 200
    assert PLAIN_VALUE in body  # the sample is shown: what may leak is there
    if role in SEES_REAL_VALUES:
        assert SECRET_EMAIL in body
        assert SECRET_NOTE in body
        assert MASK not in body
    else:
        assert SECRET_EMAIL not in body
        assert SECRET_NOTE not in body
        assert "jon.other@example.org" not in body
        assert MASK in body
    if surface != "product-page":
        table = table_of(surface, response)
        assert table["revealed"] is (role in SEES_REAL_VALUES)
        assert [(column["name"], column["sensitive"], column["masked"]) for column in table["columns"]] == [
            ("listener_id", False, False),
            ("email", True, role not in SEES_REAL_VALUES),
            ("plays", False, False),
            ("account_note", True, role not in SEES_REAL_VALUES),
        ]


def test_masked_rows_keep_their_other_values_and_hide_even_empty_sensitive_cells():
    mesh = sample_mesh()

    table = api(mesh.consumer).get(sample_api(mesh)).json()

    assert table["rows"] == [[PLAIN_VALUE, MASK, 42, MASK], ["listener-0002", MASK, 7, MASK]]
    assert [column["type"] for column in table["columns"]] == ["string", "string", "integer", "string"]


def test_owner_sees_the_rows_as_uploaded():
    mesh = sample_mesh()

    table = api(mesh.owner).get(sample_api(mesh)).json()

    assert table["rows"] == [[PLAIN_VALUE, SECRET_EMAIL, 42, SECRET_NOTE], ["listener-0002", "jon.other@example.org", 7, None]]


def test_a_revoked_grant_masks_the_values_again_on_the_next_request():
    mesh = sample_mesh()
    grant = grant_to(mesh, mesh.requester)
    client = browser(mesh.requester)
    assert all(SECRET_EMAIL in client.get(url(mesh)).content.decode() for url in SURFACES.values())

    access_services.revoke_grant(grant, by=mesh.owner, reason="The project is over.")

    for name, url in SURFACES.items():
        response = client.get(url(mesh))
        assert response.status_code == 200, name
        assert SECRET_EMAIL not in response.content.decode(), name
        assert SECRET_NOTE not in response.content.decode(), name
        assert MASK in response.content.decode(), name


def test_an_expired_grant_masks_the_values_before_the_expiry_task_runs():
    mesh = sample_mesh()
    grant = grant_to(mesh, mesh.requester)
    Grant.objects.filter(pk=grant.pk).update(starts_at=timezone.now() - timedelta(days=30), ends_at=timezone.now() - timedelta(minutes=1))

    body = browser(mesh.requester).get(sample_api(mesh)).content.decode()

    assert SECRET_EMAIL not in body
    assert MASK in body


def test_a_column_the_schema_no_longer_declares_is_masked_for_people_without_access():
    mesh = sample_mesh()
    catalog_services.set_output_ports(
        mesh.product,
        ports=[
            catalog_services.PortSpec(
                name="daily", fields=[catalog_services.FieldSpec("listener_id", "string"), catalog_services.FieldSpec("plays", "integer")]
            )
        ],
        confirm_breaking=True,
    )

    consumer = api(mesh.consumer).get(sample_api(mesh)).json()
    owner = api(mesh.owner).get(sample_api(mesh)).json()

    assert consumer["rows"][0] == [PLAIN_VALUE, MASK, 42, MASK]
    assert [column["masked"] for column in consumer["columns"]] == [False, True, False, True]
    assert owner["rows"][0] == [PLAIN_VALUE, SECRET_EMAIL, 42, SECRET_NOTE]


def test_a_pipeline_token_of_a_grantee_sees_real_values():
    mesh = sample_mesh()
    grant_to(mesh, mesh.requester)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {Token.objects.create(user=mesh.requester).key}")

    response = client.get(sample_api(mesh))

    assert response.status_code == 200
    assert response.json()["rows"][0][1] == SECRET_EMAIL


# --- reading: what is not there ------------------------------------------------------------


def test_a_port_without_a_sample_is_a_404_and_the_product_json_says_none():
    mesh = sample_mesh()
    slo_services.delete_sample(mesh.port, by=mesh.owner)

    assert api(mesh.consumer).get(sample_api(mesh)).status_code == 404
    assert api(mesh.consumer).get(f"/api/v1/products/{mesh.product.slug}/").json()["output_ports"][0]["sample"] is None


def test_an_unknown_port_is_a_404():
    mesh = sample_mesh()

    assert api(mesh.owner).get(sample_api(mesh, port="hourly")).status_code == 404


def test_the_sample_of_another_teams_draft_is_a_404():
    mesh = sample_mesh(status="draft")

    assert api(mesh.consumer).get(sample_api(mesh)).status_code == 404
    assert api(mesh.owner).get(sample_api(mesh)).status_code == 200


# --- uploading through the API -----------------------------------------------------------------


NEW_ROWS = [{"listener_id": "listener-0100", "email": "new.person@example.net", "plays": 3}]


def test_owner_uploads_a_csv_body():
    mesh = sample_mesh()
    csv_body = "listener_id,email,plays\nlistener-0100,new.person@example.net,3\n"

    response = api(mesh.developer).put(sample_api(mesh), csv_body.encode(), content_type="text/csv")

    assert response.status_code == 200, response.json()
    assert response.json()["rows"] == [["listener-0100", "new.person@example.net", 3]]
    assert response.json()["revealed"] is True
    sample = Sample.objects.get(port=mesh.port)
    assert (sample.columns, sample.rows) == (["listener_id", "email", "plays"], [["listener-0100", "new.person@example.net", 3]])


def test_owner_uploads_a_json_body():
    mesh = sample_mesh()

    response = api(mesh.owner).put(sample_api(mesh), NEW_ROWS, format="json")

    assert response.status_code == 200, response.json()
    assert Sample.objects.get(port=mesh.port).rows == [["listener-0100", "new.person@example.net", 3]]


@pytest.mark.parametrize(
    ("filename", "content"),
    [("daily.csv", b"listener_id,email,plays\nlistener-0100,new.person@example.net,3\n"), ("daily.json", json.dumps(NEW_ROWS).encode())],
)
def test_owner_uploads_a_file(filename, content):
    mesh = sample_mesh()

    response = api(mesh.owner).put(sample_api(mesh), {"file": SimpleUploadedFile(filename, content)}, format="multipart")

    assert response.status_code == 200, response.json()
    sample = Sample.objects.get(port=mesh.port)
    assert sample.rows == [["listener-0100", "new.person@example.net", 3]]
    assert sample.source_name == filename
    assert sample.uploaded_by == mesh.owner


def test_a_multipart_upload_without_a_file_is_a_400_naming_file():
    mesh = sample_mesh()

    response = api(mesh.owner).put(sample_api(mesh), {"other": "x"}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()


@pytest.mark.parametrize("role", ["consumer", "other_owner", "grantee", "steward"])
def test_people_outside_the_owning_team_cannot_upload_a_sample(role):
    mesh = sample_mesh()
    user = user_for(mesh, role)

    response = api(user).put(sample_api(mesh), NEW_ROWS, format="json")

    assert response.status_code == 403
    assert Sample.objects.get(port=mesh.port).rows[0][1] == SECRET_EMAIL


def test_anonymous_callers_cannot_upload_a_sample():
    mesh = sample_mesh()

    assert api().put(sample_api(mesh), NEW_ROWS, format="json").status_code == 401
    assert Sample.objects.get(port=mesh.port).rows[0][1] == SECRET_EMAIL


def test_a_sample_that_does_not_match_the_schema_is_a_400_listing_each_problem_with_its_row():
    mesh = sample_mesh()
    csv_body = "listener_id,email,plays,colour\nlistener-0100,a@example.net,3,red\n,b@example.net,many,blue\n"

    response = api(mesh.owner).put(sample_api(mesh), csv_body.encode(), content_type="text/csv")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "The sample does not match the port's schema (3 problems).",
        "file": [
            "Header: 'colour' is not in the port's schema.",
            "Row 2: column 'listener_id' is required.",
            "Row 2: column 'plays' expects a whole number (integer), not 'many'.",
        ],
    }
    assert Sample.objects.get(port=mesh.port).rows[0][1] == SECRET_EMAIL


def test_json_rows_with_unknown_columns_are_named_by_row():
    mesh = sample_mesh()
    rows = [{"listener_id": "a"}, {"listener_id": "b", "shoe_size": 44}]

    response = api(mesh.owner).put(sample_api(mesh), rows, format="json")

    assert response.status_code == 400
    assert response.json()["file"] == ["Row 2: column 'shoe_size' is not in the port's schema."]


def test_a_sample_over_the_size_limit_is_a_400_naming_file(settings):
    mesh = sample_mesh()
    settings.SAMPLE_MAX_BYTES = 64
    big = ("listener_id,email\n" + "listener-0100,someone@example.net\n" * 5).encode()

    as_body = api(mesh.owner).put(sample_api(mesh), big, content_type="text/csv")
    as_file = api(mesh.owner).put(sample_api(mesh), {"file": SimpleUploadedFile("big.csv", big)}, format="multipart")

    assert as_body.status_code == 400
    assert as_body.json()["file"] == [f"A sample may be at most 64 bytes; this one has {len(big)}."]
    assert as_file.status_code == 400
    assert as_file.json() == {"file": ["A sample may be at most 64 bytes."]}
    assert Sample.objects.get(port=mesh.port).rows[0][1] == SECRET_EMAIL


def test_a_sample_over_the_row_limit_is_a_400_naming_file(settings):
    mesh = sample_mesh()
    settings.SAMPLE_MAX_ROWS = 2
    rows = [{"listener_id": f"listener-{number}"} for number in range(3)]

    response = api(mesh.owner).put(sample_api(mesh), rows, format="json")

    assert response.status_code == 400
    assert response.json()["file"] == ["A sample may have at most 2 rows; this one has 3."]


def test_a_file_that_is_not_utf8_is_a_400_naming_file():
    mesh = sample_mesh()
    latin1 = "listener_id,email\nlistener-0100,jos\u00e9@example.net\n".encode("latin-1")

    response = api(mesh.owner).put(sample_api(mesh), {"file": SimpleUploadedFile("latin1.csv", latin1)}, format="multipart")

    assert response.status_code == 400
    assert response.json()["file"] == ["The file is not UTF-8 text."]


def test_owner_removes_a_sample_through_the_api():
    mesh = sample_mesh()

    response = api(mesh.owner).delete(sample_api(mesh))

    assert response.status_code == 204
    assert not Sample.objects.filter(port=mesh.port).exists()
    assert api(mesh.owner).get(sample_api(mesh)).status_code == 404


def test_a_consumer_cannot_remove_a_sample():
    mesh = sample_mesh()

    assert api(mesh.consumer).delete(sample_api(mesh)).status_code == 403
    assert Sample.objects.filter(port=mesh.port).exists()


# --- the upload page ----------------------------------------------------------------------------


def test_owner_opens_the_upload_page_with_the_current_sample():
    mesh = sample_mesh()

    response = browser(mesh.developer).get(upload_page(mesh))

    assert response.status_code == 200
    body = response.content.decode()
    assert "<code>account_note</code>" in body
    assert SECRET_EMAIL in body
    assert "Remove the sample" in body


@pytest.mark.parametrize("role", ["consumer", "other_owner", "grantee", "steward"])
def test_people_outside_the_owning_team_get_a_403_from_the_upload_page(role):
    mesh = sample_mesh()
    client = browser(user_for(mesh, role))

    assert client.get(upload_page(mesh)).status_code == 403
    assert client.post(upload_page(mesh), {"text": SAMPLE_CSV.replace("42", "43")}).status_code == 403
    assert client.post(upload_page(mesh), {"delete": "1"}).status_code == 403
    assert Sample.objects.get(port=mesh.port).rows[0][2] == 42


def test_anonymous_users_are_sent_to_sign_in_from_the_upload_page():
    mesh = sample_mesh()

    response = browser().get(upload_page(mesh))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_the_upload_page_of_a_port_of_another_product_is_a_404():
    mesh = sample_mesh()
    other = ProductFactory(domain=mesh.product.domain, by=mesh.owner, slug="sibling")

    assert browser(mesh.owner).get(f"/products/{other.slug}/ports/{mesh.port.pk}/sample/").status_code == 404


def test_uploading_a_file_on_the_page_redirects_to_the_product_showing_the_table():
    mesh = sample_mesh()
    slo_services.delete_sample(mesh.port, by=mesh.owner)
    client = browser(mesh.owner)
    upload = SimpleUploadedFile("daily.csv", SAMPLE_CSV.encode(), content_type="text/csv")

    response = client.post(upload_page(mesh), {"file": upload})

    assert response.status_code == 302
    assert response["Location"] == f"{mesh.product.get_absolute_url()}#port-{mesh.port.pk}"
    page = client.get(response["Location"]).content.decode()
    assert "Saved the sample of daily." in page
    assert 'class="sample-table"' in page
    assert SECRET_EMAIL in page
    assert Sample.objects.get(port=mesh.port).source_name == "daily.csv"


def test_pasted_rows_are_saved_like_a_file():
    mesh = sample_mesh()

    response = browser(mesh.owner).post(upload_page(mesh), {"text": json.dumps(NEW_ROWS)})

    assert response.status_code == 302
    assert Sample.objects.get(port=mesh.port).rows == [["listener-0100", "new.person@example.net", 3]]


def test_an_invalid_upload_shows_each_problem_with_a_400_and_keeps_the_old_sample():
    mesh = sample_mesh()
    text = "listener_id,email,plays,colour\nlistener-0100,a@example.net,many,red\n"

    response = browser(mesh.owner).post(upload_page(mesh), {"text": text})

    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "The sample was not saved." in page
    assert "Header: 'colour' is not in the port's schema." in page
    assert "Row 1: column 'plays' expects a whole number (integer), not 'many'." in page
    assert Sample.objects.get(port=mesh.port).rows[0][1] == SECRET_EMAIL


def test_an_empty_upload_asks_for_a_file_or_rows():
    mesh = sample_mesh()

    response = browser(mesh.owner).post(upload_page(mesh), {"text": "   "})

    assert response.status_code == 400
    assert "Choose a file or paste the rows." in response.content.decode()


def test_a_file_over_the_size_limit_is_refused_on_the_page(settings):
    mesh = sample_mesh()
    settings.SAMPLE_MAX_BYTES = 64
    upload = SimpleUploadedFile("big.csv", ("listener_id\n" + "listener-0100\n" * 10).encode())

    response = browser(mesh.owner).post(upload_page(mesh), {"file": upload})

    assert response.status_code == 400
    assert "A sample may be at most 64 bytes." in response.content.decode()
    assert Sample.objects.get(port=mesh.port).rows[0][1] == SECRET_EMAIL


def test_owner_removes_the_sample_on_the_page():
    mesh = sample_mesh()
    client = browser(mesh.owner)

    response = client.post(upload_page(mesh), {"delete": "1"})

    assert response.status_code == 302
    assert not Sample.objects.filter(port=mesh.port).exists()
    page = client.get(mesh.product.get_absolute_url()).content.decode()
    assert "No sample rows yet." in page
    assert SECRET_EMAIL not in page


# --- cost ------------------------------------------------------------------------------------------


def _query_count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _product_with(mesh: Mesh, *, slug: str, ports: int, objectives: int) -> str:
    """A product of the mesh's team with `ports` ports, each with a sample, and `objectives` objectives."""
    fields = [catalog_services.FieldSpec("listener_id", "string"), catalog_services.FieldSpec("email", "string", is_pii=True)]
    product = ProductFactory(
        domain=mesh.product.domain,
        by=mesh.owner,
        slug=slug,
        ports=[catalog_services.PortSpec(name=f"port-{n}", fields=fields) for n in range(ports)],
    )
    for port in product.output_ports.all():
        slo_services.upload_sample(port, by=mesh.owner, content=f"listener_id,email\nl-1,{SECRET_EMAIL}\n".encode(), format="csv")
    for number in range(objectives):
        slo_services.define_slo(product, by=mesh.owner, indicator="freshness", threshold=number + 1, target=99)
    return slug


@pytest.mark.parametrize("url", ["/products/{slug}/", "/api/v1/products/{slug}/"])
@pytest.mark.parametrize("role", ["consumer", "owner"])
def test_product_page_and_json_cost_the_same_with_one_or_many_samples_and_objectives(url, role):
    mesh = Mesh()
    small = _product_with(mesh, slug="small", ports=1, objectives=1)
    large = _product_with(mesh, slug="large", ports=5, objectives=6)
    client = browser(getattr(mesh, role))

    assert _query_count(client, url.format(slug=small)) == _query_count(client, url.format(slug=large))
