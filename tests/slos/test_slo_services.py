"""The SLO services of catalog.services, exhaustively: who may define,
change and delete an objective, what is refused (naming the field),
recording measurements (judged, idempotent, all or nothing), and the
statuses they lead to, with the breach notification once per breach."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from rest_framework.exceptions import ValidationError

from access_requests import services as access_services
from catalog import services as catalog_services
from catalog.models import DataProduct, SLOStatus
from notifications.models import Notification
from slos import services as slo_services
from slos.models import ServiceLevelObjective, SLOMeasurement
from slos.serializers import MeasurementSerializer
from tests.factories import Mesh, ProductFactory, define_slo, live_grant, port, submit

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    """Services that recompute statuses read the clock: it stands still at NOW unless a test moves it."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def at(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).isoformat()


def row(slo: ServiceLevelObjective, minutes_ago: float, value, **fields) -> dict:
    return {"slo": slo.pk, "measured_at": at(minutes_ago), "value": value, **fields}


def record(rows, *, by, now: datetime = NOW) -> slo_services.MeasurementsResult:
    """A batch as the API takes it: its shape checked by MeasurementSerializer
    (a body that is not a list raises ValidationError), then recorded by the service."""
    batch = MeasurementSerializer(data=rows, many=True)
    batch.is_valid(raise_exception=True)
    return slo_services.record_measurements(batch.validated_data["rows"], refused=batch.validated_data["refused"], by=by, now=now)


def send(slo: ServiceLevelObjective, values, *, by, start: float = 0, now: datetime = NOW):
    """Measurements of `slo`, one a minute going back from `start` minutes ago, oldest last."""
    return record([row(slo, start + i, value) for i, value in enumerate(values)], by=by, now=now)


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def breach_notifications() -> list[str]:
    return sorted(Notification.objects.filter(kind=Notification.Kind.SLO_BREACHED).values_list("recipient__username", flat=True))


# --- defining -------------------------------------------------------------------------------


def test_team_member_defines_an_objective_with_the_indicators_defaults():
    mesh = Mesh()

    slo = slo_services.define_slo(mesh.product, by=mesh.developer, indicator="freshness", threshold=6, target=99.5)

    assert (slo.operator, slo.unit, slo.window_days) == ("lte", "h", 28)
    assert slo.status == SLOStatus.NO_DATA
    assert slo.status_computed_at == NOW
    assert slo.objective == "≤ 6 h, 99.5 % over 28 days"
    assert fresh(mesh.product).slo_status == SLOStatus.NO_DATA


@pytest.mark.parametrize("who", ["owner", "developer", "admin"])
def test_owning_team_members_and_admins_may_define_objectives(who):
    mesh = Mesh()

    slo_services.define_slo(mesh.product, by=getattr(mesh, who), indicator="availability", threshold=99.9, target=99)

    assert mesh.product.slos.count() == 1


@pytest.mark.parametrize("who", ["other_owner", "steward", "requester", "consumer"])
def test_other_users_cannot_define_objectives(who):
    mesh = Mesh()

    with pytest.raises(catalog_services.NotTeamMember):
        slo_services.define_slo(mesh.product, by=getattr(mesh, who), indicator="freshness", threshold=6, target=99)

    assert ServiceLevelObjective.objects.count() == 0


def test_anonymous_user_cannot_define_objectives():
    mesh = Mesh()

    with pytest.raises(catalog_services.NotTeamMember):
        slo_services.define_slo(mesh.product, by=AnonymousUser(), indicator="freshness", threshold=6, target=99)


def test_grantee_cannot_define_objectives():
    mesh = Mesh()
    live_grant(mesh)

    with pytest.raises(catalog_services.NotTeamMember):
        slo_services.define_slo(mesh.product, by=fresh(mesh.requester), indicator="freshness", threshold=6, target=99)


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"indicator": "availability", "threshold": 99, "unit": "h"}, "unit"),
        ({"indicator": "freshness", "unit": "%"}, "unit"),
        ({"indicator": "latency", "threshold": 250, "unit": "count"}, "unit"),
        ({"indicator": "error_rate", "threshold": 1, "unit": "ms"}, "unit"),
        ({"indicator": "custom", "threshold": 3}, "name"),
        ({"indicator": "custom", "threshold": 3, "name": "   "}, "name"),
        ({"indicator": "speed"}, "indicator"),
        ({"operator": "eq"}, "operator"),
        ({"target": 0}, "target"),
        ({"target": -1}, "target"),
        ({"target": 100.01}, "target"),
        ({"target": 150}, "target"),
        ({"target": "99"}, "target"),
        ({"target": float("nan")}, "target"),
        ({"threshold": "six"}, "threshold"),
        ({"threshold": float("inf")}, "threshold"),
        ({"threshold": -1}, "threshold"),
        pytest.param({"threshold": 10**400}, "threshold", id="threshold-too-large-for-a-float"),
        ({"indicator": "availability", "threshold": 100.5}, "threshold"),
        ({"window_days": 0}, "window_days"),
        ({"window_days": 366}, "window_days"),
        ({"window_days": 7.5}, "window_days"),
        ({"window_days": True}, "window_days"),
    ],
)
def test_invalid_objective_is_refused_naming_the_field(fields, field):
    product = ProductFactory()
    values = {"indicator": "freshness", "threshold": 6, "target": 99, **fields}

    with pytest.raises(slo_services.SLOError) as error:
        define_slo(product, **values)

    assert error.value.field == field
    assert ServiceLevelObjective.objects.count() == 0


def test_objective_about_a_port_of_another_product_is_refused():
    product, other = ProductFactory(ports=[port("daily")]), ProductFactory(ports=[port("daily")])

    with pytest.raises(slo_services.SLOError) as error:
        define_slo(product, port=other.output_ports.get())

    assert error.value.field == "port"
    assert ServiceLevelObjective.objects.count() == 0


def test_objective_about_one_of_the_products_ports_is_accepted():
    product = ProductFactory(ports=[port("daily")])

    slo = define_slo(product, port=product.output_ports.get())

    assert slo.port.name == "daily"


@pytest.mark.parametrize("target, window_days", [(100, 1), (0.1, 365), (99.95, 28)])
def test_targets_up_to_100_percent_and_windows_of_1_to_365_days_are_accepted(target, window_days):
    slo = define_slo(ProductFactory(), target=target, window_days=window_days)

    assert (slo.target, slo.window_days) == (target, window_days)


def test_custom_indicator_with_a_name_may_take_any_unit_and_comparison():
    slo = define_slo(ProductFactory(), indicator="custom", name="  rows loaded ", operator="gte", threshold=10_000, unit="count")

    assert (slo.label, slo.operator, slo.unit) == ("rows loaded", "gte", "count")
    assert slo.objective == "≥ 10000 count, 99 % over 28 days"


def test_freshness_may_be_promised_in_any_unit_of_time():
    product = ProductFactory()

    for unit in ("ms", "s", "min", "h", "d"):
        define_slo(product, unit=unit)

    assert sorted(product.slos.values_list("unit", flat=True)) == sorted(["ms", "s", "min", "h", "d"])


def test_a_product_has_at_most_30_objectives():
    product = ProductFactory()
    for _ in range(slo_services.MAX_SLOS_PER_PRODUCT):
        define_slo(product)

    with pytest.raises(slo_services.SLOError):
        define_slo(product)

    assert product.slos.count() == 30


# --- changing -------------------------------------------------------------------------------


def test_new_threshold_judges_the_stored_measurements_again():
    mesh = Mesh()
    slo = define_slo(mesh.product, threshold=6, target=90)
    send(slo, [2, 5, 7, 8], by=mesh.owner)
    assert fresh(slo).status == SLOStatus.BREACHED

    slo = slo_services.update_slo(slo, by=mesh.developer, threshold=8)

    assert list(slo.measurements.order_by("value").values_list("value", "good")) == [(2, True), (5, True), (7, True), (8, True)]
    assert (slo.status, slo.good_count, slo.total_count) == (SLOStatus.MEETING, 4, 4)
    assert fresh(mesh.product).slo_status == SLOStatus.MEETING


def test_new_comparison_judges_the_stored_measurements_again():
    mesh = Mesh()
    slo = define_slo(mesh.product, indicator="custom", name="rows loaded", threshold=10, target=50)
    send(slo, [5, 10, 20], by=mesh.owner)

    slo = slo_services.update_slo(slo, by=mesh.owner, operator="gte")

    assert list(slo.measurements.order_by("value").values_list("value", "good")) == [(5, False), (10, True), (20, True)]
    assert slo.good_count == 2


def test_new_unit_of_time_converts_the_stored_values():
    mesh = Mesh()
    slo = define_slo(mesh.product, threshold=6, target=50)
    send(slo, [0.5, 6, 7], by=mesh.owner)

    slo = slo_services.update_slo(slo, by=mesh.owner, unit="min", threshold=360)

    assert list(slo.measurements.order_by("value").values_list("value", "good")) == [(30, True), (360, True), (420, False)]
    assert (slo.unit, slo.threshold, slo.good_count, slo.total_count) == ("min", 360, 2, 3)


def test_new_unit_without_a_new_threshold_judges_the_converted_values_against_the_same_number():
    mesh = Mesh()
    slo = define_slo(mesh.product, indicator="latency", threshold=500, target=50)
    send(slo, [200, 400], by=mesh.owner)

    slo = slo_services.update_slo(slo, by=mesh.owner, unit="s")

    assert list(slo.measurements.order_by("value").values_list("value", "good")) == [(pytest.approx(0.2), True), (pytest.approx(0.4), True)]


def test_unit_of_another_kind_is_refused_while_measurements_exist():
    mesh = Mesh()
    slo = define_slo(mesh.product, indicator="custom", name="lag", threshold=6, unit="h", target=50)
    send(slo, [3], by=mesh.owner)

    with pytest.raises(slo_services.SLOError) as error:
        slo_services.update_slo(slo, by=mesh.owner, unit="count")

    assert error.value.field == "unit"
    assert (fresh(slo).unit, list(slo.measurements.values_list("value", flat=True))) == ("h", [3])


def test_new_indicator_takes_its_own_defaults_when_there_are_no_measurements():
    mesh = Mesh()
    slo = define_slo(mesh.product, threshold=6)

    slo = slo_services.update_slo(slo, by=mesh.owner, indicator="availability", threshold=99.9)

    assert (slo.indicator, slo.operator, slo.unit) == ("availability", "gte", "%")


def test_new_indicator_of_another_unit_kind_is_refused_while_measurements_exist():
    mesh = Mesh()
    slo = define_slo(mesh.product, threshold=6)
    send(slo, [3], by=mesh.owner)

    with pytest.raises(slo_services.SLOError) as error:
        slo_services.update_slo(slo, by=mesh.owner, indicator="availability", threshold=99.9)

    assert error.value.field == "unit"
    assert fresh(slo).indicator == "freshness"


def test_new_target_changes_the_status_without_judging_again():
    mesh = Mesh()
    slo = define_slo(mesh.product, threshold=6, target=99)
    send(slo, [1] * 9 + [9], by=mesh.owner)
    assert fresh(slo).status == SLOStatus.BREACHED

    slo = slo_services.update_slo(slo, by=mesh.owner, target=90)

    assert slo.status == SLOStatus.AT_RISK
    assert slo.measurements.filter(good=False).count() == 1


def test_shorter_window_changes_the_status():
    mesh = Mesh()
    slo = define_slo(mesh.product, threshold=6, target=90, window_days=28)
    record([row(slo, 60 * 24 * 3, 99), row(slo, 10, 1)], by=mesh.owner, now=NOW)
    assert fresh(slo).status == SLOStatus.BREACHED

    slo = slo_services.update_slo(slo, by=mesh.owner, window_days=1)

    assert (slo.status, slo.total_count) == (SLOStatus.MEETING, 1)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"window_days": 366}, "window_days"),
        ({"target": 0}, "target"),
        ({"unit": "%"}, "unit"),
        ({"product": None}, "product"),
        ({"status": "meeting"}, "status"),
    ],
)
def test_invalid_change_is_refused_naming_the_field_and_changes_nothing(changes, field):
    mesh = Mesh()
    slo = define_slo(mesh.product, threshold=6, target=99, window_days=28)

    with pytest.raises(slo_services.SLOError) as error:
        slo_services.update_slo(slo, by=mesh.owner, **changes)

    assert error.value.field == field
    stored = fresh(slo)
    assert (stored.unit, stored.target, stored.window_days, stored.product_id) == ("h", 99, 28, mesh.product.pk)


def test_moving_an_objective_to_another_products_port_is_refused():
    mesh = Mesh()
    slo = define_slo(mesh.product, port=mesh.product.output_ports.get())
    elsewhere = ProductFactory(domain=mesh.product.domain, by=mesh.owner, ports=[port("daily")]).output_ports.get()

    with pytest.raises(slo_services.SLOError) as error:
        slo_services.update_slo(slo, by=mesh.owner, port=elsewhere)

    assert error.value.field == "port"
    assert fresh(slo).port == mesh.product.output_ports.get()


@pytest.mark.parametrize(
    "who, allowed", [("owner", True), ("developer", True), ("admin", True), ("other_owner", False), ("steward", False), ("consumer", False)]
)
def test_only_the_owning_team_and_admins_may_change_an_objective(who, allowed):
    mesh = Mesh()
    slo = define_slo(mesh.product, threshold=6)

    if allowed:
        slo_services.update_slo(slo, by=getattr(mesh, who), threshold=8)
    else:
        with pytest.raises(catalog_services.NotTeamMember):
            slo_services.update_slo(slo, by=getattr(mesh, who), threshold=8)

    assert fresh(slo).threshold == (8 if allowed else 6)


# --- deleting -------------------------------------------------------------------------------


def test_deleting_an_objective_removes_its_measurements_and_recomputes_the_products_status():
    mesh = Mesh()
    slo = define_slo(mesh.product, target=99)
    send(slo, [99], by=mesh.owner)
    assert fresh(mesh.product).slo_status == SLOStatus.BREACHED

    slo_services.delete_slo(slo, by=mesh.developer)

    assert ServiceLevelObjective.objects.count() == 0
    assert SLOMeasurement.objects.count() == 0
    assert fresh(mesh.product).slo_status == SLOStatus.NO_DATA


@pytest.mark.parametrize(
    "who, allowed", [("owner", True), ("admin", True), ("other_owner", False), ("steward", False), ("requester", False)]
)
def test_only_the_owning_team_and_admins_may_delete_an_objective(who, allowed):
    mesh = Mesh()
    slo = define_slo(mesh.product)

    if allowed:
        slo_services.delete_slo(slo, by=getattr(mesh, who))
    else:
        with pytest.raises(catalog_services.NotTeamMember):
            slo_services.delete_slo(slo, by=getattr(mesh, who))

    assert ServiceLevelObjective.objects.count() == (0 if allowed else 1)


# --- recording measurements -----------------------------------------------------------------


def test_measurements_are_stored_judged_and_counted():
    mesh = Mesh()
    slo = define_slo(mesh.product, threshold=6, target=50)

    result = record([row(slo, 30, 5.5), row(slo, 20, 6), row(slo, 10, 6.5)], by=mesh.developer, now=NOW)

    assert (result.received, result.stored, result.duplicates) == (3, 3, 0)
    assert [s.pk for s in result.slos] == [slo.pk]
    assert list(slo.measurements.order_by("measured_at").values_list("value", "good")) == [(5.5, True), (6, True), (6.5, False)]
    stored = fresh(slo)
    assert (stored.status, stored.good_count, stored.total_count) == (SLOStatus.MEETING, 2, 3)
    assert stored.attainment == pytest.approx(200 / 3)
    assert stored.status_computed_at == NOW


def test_measurement_in_another_unit_of_time_is_stored_in_the_slos_unit():
    mesh = Mesh()
    slo = define_slo(mesh.product, threshold=6)

    record([row(slo, 2, 300, unit="min"), row(slo, 1, 25200, unit="s"), row(slo, 0, 2, unit="h")], by=mesh.owner, now=NOW)

    assert list(slo.measurements.order_by("measured_at").values_list("value", "good")) == [(5, True), (7, False), (2, True)]


def test_latency_sent_in_seconds_is_judged_in_milliseconds():
    mesh = Mesh()
    slo = define_slo(mesh.product, indicator="latency", threshold=250)

    record([row(slo, 1, 0.25, unit="s"), row(slo, 0, 0.3, unit="s")], by=mesh.owner, now=NOW)

    assert list(slo.measurements.order_by("measured_at").values_list("value", "good")) == [(250, True), (300, False)]


def test_measurements_for_several_slos_and_products_in_one_batch():
    mesh = Mesh()
    second = ProductFactory(domain=mesh.product.domain, by=mesh.owner)
    freshness, availability, other = (
        define_slo(mesh.product),
        define_slo(mesh.product, indicator="availability", threshold=99.9),
        define_slo(second),
    )

    result = record([row(freshness, 1, 1), row(availability, 1, 99.0), row(other, 1, 2)], by=mesh.owner, now=NOW)

    assert [s.pk for s in result.slos] == sorted([freshness.pk, availability.pk, other.pk])
    assert (fresh(mesh.product).slo_status, fresh(second).slo_status) == (SLOStatus.BREACHED, SLOStatus.MEETING)


def test_a_measurement_sent_twice_is_stored_once():
    mesh = Mesh()
    slo = define_slo(mesh.product)
    rows = [row(slo, 10, 1), row(slo, 5, 2)]
    record(rows, by=mesh.owner, now=NOW)

    result = record([*rows, row(slo, 1, 3)], by=mesh.owner, now=NOW)

    assert (result.received, result.stored, result.duplicates) == (3, 1, 2)
    assert SLOMeasurement.objects.count() == 3
    assert fresh(slo).total_count == 3


def test_a_repeated_measurement_keeps_the_first_value():
    mesh = Mesh()
    slo = define_slo(mesh.product)
    record([row(slo, 10, 1)], by=mesh.owner, now=NOW)

    result = record([row(slo, 10, 99)], by=mesh.owner, now=NOW)

    assert (result.stored, result.duplicates) == (0, 1)
    assert list(slo.measurements.values_list("value", "good")) == [(1, True)]


def test_duplicates_within_one_batch_are_stored_once():
    mesh = Mesh()
    slo = define_slo(mesh.product)
    berlin = "2026-12-02T12:50:00+01:00"  # 11:50 UTC, ten minutes before NOW
    new_york = "2026-12-02T06:50:00.000-05:00"

    result = record(
        [
            row(slo, 10, 1),
            row(slo, 10, 1),
            {"slo": slo.pk, "measured_at": berlin, "value": 1},
            {"slo": slo.pk, "measured_at": new_york, "value": 2},
        ],
        by=mesh.owner,
        now=NOW,
    )

    assert (result.received, result.stored, result.duplicates) == (4, 1, 3)
    assert SLOMeasurement.objects.count() == 1


def test_late_measurements_arriving_out_of_order_recompute_the_status():
    mesh = Mesh()
    slo = define_slo(mesh.product, threshold=6, target=90)
    send(slo, [1] * 10, by=mesh.owner, start=0)
    assert fresh(slo).status == SLOStatus.MEETING

    record([row(slo, 60 * 24 * 3, 9), row(slo, 60 * 24 * 20, 9), row(slo, 60 * 24, 1)], by=mesh.owner, now=NOW)

    stored = fresh(slo)
    assert (stored.status, stored.good_count, stored.total_count) == (SLOStatus.BREACHED, 11, 13)
    assert fresh(mesh.product).slo_status == SLOStatus.BREACHED


def test_a_measurement_older_than_the_window_is_stored_but_not_counted():
    mesh = Mesh()
    slo = define_slo(mesh.product, window_days=7)

    result = record([row(slo, 60 * 24 * 8, 99)], by=mesh.owner, now=NOW)

    assert result.stored == 1
    assert fresh(slo).status == SLOStatus.NO_DATA


def test_a_measurement_up_to_five_minutes_ahead_is_accepted():
    mesh = Mesh()
    slo = define_slo(mesh.product)

    result = record([row(slo, -5, 1)], by=mesh.owner, now=NOW)

    assert result.stored == 1


def test_an_invalid_row_refuses_the_whole_batch_naming_every_bad_row():
    mesh = Mesh()
    slo = define_slo(mesh.product)
    record([row(slo, 100, 1)], by=mesh.owner, now=NOW)
    before = SLOMeasurement.objects.count()

    with pytest.raises(slo_services.SLOError) as error:
        record(
            [
                row(slo, 4, 1),
                {"slo": slo.pk, "measured_at": "2026-12-02T08:00:00", "value": 1},
                row(slo, 2, "fast"),
                row(slo, 1, 1),
                {"slo": slo.pk, "value": 1},
            ],
            by=mesh.owner,
            now=NOW,
        )

    assert error.value.field == "rows"
    assert error.value.details == {
        "1": {"measured_at": ["Give the time zone, e.g. 2026-12-02T06:00:00Z or +01:00."]},
        "2": {"value": ["A number is needed."]},
        "4": {"measured_at": ["This field is required."]},
    }
    assert str(error.value) == "3 of 5 measurements are invalid; nothing was stored."
    assert SLOMeasurement.objects.count() == before == 1
    assert fresh(slo).total_count == 1


def test_every_problem_of_a_row_is_named_by_its_field():
    mesh = Mesh()
    slo = define_slo(mesh.product)

    with pytest.raises(slo_services.SLOError) as error:
        record([{"slo": slo.pk, "measured_at": "yesterday", "value": True, "note": "x"}], by=mesh.owner, now=NOW)

    assert error.value.details == {
        "0": {
            "non_field_errors": ["Unknown field 'note'; a measurement has slo, measured_at, value and optionally unit."],
            "measured_at": ["'yesterday' is not an ISO 8601 date and time."],
            "value": ["A number is needed."],
        }
    }


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"slo": None}, "slo"),
        ({"slo": 999_999}, "slo"),
        ({"slo": "1"}, "slo"),
        ({"measured_at": None}, "measured_at"),
        ({"measured_at": 1764676800}, "measured_at"),
        ({"measured_at": "2026-12-02 08:00"}, "measured_at"),
        ({"measured_at": "2026-12-02"}, "measured_at"),
        ({"measured_at": "2026-13-40T08:00:00Z"}, "measured_at"),
        ({"measured_at": "2026-12-02T12:05:00.000001Z"}, "measured_at"),
        ({"measured_at": "2027-01-01T00:00:00Z"}, "measured_at"),
        ({"value": None}, "value"),
        ({"value": "3"}, "value"),
        ({"value": False}, "value"),
        ({"value": float("nan")}, "value"),
        ({"value": float("inf")}, "value"),
        ({"value": [1]}, "value"),
        ({"unit": "%"}, "unit"),
        ({"unit": "hours"}, "unit"),
        ({"unit": ""}, "unit"),
        ({"unit": 3}, "unit"),
    ],
)
def test_invalid_field_of_a_measurement_is_named(fields, field):
    mesh = Mesh()
    slo = define_slo(mesh.product)
    measurement = {**row(slo, 1, 1), **fields}

    with pytest.raises(slo_services.SLOError) as error:
        record([row(slo, 2, 1), measurement], by=mesh.owner, now=NOW)

    assert error.value.field == "rows"
    assert list(error.value.details) == ["1"]
    assert list(error.value.details["1"]) == [field]
    assert SLOMeasurement.objects.count() == 0


@pytest.mark.parametrize("measurement", ["2026-12-02T08:00:00Z", 42, None, [1, 2]])
def test_a_row_that_is_not_an_object_is_named(measurement):
    mesh = Mesh()
    slo = define_slo(mesh.product)

    with pytest.raises(slo_services.SLOError) as error:
        record([row(slo, 1, 1), measurement], by=mesh.owner, now=NOW)

    assert error.value.details == {"1": {"non_field_errors": ['Each measurement is an object: {"slo", "measured_at", "value"}.']}}


@pytest.mark.parametrize("slo_id", [[1], {"id": 1}])
def test_an_slo_given_as_a_list_or_object_is_named_not_a_crash(slo_id):
    mesh = Mesh()
    slo = define_slo(mesh.product)

    with pytest.raises(slo_services.SLOError) as error:
        record([row(slo, 1, 1), {"slo": slo_id, "measured_at": at(0), "value": 1}], by=mesh.owner, now=NOW)

    assert list(error.value.details["1"]) == ["slo"]


def test_true_is_not_read_as_the_slo_with_id_one():
    mesh = Mesh()
    slo = define_slo(mesh.product)
    ServiceLevelObjective.objects.filter(pk=slo.pk).update(id=1)  # JSON's true equals 1 in Python
    slo = ServiceLevelObjective.objects.get(pk=1)

    with pytest.raises(slo_services.SLOError) as error:
        record([row(slo, 2, 1), {**row(slo, 1, 1), "slo": True}], by=mesh.owner, now=NOW)

    assert list(error.value.details) == ["1"]
    assert list(error.value.details["1"]) == ["slo"]
    assert SLOMeasurement.objects.count() == 0


def test_a_value_too_large_for_a_number_is_named_not_a_crash():
    mesh = Mesh()
    slo = define_slo(mesh.product)

    with pytest.raises(slo_services.SLOError) as error:
        record([row(slo, 1, 10**400)], by=mesh.owner, now=NOW)

    assert list(error.value.details["0"]) == ["value"]


def test_batch_over_the_limit_is_refused(settings):
    settings.SLO_MEASUREMENT_BATCH = 3
    mesh = Mesh()
    slo = define_slo(mesh.product)

    with pytest.raises(slo_services.SLOError) as error:
        record([row(slo, minute, 1) for minute in range(4)], by=mesh.owner, now=NOW)

    assert error.value.field == "rows"
    assert SLOMeasurement.objects.count() == 0
    assert record([row(slo, minute, 1) for minute in range(3)], by=mesh.owner, now=NOW).stored == 3


def test_empty_batch_is_refused():
    mesh = Mesh()

    with pytest.raises(slo_services.SLOError) as error:
        record([], by=mesh.owner, now=NOW)

    assert error.value.field == "rows"


@pytest.mark.parametrize("rows", [{}, None, "[]", {"slo": 1, "measured_at": "2026-12-02T08:00:00Z", "value": 1}])
def test_a_batch_that_is_not_a_list_is_refused_by_its_shape(rows):
    mesh = Mesh()

    with pytest.raises(ValidationError) as error:
        record(rows, by=mesh.owner, now=NOW)

    assert list(error.value.detail) == ["rows"]


def test_measurements_for_another_teams_slo_are_refused_as_if_it_did_not_exist():
    mesh = Mesh()
    theirs = define_slo(ProductFactory(owner_team=mesh.other_team, domain=mesh.product.domain, by=mesh.other_owner))
    missing_id = theirs.pk + 1000

    with pytest.raises(slo_services.SLOError) as error:
        record([row(theirs, 1, 1), {**row(theirs, 1, 1), "slo": missing_id}], by=mesh.owner, now=NOW)

    assert error.value.details == {
        "0": {"slo": [f"No SLO {theirs.pk} among your teams' data products."]},
        "1": {"slo": [f"No SLO {missing_id} among your teams' data products."]},
    }
    assert SLOMeasurement.objects.count() == 0


@pytest.mark.parametrize("who", ["steward", "requester", "other_owner"])
def test_people_outside_the_owning_team_cannot_record_measurements(who):
    mesh = Mesh()
    slo = define_slo(mesh.product)
    live_grant(mesh)

    with pytest.raises(slo_services.SLOError) as error:
        record([row(slo, 1, 1)], by=fresh(getattr(mesh, who)), now=NOW)

    assert list(error.value.details["0"]) == ["slo"]
    assert SLOMeasurement.objects.count() == 0


def test_anonymous_user_cannot_record_measurements():
    mesh = Mesh()
    slo = define_slo(mesh.product)

    with pytest.raises(slo_services.SLOError):
        record([row(slo, 1, 1)], by=AnonymousUser(), now=NOW)

    assert SLOMeasurement.objects.count() == 0


def test_admin_may_record_measurements_for_any_product():
    mesh = Mesh()
    slo = define_slo(mesh.product)

    assert record([row(slo, 1, 1)], by=mesh.admin, now=NOW).stored == 1


# --- statuses and the breach notification ---------------------------------------------------


def test_status_moves_from_meeting_to_at_risk_to_breached_and_back():
    mesh = Mesh()
    slo = define_slo(mesh.product, threshold=6, target=90)

    def status_after(values, start):
        send(slo, values, by=mesh.owner, start=start)
        return fresh(slo).status, fresh(mesh.product).slo_status

    assert status_after([1] * 10, start=100) == (SLOStatus.MEETING, SLOStatus.MEETING)  # 10 of 10
    assert status_after([9], start=50) == (SLOStatus.AT_RISK, SLOStatus.AT_RISK)  # 10 of 11: 9 % of the budget left
    assert status_after([9], start=40) == (SLOStatus.BREACHED, SLOStatus.BREACHED)  # 10 of 12
    assert status_after([1] * 15, start=0) == (SLOStatus.MEETING, SLOStatus.MEETING)  # 25 of 27: 26 % left


def test_product_takes_the_worst_status_of_its_objectives():
    mesh = Mesh()
    freshness = define_slo(mesh.product, target=50)
    availability = define_slo(mesh.product, indicator="availability", threshold=99.9, target=50)

    send(freshness, [1], by=mesh.owner)
    assert fresh(mesh.product).slo_status == SLOStatus.NO_DATA  # availability is not measured yet
    send(availability, [100], by=mesh.owner)
    assert fresh(mesh.product).slo_status == SLOStatus.MEETING
    send(availability, [50, 50], by=mesh.owner, start=1)
    assert fresh(mesh.product).slo_status == SLOStatus.BREACHED
    assert fresh(freshness).status == SLOStatus.MEETING


def test_product_without_objectives_has_no_data():
    mesh = Mesh()

    slo_services.refresh_slo_statuses(product_ids=[mesh.product.pk])

    assert fresh(mesh.product).slo_status == SLOStatus.NO_DATA


def test_breach_notifies_the_owners_and_live_grant_holders_once():
    mesh = Mesh()
    live_grant(mesh)
    live_grant(mesh, user=mesh.consumer)
    slo = define_slo(mesh.product, threshold=6, target=99)
    send(slo, [1] * 5, by=mesh.owner, start=10)
    assert breach_notifications() == []

    send(slo, [9], by=mesh.owner, start=0)

    assert breach_notifications() == sorted([mesh.owner.username, mesh.requester.username, mesh.consumer.username])
    notification = Notification.objects.filter(kind=Notification.Kind.SLO_BREACHED, recipient=mesh.owner).get()
    assert notification.subject == f"{mesh.product.name} breached its service level objectives"
    assert notification.url == reverse("catalog:product_slos", args=[mesh.product.slug])


def test_breach_recorded_at_a_given_time_notifies_at_that_time_those_holding_a_grant_then(clock):
    mesh = Mesh()
    live_grant(mesh, duration_days=10)  # from NOW, the clock's time
    slo = define_slo(mesh.product, threshold=6, target=99)
    clock.move_to(NOW + timedelta(days=30))  # the grant has ended by the time the batch is recorded

    send(slo, [9], by=mesh.owner, now=NOW)

    assert breach_notifications() == sorted([mesh.owner.username, mesh.requester.username])
    assert set(Notification.objects.filter(kind=Notification.Kind.SLO_BREACHED).values_list("created_at", flat=True)) == {NOW}


def test_measurements_recorded_at_a_given_time_are_received_then(clock):
    mesh = Mesh()
    slo = define_slo(mesh.product, threshold=6, target=99)
    clock.move_to(NOW + timedelta(days=3))

    send(slo, [1], by=mesh.owner, now=NOW)

    assert list(SLOMeasurement.objects.values_list("received_at", flat=True)) == [NOW]


def test_breach_does_not_notify_developers_stewards_other_teams_or_people_without_a_grant():
    mesh = Mesh()
    slo = define_slo(mesh.product, threshold=6, target=99)
    submit(mesh, by=mesh.consumer)  # asked, not yet approved
    live_grant(mesh)

    send(slo, [9], by=mesh.owner)

    assert breach_notifications() == sorted([mesh.owner.username, mesh.requester.username])


def test_holder_of_a_revoked_grant_is_not_told_of_a_breach():
    mesh = Mesh()
    grant = live_grant(mesh)
    access_services.revoke_grant(grant, by=mesh.owner, reason="Project ended")
    slo = define_slo(mesh.product, threshold=6, target=99)

    send(slo, [9], by=mesh.owner)

    assert breach_notifications() == [mesh.owner.username]


def test_no_second_notification_while_the_product_stays_breached():
    mesh = Mesh()
    live_grant(mesh)
    slo = define_slo(mesh.product, threshold=6, target=99)
    send(slo, [9], by=mesh.owner, start=30)
    assert len(breach_notifications()) == 2

    send(slo, [9, 9, 1], by=mesh.owner, start=20)
    slo_services.refresh_slo_statuses()
    slo_services.refresh_slo_statuses(product_ids=[mesh.product.pk])
    define_slo(mesh.product, indicator="availability", threshold=99)

    assert fresh(mesh.product).slo_status == SLOStatus.BREACHED
    assert len(breach_notifications()) == 2


def test_a_new_breach_after_recovering_notifies_again():
    mesh = Mesh()
    live_grant(mesh)
    slo = define_slo(mesh.product, threshold=6, target=90)
    send(slo, [9], by=mesh.owner, start=100)
    assert len(breach_notifications()) == 2

    send(slo, [1] * 30, by=mesh.owner, start=60)
    assert fresh(mesh.product).slo_status == SLOStatus.MEETING
    send(slo, [9] * 5, by=mesh.owner, start=0)

    assert fresh(mesh.product).slo_status == SLOStatus.BREACHED
    assert breach_notifications() == sorted([mesh.owner.username, mesh.requester.username] * 2)


def test_refresh_returns_the_products_that_turned_breached():
    mesh = Mesh()
    slo = define_slo(mesh.product, threshold=6, target=99)
    record([row(slo, -4, 9)], by=mesh.owner, now=NOW + timedelta(minutes=5))  # four minutes ahead of the clock
    assert fresh(mesh.product).slo_status == SLOStatus.BREACHED
    slo_services.refresh_slo_statuses(product_ids=[mesh.product.pk], now=NOW)  # not yet its time: no data
    assert fresh(mesh.product).slo_status == SLOStatus.NO_DATA

    turned = slo_services.refresh_slo_statuses(now=NOW + timedelta(minutes=4))

    assert turned == [mesh.product.pk]
    assert slo_services.refresh_slo_statuses(now=NOW + timedelta(minutes=5)) == []


def test_statuses_follow_the_clock_and_an_empty_window_has_no_data():
    mesh = Mesh()
    slo = define_slo(mesh.product, threshold=6, target=90, window_days=7)
    send(slo, [1] * 10, by=mesh.owner)
    assert fresh(slo).status == SLOStatus.MEETING

    slo_services.refresh_slo_statuses(now=NOW + timedelta(days=6))
    assert fresh(slo).status == SLOStatus.MEETING

    later = NOW + timedelta(days=7, minutes=1)
    slo_services.refresh_slo_statuses(now=later)

    stored = fresh(slo)
    assert (stored.status, stored.total_count, stored.attainment, stored.budget_remaining) == (SLOStatus.NO_DATA, 0, None, None)
    assert stored.status_computed_at == later
    assert fresh(mesh.product).slo_status == SLOStatus.NO_DATA


def test_the_periodic_refresh_reads_the_clock(clock):
    mesh = Mesh()
    slo = define_slo(mesh.product, threshold=6, target=90, window_days=1)
    send(slo, [9], by=mesh.owner)
    assert fresh(mesh.product).slo_status == SLOStatus.BREACHED

    clock.move_to(NOW + timedelta(days=1, seconds=1))
    slo_services.refresh_slo_statuses()

    assert fresh(slo).status == SLOStatus.NO_DATA
    assert fresh(slo).status_computed_at == NOW + timedelta(days=1, seconds=1)
    assert fresh(mesh.product).slo_status == SLOStatus.NO_DATA


def test_the_beat_task_recomputes_statuses_as_time_passes(clock):
    from slos import tasks as slo_tasks

    mesh = Mesh()
    slo = define_slo(mesh.product, threshold=6, target=90, window_days=1)
    send(slo, [1], by=mesh.owner)
    clock.move_to(NOW + timedelta(days=2))

    refreshed = slo_tasks.refresh_slo_statuses.delay().get()

    assert refreshed == 0  # no product turned breached
    assert fresh(mesh.product).slo_status == SLOStatus.NO_DATA


def test_refresh_of_all_products_in_small_batches_stores_every_status():
    mesh = Mesh()
    products = [ProductFactory(domain=mesh.product.domain, by=mesh.owner) for _ in range(3)]
    for product, value in zip(products, [1, 9, 1]):
        slo = define_slo(product, target=99)
        SLOMeasurement.objects.create(slo=slo, measured_at=NOW - timedelta(hours=1), value=value, good=value <= 6)

    turned = slo_services.refresh_slo_statuses(batch_size=1)

    assert [fresh(p).slo_status for p in products] == [SLOStatus.MEETING, SLOStatus.BREACHED, SLOStatus.MEETING]
    assert turned == [products[1].pk]
    assert fresh(mesh.product).slo_status == SLOStatus.NO_DATA
    assert DataProduct.objects.filter(slo_status=SLOStatus.BREACHED).count() == 1
