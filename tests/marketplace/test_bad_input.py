"""Bad input gets a 4xx that names the problem, never a 500: JSON nested too
deep on every endpoint that reads a body, ids too large for the database,
readings that cannot be true, and bodies larger than Django takes."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from core.parsers import MAX_JSON_DEPTH
from slos.models import SLOMeasurement
from tests.factories import Mesh, define_slo, live_grant, submit

pytestmark = pytest.mark.django_db

DEEP_LIST = "[" * 1000 + "]" * 1000  # 2 KB: about the interpreter's recursion limit
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000
HUGE_ID = 2**63  # one more than the largest 64-bit key


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def body_endpoints(mesh: Mesh) -> list[tuple[str, str]]:
    """Every endpoint that reads a request body, as (method, path), with
    objects that exist, so that the body is read (the admin may do all)."""
    grant = live_grant(mesh)
    access_request = submit(mesh, by=mesh.consumer)
    slo = define_slo(mesh.product, by=mesh.owner)
    product = f"/api/v1/products/{mesh.product.slug}/"
    return [
        ("post", "/api/v1/auth/token/"),
        ("post", "/api/v1/products/"),
        ("put", product),
        ("patch", product),
        ("post", "/api/v1/access-requests/"),
        ("post", f"/api/v1/access-requests/{access_request.pk}/approve/"),
        ("post", f"/api/v1/access-requests/{access_request.pk}/reject/"),
        ("post", f"/api/v1/grants/{grant.pk}/revoke/"),
        ("post", "/api/v1/slos/"),
        ("put", f"/api/v1/slos/{slo.pk}/"),
        ("patch", f"/api/v1/slos/{slo.pk}/"),
        ("post", "/api/v1/slo-measurements/"),
        ("put", f"/api/v1/products/{mesh.product.slug}/ports/daily/sample/"),
        ("post", "/api/v1/lineage"),
    ]


# --- deep nesting --------------------------------------------------------------------


@pytest.mark.parametrize("body", [DEEP_LIST, DEEP_OBJECT], ids=["lists", "objects"])
def test_json_nested_a_thousand_deep_is_a_400_on_every_endpoint_that_reads_a_body(body):
    mesh = Mesh()
    endpoints = body_endpoints(mesh)
    assert len(endpoints) == 14

    answers = {
        f"{method.upper()} {path}": api(mesh.admin).generic(method, path, body, content_type="application/json")
        for method, path in endpoints
    }

    assert {name: response.status_code for name, response in answers.items()} == {name: 400 for name in answers}
    assert {response.json()["detail"] for response in answers.values()} == {f"JSON nested deeper than {MAX_JSON_DEPTH} levels is refused."}


def test_anonymous_token_endpoint_refuses_deep_json_with_a_400():
    response = api().generic("post", "/api/v1/auth/token/", DEEP_LIST, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"detail": f"JSON nested deeper than {MAX_JSON_DEPTH} levels is refused."}


def test_json_as_deep_as_the_limit_is_read_and_one_level_more_is_refused():
    mesh = Mesh()
    client = api(mesh.owner)

    at_limit = client.generic("post", "/api/v1/slo-measurements/", nested(MAX_JSON_DEPTH), content_type="application/json")
    beyond = client.generic("post", "/api/v1/slo-measurements/", nested(MAX_JSON_DEPTH + 1), content_type="application/json")

    assert at_limit.status_code == 400
    assert "nested" not in str(at_limit.json())  # read, then refused as a batch of the wrong shape
    assert beyond.status_code == 400
    assert beyond.json() == {"detail": f"JSON nested deeper than {MAX_JSON_DEPTH} levels is refused."}


def test_deep_json_in_an_uploaded_sample_file_is_a_400_naming_the_problem():
    from django.core.files.uploadedfile import SimpleUploadedFile

    mesh = Mesh()
    upload = SimpleUploadedFile("rows.json", DEEP_LIST.encode(), content_type="application/json")

    response = api(mesh.owner).put(f"/api/v1/products/{mesh.product.slug}/ports/daily/sample/", {"file": upload}, format="multipart")

    assert response.status_code == 400
    assert f"nested deeper than {MAX_JSON_DEPTH} levels" in str(response.json())


def test_json_with_nan_is_a_400():
    mesh = Mesh()
    slo = define_slo(mesh.product, by=mesh.owner)
    body = f'[{{"slo": {slo.pk}, "measured_at": "{timezone.now().isoformat()}", "value": NaN}}]'

    response = api(mesh.owner).generic("post", "/api/v1/slo-measurements/", body, content_type="application/json")

    assert response.status_code == 400
    assert "NaN" in response.json()["detail"]


# --- ids too large for the database --------------------------------------------------


def measurement(slo_id, *, value=1.0, measured_at=None) -> dict:
    return {"slo": slo_id, "measured_at": (measured_at or timezone.now() - timedelta(hours=1)).isoformat(), "value": value}


def test_a_measurement_for_an_id_beyond_64_bits_is_a_400_naming_its_row_and_field():
    mesh = Mesh()
    slo = define_slo(mesh.product, by=mesh.owner)
    rows = [
        measurement(slo.pk),
        measurement(slo.pk, measured_at=timezone.now() - timedelta(hours=2)),
        measurement(-1),
        measurement(HUGE_ID),
    ]

    response = api(mesh.owner).post("/api/v1/slo-measurements/", rows, format="json")

    assert response.status_code == 400
    assert response.json()["rows"] == {
        "2": {"slo": ["No SLO -1 among your teams' data products."]},
        "3": {"slo": [f"No SLO {HUGE_ID} among your teams' data products."]},
    }
    assert SLOMeasurement.objects.count() == 0


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/slos/{id}/",
        "/api/v1/slos/{id}/history/",
        "/api/v1/access-requests/{id}/",
        "/api/v1/grants/{id}/",
        "/api/v1/audit-events/{id}/",
        "/api/v1/slos/?page={id}",
        "/api/v1/products/?page={id}",
        "/api/v1/grants/?page={id}",
    ],
)
@pytest.mark.parametrize("number", [HUGE_ID, 10**30])
def test_ids_and_pages_beyond_64_bits_are_not_found(path, number):
    mesh = Mesh()

    response = api(mesh.admin).get(path.format(id=number))

    assert response.status_code == 404


@pytest.mark.parametrize("method", ["post", "delete"])
def test_actions_on_an_id_beyond_64_bits_are_not_found(method):
    mesh = Mesh()

    answers = [
        api(mesh.admin).generic(method, path, "{}", content_type="application/json").status_code
        for path in (f"/api/v1/access-requests/{HUGE_ID}/approve/", f"/api/v1/grants/{HUGE_ID}/revoke/", f"/api/v1/slos/{HUGE_ID}/")
    ]

    assert set(answers) <= {404, 405}
    assert 404 in answers


def test_a_request_for_a_duration_beyond_64_bits_is_a_400_naming_the_field():
    mesh = Mesh()

    response = api(mesh.consumer).post(
        "/api/v1/access-requests/", {"product": mesh.product.slug, "purpose": "Churn analysis.", "duration_days": HUGE_ID}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["duration_days"]


@pytest.mark.parametrize("field", ["threshold", "target", "window_days"])
def test_an_objective_with_a_number_beyond_64_bits_is_a_400_naming_the_field(field):
    mesh = Mesh()
    body = {"product": mesh.product.slug, "indicator": "freshness", "threshold": 6, "target": 99.5, field: 10**400}

    response = api(mesh.owner).post("/api/v1/slos/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]


# --- readings that cannot be true --------------------------------------------------------


@pytest.mark.parametrize(
    ("indicator", "value", "message"),
    [
        ("latency", -1, "A duration cannot be negative."),
        ("freshness", -0.5, "A duration cannot be negative."),
        ("availability", 100.5, "A percentage lies between 0 and 100."),
        ("completeness", -3, "A percentage lies between 0 and 100."),
        ("error_rate", 250, "A percentage lies between 0 and 100."),
    ],
)
def test_a_reading_the_indicator_cannot_have_is_a_400_naming_its_value(indicator, value, message):
    mesh = Mesh()
    threshold = {"latency": 200, "freshness": 6}.get(indicator, 99)
    slo = define_slo(mesh.product, by=mesh.owner, indicator=indicator, threshold=threshold)

    response = api(mesh.owner).post("/api/v1/slo-measurements/", [measurement(slo.pk, value=value)], format="json")

    assert response.status_code == 400
    assert response.json()["rows"] == {"0": {"value": [message]}}
    assert SLOMeasurement.objects.count() == 0


def test_a_negative_duration_in_another_unit_is_refused_after_conversion():
    mesh = Mesh()
    slo = define_slo(mesh.product, by=mesh.owner, indicator="latency", threshold=200)

    response = api(mesh.owner).post("/api/v1/slo-measurements/", [{**measurement(slo.pk, value=-0.001), "unit": "s"}], format="json")

    assert response.status_code == 400
    assert response.json()["rows"] == {"0": {"value": ["A duration cannot be negative."]}}


def test_readings_at_the_bounds_are_stored():
    mesh = Mesh()
    latency = define_slo(mesh.product, by=mesh.owner, indicator="latency", threshold=200)
    availability = define_slo(mesh.product, by=mesh.owner, indicator="availability", threshold=99)
    custom = define_slo(mesh.product, by=mesh.owner, indicator="custom", name="balance drift", threshold=5, unit="")

    response = api(mesh.owner).post(
        "/api/v1/slo-measurements/",
        [
            measurement(latency.pk, value=0),
            measurement(availability.pk, value=100),
            measurement(availability.pk, value=0, measured_at=timezone.now() - timedelta(hours=3)),
            measurement(custom.pk, value=-40),
        ],
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["stored"] == 4


@pytest.mark.parametrize(
    ("measured_at", "message"),
    [
        ("0001-01-01T00:00:00Z", "This time is more than 365 days ago, older than any objective's window."),
        ("1999-12-31T23:59:59+00:00", "This time is more than 365 days ago, older than any objective's window."),
        ("9999-12-31T23:59:59Z", "This time is in the future."),
    ],
)
def test_a_measurement_time_out_of_range_is_a_400_naming_it(measured_at, message):
    mesh = Mesh()
    slo = define_slo(mesh.product, by=mesh.owner)

    response = api(mesh.owner).post("/api/v1/slo-measurements/", [{"slo": slo.pk, "measured_at": measured_at, "value": 1}], format="json")

    assert response.status_code == 400
    assert response.json()["rows"] == {"0": {"measured_at": [message]}}


def test_a_measurement_a_year_old_is_stored_and_one_older_is_refused():
    mesh = Mesh()
    slo = define_slo(mesh.product, by=mesh.owner)
    now = timezone.now()

    within = api(mesh.owner).post("/api/v1/slo-measurements/", [measurement(slo.pk, measured_at=now - timedelta(days=364))], format="json")
    older = api(mesh.owner).post("/api/v1/slo-measurements/", [measurement(slo.pk, measured_at=now - timedelta(days=366))], format="json")

    assert within.status_code == 201
    assert older.status_code == 400
    assert list(older.json()["rows"]["0"]) == ["measured_at"]


# --- bodies larger than Django takes -----------------------------------------------------


def test_an_api_body_over_the_upload_limit_is_a_json_413(client):
    body = " " * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = client.generic("POST", "/api/v1/slo-measurements/", body, content_type="application/json")

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": f"A request body may be at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes."}


def test_a_form_over_the_upload_limit_on_an_api_path_is_a_json_413_too():
    mesh = Mesh()
    body = "purpose=" + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = api(mesh.consumer).generic("POST", "/api/v1/access-requests/", body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 413
    assert response.json()["detail"].startswith("A request body may be at most")


def test_a_page_body_over_the_upload_limit_is_an_html_413(client):
    body = "username=erin&password=" + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = client.generic("POST", "/accounts/login/", body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "too large" in response.content.decode()


def test_a_body_at_the_upload_limit_is_read(client):
    body = " " * settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    response = client.generic("POST", "/api/v1/auth/token/", body, content_type="application/json")

    assert response.status_code == 400  # read: not JSON
    assert response.json()["detail"].startswith("JSON parse error")


# --- found by the fuzzer (tests/marketplace/test_api_fuzz.py) ---------------------------


def test_an_empty_csv_sample_is_a_400_naming_the_problem():
    mesh = Mesh()

    response = api(mesh.owner).generic("put", f"/api/v1/products/{mesh.product.slug}/ports/daily/sample/", b"", content_type="text/csv")

    assert response.status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/slos/?status=",
        "/api/v1/grants/?product=",
        "/api/v1/audit-events/?until=",
        "/api/v1/search/?sort=",
        "/api/v1/products/?classification=",
    ],
)
def test_a_query_parameter_without_a_value_is_a_400_naming_it(path):
    mesh = Mesh()
    name = path.split("?")[1].rstrip("=")

    response = api(mesh.admin).get(path)

    assert response.status_code == 400
    assert list(response.json()) == [name]


def test_a_lineage_direction_without_a_value_is_a_400_naming_it():
    mesh = Mesh()

    response = api(mesh.owner).get(f"/api/v1/products/{mesh.product.slug}/lineage/?direction=")

    assert response.status_code == 400
    assert list(response.json()) == ["direction"]


def test_an_empty_search_text_is_still_a_search():
    mesh = Mesh()

    assert api(mesh.owner).get("/api/v1/search/?q=").status_code == 200


@pytest.mark.parametrize("body", [{"comment": 0}, {"comment": 1.5}])
def test_a_number_where_text_belongs_is_a_400_naming_the_field(body):
    mesh = Mesh()
    access_request = submit(mesh, by=mesh.consumer)

    response = api(mesh.admin).post(f"/api/v1/access-requests/{access_request.pk}/reject/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {"comment": ["Text is needed: a JSON string."]}


def test_tags_that_are_not_text_are_a_400_naming_the_field():
    mesh = Mesh()

    response = api(mesh.owner).patch(f"/api/v1/products/{mesh.product.slug}/", {"tags": ["fine", 3]}, format="json")

    assert response.status_code == 400
    assert response.json() == {"tags": ["Each item is text: a JSON string."]}


@pytest.mark.parametrize("page_size", ["0", "-1", "abc", "1.5"])
def test_a_page_size_that_is_not_a_whole_number_from_1_is_a_400_naming_it(page_size):
    mesh = Mesh()

    response = api(mesh.owner).get(f"/api/v1/products/?page_size={page_size}")

    assert response.status_code == 400
    assert list(response.json()) == ["page_size"]


def test_an_unknown_api_address_is_a_json_404_even_for_a_post():
    mesh = Mesh()

    response = api(mesh.owner).post("/api/v1/access-requests/0.5/approve/", {}, format="json")

    assert response.status_code == 404
    assert response.json() == {"detail": "No API endpoint at this address."}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/access/requests/{id}/"),
        ("post", "/access/requests/{id}/withdraw/"),
        ("post", "/access/steps/{id}/approve/"),
        ("post", "/access/steps/{id}/reject/"),
        ("post", "/access/grants/{id}/revoke/"),
        ("get", "/products/{slug}/ports/{id}/sample/"),
    ],
)
def test_pages_with_an_id_beyond_64_bits_are_not_found(client, method, path):
    mesh = Mesh()
    client.force_login(mesh.admin)

    response = getattr(client, method)(path.format(id=HUGE_ID, slug=mesh.product.slug))

    assert response.status_code == 404
