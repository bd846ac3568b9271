"""Service level objectives: judging measurements and computing status.

The rules, in one place for pages, API, search facets and notifications:

- A measurement is *good* when its value keeps the threshold (≤ or ≥, in the
  SLO's unit; a measurement sent in another unit of the same kind, say
  minutes for an SLO in hours, is converted first).
- *Attainment* is the share of good measurements among those in the window:
  `now - window_days` (inclusive: a measurement exactly at the window's start
  counts) to `now` (inclusive; later ones wait for their time).
- The *error budget* is the share of bad measurements the target allows
  (a 99.5 % target allows 0.5 %); *budget remaining* is how much of it is
  left, in %, negative once the target is missed.
- Status: *no data* with no measurement in the window, *breached* when the
  attainment is below the target, *at risk* when less than 25 % of the
  budget remains, *meeting* otherwise.
- A product's status is its worst objective's: breached, then at risk,
  then no data, then meeting (a product meets its promises only when every
  objective is measured and met). A product without SLOs has no data.

Statuses are stored on the SLO and the product by
slos.services.refresh_slo_statuses, so lists never recompute windows.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from catalog.models import SLOStatus

from .models import ServiceLevelObjective, SLOMeasurement

Indicator = ServiceLevelObjective.Indicator
Operator = ServiceLevelObjective.Operator
Unit = ServiceLevelObjective.Unit

AT_RISK_BUDGET = 25.0  # % of the error budget left below which an SLO is at risk
MAX_WINDOW_DAYS = 365  # the longest window an objective may have
# A measurement older than the longest window can count in no window, even after
# the objective's window is lengthened: it is refused, not stored.
MEASUREMENT_MAX_AGE = timedelta(days=MAX_WINDOW_DAYS)
MEASUREMENT_FUTURE_TOLERANCE = timedelta(minutes=5)  # clocks of pipelines drift a little

# Seconds per unit, for the units of time; a value converts within its kind only.
_SECONDS = {Unit.MILLISECONDS: 0.001, Unit.SECONDS: 1.0, Unit.MINUTES: 60.0, Unit.HOURS: 3600.0, Unit.DAYS: 86400.0}
TIME_UNITS = tuple(_SECONDS)

# Per indicator: the comparison and unit it takes by default, and the units it accepts.
INDICATOR_DEFAULTS: dict[str, tuple[str, str]] = {
    Indicator.FRESHNESS: (Operator.AT_MOST, Unit.HOURS),
    Indicator.AVAILABILITY: (Operator.AT_LEAST, Unit.PERCENT),
    Indicator.COMPLETENESS: (Operator.AT_LEAST, Unit.PERCENT),
    Indicator.ERROR_RATE: (Operator.AT_MOST, Unit.PERCENT),
    Indicator.LATENCY: (Operator.AT_MOST, Unit.MILLISECONDS),
    Indicator.CUSTOM: (Operator.AT_MOST, Unit.NONE),
}
INDICATOR_UNITS: dict[str, tuple[str, ...]] = {
    Indicator.FRESHNESS: TIME_UNITS,
    Indicator.AVAILABILITY: (Unit.PERCENT,),
    Indicator.COMPLETENESS: (Unit.PERCENT,),
    Indicator.ERROR_RATE: (Unit.PERCENT,),
    Indicator.LATENCY: TIME_UNITS,
    Indicator.CUSTOM: tuple(Unit.values),
}
# Worst first: a product takes the first of these any of its SLOs has.
SEVERITY = (SLOStatus.BREACHED, SLOStatus.AT_RISK, SLOStatus.NO_DATA, SLOStatus.MEETING)


class UnitMismatch(ValueError):
    pass


def is_number(value) -> bool:
    """A finite JSON number (not a boolean, not an integer too large for a float)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def impossible_value(value: float, *, unit: str) -> str | None:
    """Why `value` in `unit` cannot be a reading, or None: a duration is never
    negative, and a percentage lies between 0 and 100. Thresholds and
    measurements are held to the same bounds."""
    if unit == Unit.PERCENT and not 0 <= value <= 100:
        return "A percentage lies between 0 and 100."
    if unit in TIME_UNITS and value < 0:
        return "A duration cannot be negative."
    return None


def measurement_time_problem(measured_at: datetime, *, now: datetime) -> str | None:
    """Why a measurement cannot have been taken at `measured_at`, or None."""
    if measured_at > now + MEASUREMENT_FUTURE_TOLERANCE:
        return "This time is in the future."
    if measured_at < now - MEASUREMENT_MAX_AGE:
        return f"This time is more than {MAX_WINDOW_DAYS} days ago, older than any objective's window."
    return None


def convert(value: float, *, from_unit: str, to_unit: str) -> float:
    """`value` in `from_unit` expressed in `to_unit`; raises UnitMismatch
    between kinds (time and percent, say)."""
    if from_unit == to_unit:
        return value
    if from_unit in _SECONDS and to_unit in _SECONDS:
        # Twelve significant digits: 1.1 h is 66 min, not 66.00000000000001, so a value at the threshold stays good.
        return float(f"{value * _SECONDS[from_unit] / _SECONDS[to_unit]:.12g}")
    raise UnitMismatch(f"A value in {from_unit or 'no unit'!s} cannot be converted to {to_unit or 'no unit'!s}.")


def is_good(value: float, *, operator: str, threshold: float) -> bool:
    """Does a measurement (in the SLO's unit) keep the threshold? A value equal to the threshold does."""
    return value <= threshold if operator == Operator.AT_MOST else value >= threshold


def judge(slo: ServiceLevelObjective, value: float) -> bool:
    return is_good(value, operator=slo.operator, threshold=slo.threshold)


@dataclass(frozen=True)
class Evaluation:
    """An SLO's standing over its window."""

    status: str
    good: int
    total: int
    attainment: float | None  # % good, None without data
    budget_remaining: float | None  # % of the error budget left, None without data

    @property
    def bad(self) -> int:
        return self.total - self.good


def status_from_counts(good: int, total: int, *, target: float) -> Evaluation:
    """The status of `good` good measurements out of `total` against a target attainment in %."""
    if total <= 0:
        return Evaluation(SLOStatus.NO_DATA, 0, 0, None, None)
    attainment = 100.0 * good / total
    bad_share = 100.0 - attainment
    allowed = 100.0 - target
    if allowed <= 0:  # a 100 % target has no budget: any bad measurement spends more than all of it
        budget = 100.0 if good == total else -math.inf
    else:
        budget = 100.0 * (1.0 - bad_share / allowed)
    # Compare counts, not rounded percentages: 995 of 1000 meets 99.5 % exactly.
    if good * 100.0 < target * total - 1e-9:
        status = SLOStatus.BREACHED
    elif budget < AT_RISK_BUDGET - 1e-9:  # exactly a quarter left is not yet at risk
        status = SLOStatus.AT_RISK
    else:
        status = SLOStatus.MEETING
    # Far past the budget the figure means nothing more: shown as at most ten budgets overspent.
    return Evaluation(status, good, total, attainment, max(budget, -1000.0))


def window_start(slo: ServiceLevelObjective, now: datetime) -> datetime:
    return now - timedelta(days=slo.window_days)


def evaluate_many(slos: list[ServiceLevelObjective], *, now: datetime | None = None) -> dict[int, Evaluation]:
    """Each SLO's evaluation at `now`: one grouped query per distinct window length."""
    now = now or timezone.now()
    by_window: dict[int, list[ServiceLevelObjective]] = {}
    for slo in slos:
        by_window.setdefault(slo.window_days, []).append(slo)
    counts: dict[int, tuple[int, int]] = {}
    for days, group in by_window.items():
        rows = (
            SLOMeasurement.objects.filter(
                slo__in=[slo.pk for slo in group], measured_at__gte=now - timedelta(days=days), measured_at__lte=now
            )
            .values("slo")
            .annotate(good=Count("pk", filter=Q(good=True)), total=Count("pk"))
        )
        counts.update({row["slo"]: (row["good"], row["total"]) for row in rows})
    return {slo.pk: status_from_counts(*counts.get(slo.pk, (0, 0)), target=slo.target) for slo in slos}


def evaluate(slo: ServiceLevelObjective, *, now: datetime | None = None) -> Evaluation:
    return evaluate_many([slo], now=now)[slo.pk]


def product_status(statuses) -> str:
    """A product's status from its SLOs' statuses: the worst; no data without any."""
    statuses = set(statuses)
    for status in SEVERITY:
        if status in statuses:
            return status
    return SLOStatus.NO_DATA


@dataclass(frozen=True)
class Day:
    day: date
    good: int
    total: int
    attainment: float | None  # % good that day, None without measurements


def daily_history(slo: ServiceLevelObjective, *, now: datetime | None = None) -> list[Day]:
    """Attainment per calendar day (in the site's time zone) over the SLO's
    window, oldest first, every day present: the SLO tab's chart."""
    now = now or timezone.now()
    start = window_start(slo, now)
    rows = (
        SLOMeasurement.objects.filter(slo=slo, measured_at__gte=start, measured_at__lte=now)
        .annotate(day=TruncDate("measured_at"))
        .values("day")
        .annotate(good=Count("pk", filter=Q(good=True)), total=Count("pk"))
    )
    per_day = {row["day"]: (row["good"], row["total"]) for row in rows}
    first = timezone.localtime(start).date()
    last = timezone.localtime(now).date()
    days = []
    current = first
    while current <= last:
        good, total = per_day.get(current, (0, 0))
        days.append(Day(current, good, total, 100.0 * good / total if total else None))
        current += timedelta(days=1)
    return days
