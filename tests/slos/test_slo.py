"""The rules of catalog/slo.py, exhaustively: unit conversion, judging a
measurement against its threshold, attainment and error budget, the status
they give, the window's edges, a product's worst status and the daily
history of the SLO tab."""

from datetime import UTC, date, datetime, timedelta

import pytest

from catalog.models import SLOStatus
from slos import rules as slo_rules
from slos import services as slo_services
from slos.models import ServiceLevelObjective
from tests.factories import ProductFactory, define_slo

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)

Indicator = ServiceLevelObjective.Indicator
Operator = ServiceLevelObjective.Operator
Unit = ServiceLevelObjective.Unit


def objective(indicator: str, threshold: float, *, operator: str = "", unit: str | None = None) -> ServiceLevelObjective:
    """An unsaved SLO with the indicator's defaults filled in, as define_slo fills them."""
    default_operator, default_unit = slo_rules.INDICATOR_DEFAULTS[indicator]
    return ServiceLevelObjective(
        indicator=indicator,
        threshold=threshold,
        target=99,
        operator=operator or default_operator,
        unit=default_unit if unit is None else unit,
    )


def judged_good(slo: ServiceLevelObjective, value: float, unit: str) -> bool:
    """Is `value`, sent in `unit`, a good measurement of `slo`? Converted first, as record_measurements does."""
    return slo_rules.judge(slo, slo_rules.convert(value, from_unit=unit, to_unit=slo.unit))


def record(slo: ServiceLevelObjective, *times_and_values, now: datetime = NOW, unit: str | None = None):
    """Send measurements (time, value) for `slo` as its team's pipeline does."""
    by = slo.product.owner_team.memberships.order_by("pk").first().user
    rows = [{"slo": slo.pk, "measured_at": when, "value": value, **({"unit": unit} if unit else {})} for when, value in times_and_values]
    return slo_services.record_measurements(rows, by=by, now=now)


# --- units -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, from_unit, to_unit, expected",
    [
        (90, Unit.MINUTES, Unit.HOURS, 1.5),
        (21600, Unit.SECONDS, Unit.HOURS, 6.0),
        (0.25, Unit.SECONDS, Unit.MILLISECONDS, 250.0),
        (250, Unit.MILLISECONDS, Unit.SECONDS, 0.25),
        (1, Unit.DAYS, Unit.HOURS, 24.0),
        (6, Unit.HOURS, Unit.MINUTES, 360.0),
    ],
)
def test_durations_convert_between_units_of_time(value, from_unit, to_unit, expected):
    assert slo_rules.convert(value, from_unit=from_unit, to_unit=to_unit) == expected


@pytest.mark.parametrize("unit", [Unit.PERCENT, Unit.COUNT, Unit.NONE, Unit.HOURS])
def test_a_value_in_the_slos_own_unit_is_unchanged(unit):
    assert slo_rules.convert(99.95, from_unit=unit, to_unit=unit) == 99.95


@pytest.mark.parametrize(
    "from_unit, to_unit",
    [
        (Unit.PERCENT, Unit.HOURS),
        (Unit.HOURS, Unit.PERCENT),
        (Unit.COUNT, Unit.NONE),
        (Unit.NONE, Unit.MILLISECONDS),
        (Unit.COUNT, Unit.PERCENT),
    ],
)
def test_values_do_not_convert_between_kinds(from_unit, to_unit):
    with pytest.raises(slo_rules.UnitMismatch):
        slo_rules.convert(1, from_unit=from_unit, to_unit=to_unit)


def test_every_indicator_accepts_its_default_unit():
    for indicator, (operator, unit) in slo_rules.INDICATOR_DEFAULTS.items():
        assert unit in slo_rules.INDICATOR_UNITS[indicator]
        assert operator in Operator.values


# --- judging a measurement ------------------------------------------------------------


@pytest.mark.parametrize(
    "value, unit, good",
    [
        (5.5, Unit.HOURS, True),
        (6, Unit.HOURS, True),
        (6.01, Unit.HOURS, False),
        (359, Unit.MINUTES, True),
        (360, Unit.MINUTES, True),
        (361, Unit.MINUTES, False),
        (21600, Unit.SECONDS, True),
        (21601, Unit.SECONDS, False),
        (0.25, Unit.DAYS, True),
        (0.3, Unit.DAYS, False),
    ],
)
def test_freshness_of_at_most_six_hours_is_judged_in_hours_after_conversion(value, unit, good):
    freshness = objective(Indicator.FRESHNESS, 6)

    assert (freshness.operator, freshness.unit) == (Operator.AT_MOST, Unit.HOURS)
    assert judged_good(freshness, value, unit) is good


@pytest.mark.parametrize("value, good", [(100, True), (99.95, True), (99.9, True), (99.89, False), (0, False)])
def test_availability_of_at_least_99_9_percent(value, good):
    availability = objective(Indicator.AVAILABILITY, 99.9)

    assert (availability.operator, availability.unit) == (Operator.AT_LEAST, Unit.PERCENT)
    assert judged_good(availability, value, Unit.PERCENT) is good


@pytest.mark.parametrize("value, good", [(0, True), (0.5, True), (1, True), (1.01, False), (100, False)])
def test_error_rate_of_at_most_one_percent(value, good):
    error_rate = objective(Indicator.ERROR_RATE, 1)

    assert (error_rate.operator, error_rate.unit) == (Operator.AT_MOST, Unit.PERCENT)
    assert judged_good(error_rate, value, Unit.PERCENT) is good


@pytest.mark.parametrize(
    "value, unit, good",
    [
        (120, Unit.MILLISECONDS, True),
        (250, Unit.MILLISECONDS, True),
        (251, Unit.MILLISECONDS, False),
        (0.2, Unit.SECONDS, True),
        (0.25, Unit.SECONDS, True),
        (0.251, Unit.SECONDS, False),
        (1, Unit.SECONDS, False),
    ],
)
def test_latency_of_at_most_250_ms_with_values_sent_in_seconds(value, unit, good):
    latency = objective(Indicator.LATENCY, 250)

    assert (latency.operator, latency.unit) == (Operator.AT_MOST, Unit.MILLISECONDS)
    assert judged_good(latency, value, unit) is good


@pytest.mark.parametrize("value, good", [(9, False), (9.999, False), (10, True), (11, True)])
def test_custom_indicator_of_at_least_ten(value, good):
    rows_loaded = objective(Indicator.CUSTOM, 10, operator=Operator.AT_LEAST, unit=Unit.COUNT)

    assert judged_good(rows_loaded, value, Unit.COUNT) is good


def test_custom_indicator_takes_at_most_and_no_unit_by_default():
    duplicate_rate = objective(Indicator.CUSTOM, 3)

    assert (duplicate_rate.operator, duplicate_rate.unit) == (Operator.AT_MOST, Unit.NONE)
    assert slo_rules.judge(duplicate_rate, 3) is True
    assert slo_rules.judge(duplicate_rate, 3.5) is False


@pytest.mark.parametrize("operator", [Operator.AT_MOST, Operator.AT_LEAST])
def test_a_value_equal_to_the_threshold_is_good_whichever_the_comparison(operator):
    assert slo_rules.is_good(6.0, operator=operator, threshold=6.0) is True


@pytest.mark.parametrize(
    "threshold, slo_unit, value, unit",
    [
        (250, Unit.MILLISECONDS, 0.25, Unit.SECONDS),
        (6, Unit.HOURS, 360, Unit.MINUTES),
        (90, Unit.MINUTES, 1.5, Unit.HOURS),
        (66, Unit.MINUTES, 1.1, Unit.HOURS),
    ],
)
def test_a_value_converted_to_exactly_the_threshold_is_good(threshold, slo_unit, value, unit):
    freshness = objective(Indicator.FRESHNESS, threshold, unit=slo_unit)

    assert judged_good(freshness, value, unit) is True


# --- attainment, error budget and status ------------------------------------------------------


def test_no_measurements_means_no_data():
    evaluation = slo_rules.status_from_counts(0, 0, target=99)

    assert evaluation.status == SLOStatus.NO_DATA
    assert (evaluation.attainment, evaluation.budget_remaining) == (None, None)


@pytest.mark.parametrize(
    "good, status, budget_remaining",
    [
        (1000, SLOStatus.MEETING, 100.0),
        (998, SLOStatus.MEETING, 80.0),
        (993, SLOStatus.MEETING, 30.0),
        (992, SLOStatus.AT_RISK, 20.0),
        (991, SLOStatus.AT_RISK, 10.0),
        (990, SLOStatus.AT_RISK, 0.0),
        (989, SLOStatus.BREACHED, -10.0),
        (980, SLOStatus.BREACHED, -100.0),
    ],
)
def test_target_of_99_percent_over_1000_measurements(good, status, budget_remaining):
    evaluation = slo_rules.status_from_counts(good, 1000, target=99)

    assert evaluation.status == status
    assert evaluation.attainment == pytest.approx(good / 10)
    assert evaluation.budget_remaining == pytest.approx(budget_remaining, abs=1e-6)
    assert (evaluation.good, evaluation.total, evaluation.bad) == (good, 1000, 1000 - good)


def test_spending_the_whole_budget_exactly_is_at_risk_not_breached():
    evaluation = slo_rules.status_from_counts(990, 1000, target=99)

    assert evaluation.status == SLOStatus.AT_RISK
    assert evaluation.budget_remaining == pytest.approx(0, abs=1e-9)


@pytest.mark.parametrize(
    "target, total, good",
    [(99.5, 1000, 995), (99.9, 1000, 999), (99.9, 10000, 9990), (95, 20, 19), (99.99, 10000, 9999), (99.95, 2000, 1999)],
)
def test_meeting_the_target_exactly_is_not_a_breach(target, total, good):
    assert slo_rules.status_from_counts(good, total, target=target).status == SLOStatus.AT_RISK
    assert slo_rules.status_from_counts(good - 1, total, target=target).status == SLOStatus.BREACHED


@pytest.mark.parametrize("target, total, good", [(99, 2000, 1985), (99.8, 2000, 1997), (99.4, 2000, 1991), (99.9, 20000, 19985)])
def test_exactly_a_quarter_of_the_budget_left_is_still_meeting(target, total, good):
    # "At risk when less than 25 % of the budget remains": a quarter left is not less.
    assert slo_rules.status_from_counts(good, total, target=target).status == SLOStatus.MEETING
    assert slo_rules.status_from_counts(good - 1, total, target=target).status == SLOStatus.AT_RISK


def test_target_of_100_percent_is_met_only_by_all_good_measurements():
    perfect = slo_rules.status_from_counts(500, 500, target=100)
    one_bad = slo_rules.status_from_counts(499, 500, target=100)

    assert (perfect.status, perfect.budget_remaining) == (SLOStatus.MEETING, 100.0)
    assert one_bad.status == SLOStatus.BREACHED
    assert one_bad.budget_remaining == -1000.0


def test_budget_far_overspent_is_shown_as_ten_budgets_at_most():
    evaluation = slo_rules.status_from_counts(800, 1000, target=99)

    assert evaluation.status == SLOStatus.BREACHED
    assert evaluation.budget_remaining == -1000.0
    assert evaluation.attainment == pytest.approx(80.0)


def test_a_single_measurement_decides_alone():
    assert slo_rules.status_from_counts(1, 1, target=99.5).status == SLOStatus.MEETING
    assert slo_rules.status_from_counts(0, 1, target=99.5).status == SLOStatus.BREACHED


# --- a product's status ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "statuses, expected",
    [
        ([], SLOStatus.NO_DATA),
        ([SLOStatus.MEETING], SLOStatus.MEETING),
        ([SLOStatus.MEETING, SLOStatus.MEETING], SLOStatus.MEETING),
        ([SLOStatus.MEETING, SLOStatus.NO_DATA], SLOStatus.NO_DATA),
        ([SLOStatus.NO_DATA, SLOStatus.AT_RISK, SLOStatus.MEETING], SLOStatus.AT_RISK),
        ([SLOStatus.MEETING, SLOStatus.AT_RISK, SLOStatus.BREACHED, SLOStatus.NO_DATA], SLOStatus.BREACHED),
        ([SLOStatus.BREACHED, SLOStatus.MEETING], SLOStatus.BREACHED),
        ([SLOStatus.NO_DATA], SLOStatus.NO_DATA),
    ],
)
def test_a_product_takes_its_worst_objectives_status(statuses, expected):
    assert slo_rules.product_status(statuses) == expected
    assert slo_rules.product_status(iter(statuses)) == expected


# --- the window (database) ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_measurement_exactly_at_the_window_start_counts():
    slo = define_slo(ProductFactory(), window_days=28)
    record(slo, (NOW - timedelta(days=28), 1))

    assert slo_rules.evaluate(slo, now=NOW).total == 1


@pytest.mark.django_db
def test_a_measurement_a_microsecond_before_the_window_start_does_not_count():
    slo = define_slo(ProductFactory(), window_days=28)
    record(slo, (NOW - timedelta(days=28, microseconds=1), 1))

    evaluation = slo_rules.evaluate(slo, now=NOW)

    assert (evaluation.status, evaluation.total) == (SLOStatus.NO_DATA, 0)


@pytest.mark.django_db
def test_a_measurement_exactly_at_now_counts_and_a_later_one_waits_for_its_time():
    slo = define_slo(ProductFactory())
    record(slo, (NOW, 1), (NOW + timedelta(microseconds=1), 99), (NOW + timedelta(minutes=4), 99))

    at_now = slo_rules.evaluate(slo, now=NOW)
    later = slo_rules.evaluate(slo, now=NOW + timedelta(minutes=4))

    assert (at_now.status, at_now.good, at_now.total) == (SLOStatus.MEETING, 1, 1)
    assert (later.status, later.good, later.total) == (SLOStatus.BREACHED, 1, 3)


@pytest.mark.django_db
def test_evaluation_counts_good_and_bad_measurements_in_the_window():
    slo = define_slo(ProductFactory(), threshold=6, target=75, window_days=7)
    record(slo, *[(NOW - timedelta(hours=hours), value) for hours, value in [(1, 2), (2, 6), (3, 7), (4, 5.9), (24 * 8, 99)]])

    evaluation = slo_rules.evaluate(slo, now=NOW)

    assert (evaluation.good, evaluation.total, evaluation.bad) == (3, 4, 1)
    assert evaluation.attainment == 75.0
    assert evaluation.status == SLOStatus.AT_RISK


@pytest.mark.django_db
def test_each_slo_is_evaluated_over_its_own_window():
    product = ProductFactory()
    daily = define_slo(product, window_days=1)
    monthly = define_slo(product, window_days=30)
    other = define_slo(product, indicator="availability", threshold=99, window_days=30)
    two_days_ago = NOW - timedelta(days=2)
    record(daily, (two_days_ago, 1), (NOW - timedelta(hours=1), 9))
    record(monthly, (two_days_ago, 1))

    evaluations = slo_rules.evaluate_many([daily, monthly, other], now=NOW)

    assert (evaluations[daily.pk].status, evaluations[daily.pk].total) == (SLOStatus.BREACHED, 1)
    assert (evaluations[monthly.pk].status, evaluations[monthly.pk].total) == (SLOStatus.MEETING, 1)
    assert evaluations[other.pk].status == SLOStatus.NO_DATA


@pytest.mark.django_db
def test_evaluation_ignores_other_slos_measurements():
    product = ProductFactory()
    watched = define_slo(product)
    noisy = define_slo(product, indicator="latency", threshold=250)
    record(noisy, (NOW - timedelta(hours=1), 999))

    assert slo_rules.evaluate(watched, now=NOW).status == SLOStatus.NO_DATA
    assert slo_rules.evaluate(noisy, now=NOW).status == SLOStatus.BREACHED


# --- the daily history ---------------------------------------------------------------------


@pytest.mark.django_db
def test_daily_history_has_every_day_of_the_window_oldest_first():
    slo = define_slo(ProductFactory(), window_days=28)
    record(
        slo,
        (datetime(2026, 11, 4, 11, 0, tzinfo=UTC), 1),  # before the window's start (4 Nov, 12:00)
        (datetime(2026, 11, 4, 12, 0, tzinfo=UTC), 1),
        (datetime(2026, 11, 20, 8, 0, tzinfo=UTC), 1),
        (datetime(2026, 11, 20, 9, 0, tzinfo=UTC), 1),
        (datetime(2026, 11, 20, 10, 0, tzinfo=UTC), 8),
        (datetime(2026, 12, 2, 11, 0, tzinfo=UTC), 9),
    )

    history = slo_rules.daily_history(slo, now=NOW)

    assert [day.day for day in history] == [date(2026, 11, 4) + timedelta(days=n) for n in range(29)]
    by_day = {day.day: (day.good, day.total) for day in history}
    assert by_day[date(2026, 11, 4)] == (1, 1)
    assert by_day[date(2026, 11, 20)] == (2, 3)
    assert by_day[date(2026, 12, 2)] == (0, 1)
    assert sum(day.total for day in history) == 5
    assert history[1].attainment is None
    assert [day.attainment for day in history if day.total] == [100.0, pytest.approx(200 / 3), 0.0]


@pytest.mark.django_db
def test_daily_history_of_an_slo_without_measurements_is_a_row_of_empty_days():
    slo = define_slo(ProductFactory(), window_days=7)

    history = slo_rules.daily_history(slo, now=NOW)

    assert len(history) == 8
    assert all(day.total == 0 and day.attainment is None for day in history)


@pytest.mark.django_db
def test_daily_history_counts_days_in_the_sites_time_zone(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    slo = define_slo(ProductFactory(), window_days=3)
    record(slo, (datetime(2026, 12, 1, 23, 30, tzinfo=UTC), 1))  # 2 December, 00:30 in Berlin

    history = slo_rules.daily_history(slo, now=NOW)

    assert [day.day for day in history] == [date(2026, 11, 29), date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2)]
    assert [day.total for day in history] == [0, 0, 0, 1]
