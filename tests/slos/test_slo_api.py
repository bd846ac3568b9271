"""The HTTP side of service level objectives: /api/v1/slos/ (create, list,
retrieve, update, delete, history) and /api/v1/slo-measurements/, with their
permission cases, and the SLO status the product JSON carries.

The cast is tests.factories.Mesh: a published product of `team` (owner and
developer), another team's owner, a steward, a consumer and an admin. As
everywhere in the API, an anonymous caller gets 401 with a
WWW-Authenticate challenge (marketplace/authentication.py)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalog.models import DataProduct
from slos import services as slo_services
from slos.models import ServiceLevelObjective, SLOMeasurement
from tests.factories import Mesh, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

SLOS = "/api/v1/slos/"
MEASUREMENTS = "/api/v1/slo-measurements/"
PRODUCTS = "/api/v1/products/"


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def machine(user, scheme: str = "Token") -> APIClient:
    """A pipeline's client: a token of `user` in the Authorization header."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {Token.objects.create(user=user).key}")
    return client


def objective(
    product: DataProduct, *, by, indicator: str = "freshness", threshold: float = 6, target: float = 99.0, **fields
) -> ServiceLevelObjective:
    return slo_services.define_slo(product, by=by, indicator=indicator, threshold=threshold, target=target, **fields)


def ago(**delta) -> str:
    return (timezone.now() - timedelta(**delta)).isoformat()


def measurement(slo: ServiceLevelObjective, value: float, **delta) -> dict:
    return {"slo": slo.pk, "measured_at": ago(**delta), "value": value}


def new_objective(mesh: Mesh, **changes) -> dict:
    return {"product": mesh.product.slug, "indicator": "freshness", "threshold": 6, "target": 99.5, **changes}


# --- creating ----------------------------------------------------------------------------


def test_team_member_creates_an_objective_with_the_indicators_defaults():
    mesh = Mesh()

    response = api(mesh.developer).post(SLOS, new_objective(mesh), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    slo = ServiceLevelObjective.objects.get()
    assert body["id"] == slo.pk
    assert body["product"] == mesh.product.slug
    assert body["port"] is None
    assert (body["operator"], body["unit"], body["window_days"]) == ("lte", "h", 28)
    assert body["objective"] == "≤ 6 h, 99.5 % over 28 days"
    assert body["status"] == "no_data"
    assert body["status_computed_at"] is not None


def test_an_objective_may_be_about_one_output_port():
    mesh = Mesh()

    response = api(mesh.owner).post(
        SLOS, new_objective(mesh, port="daily", indicator="latency", threshold=250, name="Query latency"), format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["port"] == "daily"
    assert response.json()["unit"] == "ms"
    assert ServiceLevelObjective.objects.get().port == mesh.product.output_ports.get(name="daily")


def test_admin_creates_an_objective_for_any_product():
    mesh = Mesh()

    assert api(mesh.admin).post(SLOS, new_objective(mesh), format="json").status_code == 201


@pytest.mark.parametrize("role", ["other_owner", "consumer", "steward"])
def test_people_outside_the_owning_team_cannot_create_an_objective(role):
    mesh = Mesh()

    response = api(getattr(mesh, role)).post(SLOS, new_objective(mesh), format="json")

    assert response.status_code == 403
    assert ServiceLevelObjective.objects.count() == 0


def test_anonymous_callers_cannot_create_an_objective():
    mesh = Mesh()

    response = api().post(SLOS, new_objective(mesh), format="json")

    assert response.status_code == 401
    assert ServiceLevelObjective.objects.count() == 0


def test_an_objective_for_another_teams_draft_is_a_400_naming_the_product_like_an_unknown_slug():
    mesh = Mesh()
    draft = ProductFactory(status="draft", slug="hidden-draft")

    hidden = api(mesh.owner).post(SLOS, new_objective(mesh, product=draft.slug), format="json")
    unknown = api(mesh.owner).post(SLOS, new_objective(mesh, product="no-such-product"), format="json")

    assert hidden.status_code == 400
    assert hidden.json() == {"product": ["There is no data product 'hidden-draft' you can see."]}
    assert unknown.json() == {"product": ["There is no data product 'no-such-product' you can see."]}
    assert ServiceLevelObjective.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"indicator": "availability", "threshold": 99.9, "unit": "h"}, "unit"),
        ({"unit": "parsecs"}, "unit"),
        ({"target": 0}, "target"),
        ({"target": 150}, "target"),
        ({"window_days": 0}, "window_days"),
        ({"window_days": 366}, "window_days"),
        ({"indicator": "custom", "threshold": 3}, "name"),
        ({"port": "hourly"}, "port"),
        ({"indicator": "availability", "threshold": 120}, "threshold"),
        ({"operator": "eq"}, "operator"),
        ({"indicator": "uptime"}, "indicator"),
    ],
)
def test_an_invalid_objective_is_a_400_naming_the_field_and_stores_nothing(change, field):
    mesh = Mesh()

    response = api(mesh.owner).post(SLOS, new_objective(mesh, **change), format="json")

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert ServiceLevelObjective.objects.count() == 0


def test_a_unit_the_indicator_does_not_take_is_refused_naming_the_units_it_does():
    mesh = Mesh()

    availability = api(mesh.owner).post(SLOS, new_objective(mesh, indicator="availability", threshold=99.9, unit="h"), format="json")
    freshness = api(mesh.owner).post(SLOS, new_objective(mesh, unit="%"), format="json")

    assert availability.json() == {"unit": ["Availability is measured in '%', not 'h'."]}
    assert freshness.json() == {"unit": ["Freshness is measured in 'ms', 's', 'min', 'h', 'd', not '%'."]}


# --- reading -----------------------------------------------------------------------------


def test_list_filters_by_product_and_status():
    mesh = Mesh()
    other = ProductFactory(slug="elsewhere")
    freshness = objective(mesh.product, by=mesh.owner)
    broken = objective(mesh.product, by=mesh.owner, indicator="availability", threshold=99.9)
    objective(other, by=other.product_owner)
    api(mesh.owner).post(MEASUREMENTS, [measurement(broken, 50, hours=1)], format="json")
    client = api(mesh.consumer)

    of_product = client.get(f"{SLOS}?product={mesh.product.slug}")
    breached = client.get(f"{SLOS}?product={mesh.product.slug}&status=breached")

    assert of_product.status_code == 200
    assert sorted(item["id"] for item in of_product.json()["results"]) == sorted([freshness.pk, broken.pk])
    assert [item["id"] for item in breached.json()["results"]] == [broken.pk]
    assert client.get(SLOS).json()["count"] == 3


def test_list_costs_the_same_number_of_queries_for_few_and_many_objectives():
    mesh = Mesh()
    client = api(mesh.consumer)
    objective(mesh.product, by=mesh.owner, port=mesh.product.output_ports.get())
    client.get(SLOS)  # warm the content type cache
    with CaptureQueriesContext(connection) as few:
        assert client.get(SLOS).json()["count"] == 1
    for threshold in range(2, 12):
        objective(ProductFactory(), by=mesh.admin, threshold=threshold, port=None)

    with CaptureQueriesContext(connection) as many:
        assert client.get(SLOS).json()["count"] == 11

    assert len(few) == len(many)


def test_list_with_an_unknown_status_is_a_400_naming_it():
    mesh = Mesh()

    response = api(mesh.consumer).get(f"{SLOS}?status=fine")

    assert response.status_code == 400
    assert "status" in response.json()


def test_objectives_of_another_teams_draft_are_neither_listed_nor_retrieved():
    mesh = Mesh()
    draft = ProductFactory(status="draft")
    hidden = objective(draft, by=draft.product_owner)
    client = api(mesh.consumer)

    assert client.get(SLOS).json()["count"] == 0
    assert client.get(f"{SLOS}{hidden.pk}/").status_code == 404
    assert client.get(f"{SLOS}{hidden.pk}/history/").status_code == 404


def test_anyone_signed_in_reads_an_objective_of_a_published_product():
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner)

    response = api(mesh.consumer).get(f"{SLOS}{slo.pk}/")

    assert response.status_code == 200
    assert response.json()["objective"] == "≤ 6 h, 99 % over 28 days"
    assert api().get(f"{SLOS}{slo.pk}/").status_code == 401


def test_history_gives_every_day_of_the_window_with_its_counts():
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner, window_days=7)
    rows = [measurement(slo, 2, minutes=30), measurement(slo, 9, minutes=20)]
    api(mesh.owner).post(MEASUREMENTS, rows, format="json")
    measured_on = timezone.localtime(SLOMeasurement.objects.order_by("measured_at").first().measured_at).date().isoformat()

    response = api(mesh.consumer).get(f"{SLOS}{slo.pk}/history/")

    assert response.status_code == 200
    days = response.json()
    assert len(days) == 8  # the window's seven days and today
    assert [day["day"] for day in days] == sorted(day["day"] for day in days)
    measured = [day for day in days if day["total"]]
    assert measured == [{"day": measured_on, "good": 1, "total": 2, "attainment": 50.0}]
    assert all(day["attainment"] is None for day in days if not day["total"])


# --- changing and removing -------------------------------------------------------------------


def test_changing_the_threshold_judges_the_stored_measurements_again():
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner, threshold=6)
    api(mesh.owner).post(MEASUREMENTS, [measurement(slo, 5, hours=2), measurement(slo, 3, hours=1)], format="json")
    assert ServiceLevelObjective.objects.get(pk=slo.pk).status == "meeting"

    response = api(mesh.developer).patch(f"{SLOS}{slo.pk}/", {"threshold": 4}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "breached"
    assert response.json()["attainment"] == 50.0
    assert sorted(SLOMeasurement.objects.values_list("value", "good")) == [(3.0, True), (5.0, False)]
    mesh.product.refresh_from_db()
    assert mesh.product.slo_status == "breached"


def test_owner_replaces_an_objective_with_put():
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner)

    response = api(mesh.owner).put(
        f"{SLOS}{slo.pk}/", new_objective(mesh, indicator="availability", threshold=99.9, target=99, window_days=7), format="json"
    )

    assert response.status_code == 200, response.json()
    slo.refresh_from_db()
    assert (slo.indicator, slo.operator, slo.unit, slo.threshold, slo.window_days) == ("availability", "gte", "%", 99.9, 7)


@pytest.mark.parametrize("role", ["other_owner", "consumer", "steward"])
def test_people_outside_the_owning_team_cannot_change_an_objective(role):
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner, threshold=6)

    response = api(getattr(mesh, role)).patch(f"{SLOS}{slo.pk}/", {"threshold": 48}, format="json")

    assert response.status_code == 403
    slo.refresh_from_db()
    assert slo.threshold == 6


def test_an_objective_cannot_move_to_another_product():
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner)
    other = ProductFactory(domain=mesh.product.domain, by=mesh.owner, slug="sibling")

    response = api(mesh.owner).patch(f"{SLOS}{slo.pk}/", {"product": other.slug}, format="json")

    assert response.status_code == 400
    assert "product" in response.json()
    slo.refresh_from_db()
    assert slo.product == mesh.product


def test_an_invalid_change_is_a_400_naming_the_field_and_changes_nothing():
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner, target=99)

    response = api(mesh.owner).patch(f"{SLOS}{slo.pk}/", {"target": 101}, format="json")

    assert response.status_code == 400
    assert "target" in response.json()
    slo.refresh_from_db()
    assert slo.target == 99


def test_an_objective_with_measurements_cannot_change_to_an_indicator_of_another_kind():
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner, threshold=6)
    api(mesh.owner).post(MEASUREMENTS, [measurement(slo, 2, hours=1)], format="json")

    response = api(mesh.owner).patch(f"{SLOS}{slo.pk}/", {"indicator": "availability", "threshold": 99}, format="json")

    assert response.status_code == 400
    assert "unit" in response.json()
    slo.refresh_from_db()
    assert (slo.indicator, slo.unit, slo.threshold) == ("freshness", "h", 6)
    assert list(SLOMeasurement.objects.values_list("value", "good")) == [(2.0, True)]


def test_owner_deletes_an_objective_and_its_measurements():
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner)
    api(mesh.owner).post(MEASUREMENTS, [measurement(slo, 50, hours=1)], format="json")

    response = api(mesh.developer).delete(f"{SLOS}{slo.pk}/")

    assert response.status_code == 204
    assert ServiceLevelObjective.objects.count() == 0
    assert SLOMeasurement.objects.count() == 0
    mesh.product.refresh_from_db()
    assert mesh.product.slo_status == "no_data"


@pytest.mark.parametrize("role", ["other_owner", "consumer", "steward", "anonymous"])
def test_only_the_owning_team_deletes_an_objective(role):
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner)

    response = api(None if role == "anonymous" else getattr(mesh, role)).delete(f"{SLOS}{slo.pk}/")

    assert response.status_code == (401 if role == "anonymous" else 403)
    assert ServiceLevelObjective.objects.filter(pk=slo.pk).exists()


# --- measurements ---------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["Token", "Bearer"])
def test_a_pipeline_records_a_batch_with_its_teams_token(scheme):
    mesh = Mesh()
    freshness = objective(mesh.product, by=mesh.owner)
    availability = objective(mesh.product, by=mesh.owner, indicator="availability", threshold=99.9)
    rows = [
        measurement(freshness, 2, hours=3),
        measurement(freshness, 90, hours=2) | {"unit": "min"},
        measurement(availability, 100, hours=1),
    ]

    response = machine(mesh.developer, scheme).post(MEASUREMENTS, rows, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["received"], body["stored"], body["duplicates"]) == (3, 3, 0)
    assert [(slo["id"], slo["status"]) for slo in body["slos"]] == [(freshness.pk, "meeting"), (availability.pk, "meeting")]
    assert sorted(SLOMeasurement.objects.filter(slo=freshness).values_list("value", flat=True)) == [1.5, 2.0]
    assert SLOMeasurement.objects.count() == 3


def test_sending_the_same_batch_again_stores_nothing_new():
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner)
    rows = [measurement(slo, value, hours=hours) for value, hours in [(1, 1), (2, 2), (3, 3)]]
    client = machine(mesh.developer)
    client.post(MEASUREMENTS, rows, format="json")

    again = client.post(MEASUREMENTS, rows, format="json")

    assert again.status_code == 201
    assert (again.json()["received"], again.json()["stored"], again.json()["duplicates"]) == (3, 0, 3)
    assert SLOMeasurement.objects.count() == 3


def test_a_measurement_repeated_within_a_batch_is_stored_once():
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner)
    row = measurement(slo, 1, hours=1)

    response = machine(mesh.developer).post(MEASUREMENTS, [row, row], format="json")

    assert (response.json()["stored"], response.json()["duplicates"]) == (1, 1)
    assert SLOMeasurement.objects.count() == 1


def test_the_same_instant_in_another_time_zone_is_a_duplicate():
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner)
    client = machine(mesh.developer)
    day = (timezone.now() - timedelta(days=2)).date().isoformat()  # measurements over a year old are refused
    client.post(MEASUREMENTS, [{"slo": slo.pk, "measured_at": f"{day}T06:00:00Z", "value": 1}], format="json")

    again = client.post(MEASUREMENTS, [{"slo": slo.pk, "measured_at": f"{day}T07:00:00+01:00", "value": 1}], format="json")

    assert (again.json()["stored"], again.json()["duplicates"]) == (0, 1)
    assert SLOMeasurement.objects.count() == 1


def test_a_late_measurement_arriving_out_of_order_changes_the_status():
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner, threshold=6, target=99)
    client = machine(mesh.developer)
    client.post(MEASUREMENTS, [measurement(slo, 1, hours=hours) for hours in range(1, 21)], format="json")
    mesh.product.refresh_from_db()
    assert mesh.product.slo_status == "meeting"

    response = client.post(MEASUREMENTS, [measurement(slo, 30, days=3)], format="json")

    assert response.status_code == 201
    assert response.json()["slos"][0]["status"] == "breached"
    assert response.json()["slos"][0]["good_count"] == 20
    assert response.json()["slos"][0]["total_count"] == 21
    mesh.product.refresh_from_db()
    assert mesh.product.slo_status == "breached"


def test_a_late_measurement_older_than_the_window_is_kept_but_does_not_count():
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner, window_days=28)
    client = machine(mesh.developer)
    client.post(MEASUREMENTS, [measurement(slo, 1, hours=1)], format="json")

    response = client.post(MEASUREMENTS, [measurement(slo, 30, days=40)], format="json")

    assert response.json()["stored"] == 1
    assert response.json()["slos"][0]["status"] == "meeting"
    assert SLOMeasurement.objects.count() == 2


def test_invalid_rows_refuse_the_whole_batch_naming_each_row_and_field():
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner)
    objective(mesh.product, by=mesh.owner, indicator="availability", threshold=99)
    rows = [
        measurement(slo, 1, hours=1),  # valid: refused with the others
        {"slo": slo.pk, "measured_at": ago(hours=2)},
        {"slo": slo.pk, "measured_at": "2026-12-02T06:00:00", "value": 1},
        measurement(slo, 1, hours=3) | {"unit": "%"},
        {"slo": 999_999, "measured_at": ago(hours=4), "value": 1},
        measurement(slo, 1, hours=5) | {"value": "fast"},
        {"slo": slo.pk, "measured_at": (timezone.now() + timedelta(days=1)).isoformat(), "value": 1},
        "not an object",
    ]
    before = SLOMeasurement.objects.count()

    response = machine(mesh.developer).post(MEASUREMENTS, rows, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "7 of 8 measurements are invalid; nothing was stored."
    assert {index: sorted(fields) for index, fields in body["rows"].items()} == {
        "1": ["value"],
        "2": ["measured_at"],
        "3": ["unit"],
        "4": ["slo"],
        "5": ["value"],
        "6": ["measured_at"],
        "7": ["non_field_errors"],
    }
    assert SLOMeasurement.objects.count() == before == 0


def test_a_batch_of_the_maximum_size_is_accepted(settings):
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner)
    rows = [measurement(slo, 1, minutes=minutes) for minutes in range(1, settings.SLO_MEASUREMENT_BATCH + 1)]

    response = machine(mesh.developer).post(MEASUREMENTS, rows, format="json")

    assert response.status_code == 201
    assert response.json()["stored"] == 1000
    assert SLOMeasurement.objects.count() == 1000


def test_a_batch_over_the_maximum_size_is_a_400_and_stores_nothing(settings):
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner)
    rows = [measurement(slo, 1, minutes=minutes) for minutes in range(1, settings.SLO_MEASUREMENT_BATCH + 2)]

    response = machine(mesh.developer).post(MEASUREMENTS, rows, format="json")

    assert response.status_code == 400
    assert response.json() == {"rows": ["Send at most 1,000 measurements at a time; this batch has 1,001."]}
    assert SLOMeasurement.objects.count() == 0


@pytest.mark.parametrize("body", [{"slo": 1, "measured_at": "2026-12-02T06:00:00Z", "value": 1}, [], "42"])
def test_a_body_that_is_not_a_list_of_measurements_is_a_400(body):
    mesh = Mesh()
    objective(mesh.product, by=mesh.owner)

    response = machine(mesh.developer).post(MEASUREMENTS, body, format="json")

    assert response.status_code == 400
    assert "rows" in response.json()
    assert SLOMeasurement.objects.count() == 0


def test_another_teams_token_is_a_400_naming_the_rows_slo_and_stores_nothing():
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner)

    response = machine(mesh.other_owner).post(MEASUREMENTS, [measurement(slo, 1, hours=1)], format="json")

    assert response.status_code == 400
    assert response.json()["rows"] == {"0": {"slo": [f"No SLO {slo.pk} among your teams' data products."]}}
    assert SLOMeasurement.objects.count() == 0


def test_a_consumer_with_a_token_cannot_record_measurements():
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner)

    response = machine(mesh.consumer, "Bearer").post(MEASUREMENTS, [measurement(slo, 1, hours=1)], format="json")

    assert response.status_code == 400
    assert list(response.json()["rows"]["0"]) == ["slo"]
    assert SLOMeasurement.objects.count() == 0


def test_anonymous_callers_and_unknown_tokens_cannot_record_measurements():
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner)
    forged = APIClient()
    forged.credentials(HTTP_AUTHORIZATION="Bearer not-a-real-token")

    anonymous = api().post(MEASUREMENTS, [measurement(slo, 1, hours=1)], format="json")
    unknown = forged.post(MEASUREMENTS, [measurement(slo, 1, hours=1)], format="json")

    assert (anonymous.status_code, unknown.status_code) == (401, 401)
    assert anonymous["WWW-Authenticate"] == unknown["WWW-Authenticate"] == 'Token realm="api", Bearer realm="api"'
    assert SLOMeasurement.objects.count() == 0


# --- the product JSON -------------------------------------------------------------------------


def test_product_list_and_detail_carry_the_slo_status():
    mesh = Mesh()
    quiet = ProductFactory(slug="quiet")
    slo = objective(mesh.product, by=mesh.owner, threshold=6)
    machine(mesh.developer).post(MEASUREMENTS, [measurement(slo, 2, hours=1)], format="json")
    client = api(UserFactory())

    listed = {item["slug"]: item["slo_status"] for item in client.get(PRODUCTS).json()["results"]}
    detail = client.get(f"{PRODUCTS}{mesh.product.slug}/").json()

    assert listed == {mesh.product.slug: "meeting", quiet.slug: "no_data"}
    assert detail["slo_status"] == "meeting"
    assert [(item["id"], item["status"], item["attainment"]) for item in detail["slos"]] == [(slo.pk, "meeting", 100.0)]
    assert client.get(f"{PRODUCTS}{quiet.slug}/").json()["slos"] == []
