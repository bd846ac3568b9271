"""The admin of service level objectives, their measurements and samples: the
pages load for a superuser, and objectives added, changed and removed there
go through catalog.services (statuses computed, measurements judged again,
the services' rules shown on the form)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from catalog import services as catalog_services
from slos import services as slo_services
from slos.models import Sample, ServiceLevelObjective, SLOMeasurement
from tests.factories import Mesh, ProductFactory

pytestmark = pytest.mark.django_db

ADMIN = "/admin/slos"


def admin_client(mesh: Mesh) -> Client:
    client = Client()
    client.force_login(mesh.admin)
    return client


def objective(product, *, by, indicator: str = "freshness", threshold: float = 6, target: float = 99.0, **fields) -> ServiceLevelObjective:
    return slo_services.define_slo(product, by=by, indicator=indicator, threshold=threshold, target=target, **fields)


def record(slo: ServiceLevelObjective, *values: float, by) -> None:
    now = timezone.now()
    rows = [{"slo": slo.pk, "measured_at": now - timedelta(hours=hours), "value": value} for hours, value in enumerate(values, start=1)]
    slo_services.record_measurements(rows, by=by)


def with_everything() -> Mesh:
    """A mesh whose product has an objective with measurements and a sample."""
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner)
    record(slo, 2, 9, by=mesh.owner)
    port = mesh.product.output_ports.get(name="daily")
    slo_services.upload_sample(port, by=mesh.owner, content=b"field_0,field_1\na,b\n", filename="daily.csv")
    mesh.slo = slo
    return mesh


def add_form(mesh: Mesh, **changes) -> dict:
    data = {
        "product": str(mesh.product.pk),
        "port": "",
        "indicator": "freshness",
        "name": "",
        "description": "",
        "operator": "",
        "threshold": "6",
        "unit": "h",
        "target": "99.5",
        "window_days": "28",
        "_save": "Save",
    }
    data.update({name: str(value) for name, value in changes.items()})
    return data


# --- pages load --------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["servicelevelobjective", "slomeasurement", "sample"])
def test_changelist_loads_for_a_superuser(model):
    mesh = with_everything()

    response = admin_client(mesh).get(f"{ADMIN}/{model}/")

    assert response.status_code == 200
    assert response.context["cl"].result_count == {"servicelevelobjective": 1, "slomeasurement": 2, "sample": 1}[model]


@pytest.mark.parametrize("model", ["servicelevelobjective", "slomeasurement", "sample"])
def test_change_page_loads_for_a_superuser(model):
    mesh = with_everything()
    obj = {"servicelevelobjective": ServiceLevelObjective, "slomeasurement": SLOMeasurement, "sample": Sample}[model].objects.first()

    assert admin_client(mesh).get(f"{ADMIN}/{model}/{obj.pk}/change/").status_code == 200


def test_slo_add_page_loads_for_a_superuser():
    mesh = Mesh()

    assert admin_client(mesh).get(f"{ADMIN}/servicelevelobjective/add/").status_code == 200


@pytest.mark.parametrize("model", ["slomeasurement", "sample"])
def test_measurements_and_samples_cannot_be_added_in_the_admin(model):
    mesh = Mesh()

    assert admin_client(mesh).get(f"{ADMIN}/{model}/add/").status_code == 403


def test_measurements_are_read_only_in_the_admin():
    mesh = with_everything()
    measurement = SLOMeasurement.objects.order_by("value").first()

    response = admin_client(mesh).post(f"{ADMIN}/slomeasurement/{measurement.pk}/change/", {"value": "1000", "good": "on"})

    assert response.status_code == 403
    measurement.refresh_from_db()
    assert measurement.value == 2.0


def test_team_owners_who_are_not_staff_are_sent_to_the_admin_sign_in():
    mesh = Mesh()
    client = Client()
    client.force_login(mesh.owner)

    response = client.get(f"{ADMIN}/servicelevelobjective/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


# --- objectives go through the services -----------------------------------------------------------


def test_adding_an_objective_in_the_admin_stores_it_through_the_services():
    mesh = Mesh()

    response = admin_client(mesh).post(f"{ADMIN}/servicelevelobjective/add/", add_form(mesh, port=mesh.product.output_ports.get().pk))

    assert response.status_code == 302, response.context["adminform"].form.errors
    slo = ServiceLevelObjective.objects.get()
    assert (slo.indicator, slo.operator, slo.unit, slo.threshold, slo.target) == ("freshness", "lte", "h", 6.0, 99.5)
    assert slo.port.name == "daily"
    assert slo.status == "no_data"
    assert slo.status_computed_at is not None


def test_an_objective_the_rules_refuse_shows_the_error_on_its_field_and_stores_nothing():
    mesh = Mesh()

    response = admin_client(mesh).post(
        f"{ADMIN}/servicelevelobjective/add/", add_form(mesh, indicator="availability", threshold=99.9, unit="h")
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["unit"]
    assert errors["unit"][0].startswith("Availability is measured in")  # the exact wording: test_slo_api
    assert ServiceLevelObjective.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"target": 0}, "target"), ({"window_days": 400}, "window_days"), ({"indicator": "custom", "unit": "count"}, "name")],
)
def test_other_refused_objectives_name_their_field(changes, field):
    mesh = Mesh()

    response = admin_client(mesh).post(f"{ADMIN}/servicelevelobjective/add/", add_form(mesh, **changes))

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert ServiceLevelObjective.objects.count() == 0


def test_a_port_of_another_product_is_refused_on_the_port_field():
    mesh = Mesh()
    other = ProductFactory(ports=[catalog_services.PortSpec(name="elsewhere")])

    response = admin_client(mesh).post(f"{ADMIN}/servicelevelobjective/add/", add_form(mesh, port=other.output_ports.get().pk))

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["port"]
    assert ServiceLevelObjective.objects.count() == 0


def test_changing_a_threshold_in_the_admin_judges_the_measurements_again():
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner, threshold=6)
    record(slo, 3, 5, by=mesh.owner)

    response = admin_client(mesh).post(
        f"{ADMIN}/servicelevelobjective/{slo.pk}/change/", add_form(mesh, operator="lte", threshold=4, target=99)
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    slo.refresh_from_db()
    assert (slo.threshold, slo.status, slo.attainment) == (4.0, "breached", 50.0)
    assert sorted(SLOMeasurement.objects.values_list("value", "good")) == [(3.0, True), (5.0, False)]
    mesh.product.refresh_from_db()
    assert mesh.product.slo_status == "breached"


def test_deleting_an_objective_in_the_admin_recomputes_the_products_status():
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner, threshold=6)
    record(slo, 30, by=mesh.owner)
    mesh.product.refresh_from_db()
    assert mesh.product.slo_status == "breached"

    response = admin_client(mesh).post(f"{ADMIN}/servicelevelobjective/{slo.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert ServiceLevelObjective.objects.count() == 0
    mesh.product.refresh_from_db()
    assert mesh.product.slo_status == "no_data"


def test_deleting_objectives_in_bulk_in_the_admin_recomputes_the_products_status():
    mesh = Mesh()
    breached = objective(mesh.product, by=mesh.owner, threshold=6)
    record(breached, 30, by=mesh.owner)
    meeting = objective(mesh.product, by=mesh.owner, indicator="availability", threshold=99)
    record(meeting, 100, by=mesh.owner)

    response = admin_client(mesh).post(
        f"{ADMIN}/servicelevelobjective/", {"action": "delete_selected", "_selected_action": [breached.pk], "post": "yes"}
    )

    assert response.status_code == 302
    assert list(ServiceLevelObjective.objects.values_list("pk", flat=True)) == [meeting.pk]
    mesh.product.refresh_from_db()
    assert mesh.product.slo_status == "meeting"
