"""Service level objectives, their measurements and statuses, and the
sample rows of output ports."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from access_requests.queries import consumers_of, product_owners
from catalog import signals
from catalog.models import DataProduct, OutputPort, SLOStatus
from catalog.services import CatalogError, NotTeamMember
from core.users import User
from notifications.models import Notification
from notifications.services import notify

from . import rules as slo_rules
from . import samples
from .models import Sample, ServiceLevelObjective, SLOMeasurement
from .queries import writable_slos

SLO_FIELDS = ("indicator", "name", "description", "operator", "threshold", "unit", "target", "window_days", "port")
MAX_SLOS_PER_PRODUCT = 30
MAX_ID = 2**63 - 1  # the largest key a BigAutoField holds


class SLOError(CatalogError):
    pass


def _check_may_edit(by: User, product: DataProduct, what: str) -> None:
    if not (by.is_authenticated and by.has_perm("catalog.change_dataproduct", product)):
        raise NotTeamMember(f"Only members of the owning team can {what}.")


def validate_slo(slo: ServiceLevelObjective) -> None:
    """Fill the indicator's defaults and check the objective makes sense; SLOError names the field."""
    if slo.indicator not in ServiceLevelObjective.Indicator.values:
        raise SLOError(
            f"{slo.indicator!r} is not an indicator; use one of {', '.join(ServiceLevelObjective.Indicator.values)}.", field="indicator"
        )
    default_operator, default_unit = slo_rules.INDICATOR_DEFAULTS[slo.indicator]
    slo.operator = slo.operator or default_operator
    if slo.unit is None:
        slo.unit = default_unit
    if slo.operator not in ServiceLevelObjective.Operator.values:
        raise SLOError("The comparison is lte (at most) or gte (at least).", field="operator")
    allowed = slo_rules.INDICATOR_UNITS[slo.indicator]
    if slo.unit not in allowed:
        words = ", ".join(f"'{unit}'" if unit else "none" for unit in map(str, allowed))
        raise SLOError(f"{slo.get_indicator_display()} is measured in {words}, not {slo.unit or 'no unit'!r}.", field="unit")
    if slo.indicator == ServiceLevelObjective.Indicator.CUSTOM and not slo.name.strip():
        raise SLOError('Name a custom indicator, e.g. "duplicate rate".', field="name")
    for name in ("threshold", "target"):
        value = getattr(slo, name)
        if not slo_rules.is_number(value):
            raise SLOError(f"The {name} must be a number.", field=name)
    if problem := slo_rules.impossible_value(slo.threshold, unit=slo.unit):
        raise SLOError(problem, field="threshold")
    if not 0 < slo.target <= 100:
        raise SLOError("The target attainment is a percentage above 0 and at most 100, e.g. 99.5.", field="target")
    if isinstance(slo.window_days, bool) or not isinstance(slo.window_days, int) or not 1 <= slo.window_days <= slo_rules.MAX_WINDOW_DAYS:
        raise SLOError(f"The window is 1 to {slo_rules.MAX_WINDOW_DAYS} days.", field="window_days")
    if slo.port_id is not None and slo.port.product_id != slo.product_id:
        raise SLOError("The output port must be one of this product's.", field="port")
    # The model's check constraints restate the checks above and the choices
    # clean_fields checks; validating them again would cost a query each.
    slo.full_clean(exclude=["product", "port", "unit"], validate_constraints=False)


@transaction.atomic
def define_slo(
    product: DataProduct,
    *,
    by: User,
    indicator: str,
    threshold: float,
    target: float,
    window_days: int = 28,
    operator: str = "",
    unit: str | None = None,
    name: str = "",
    description: str = "",
    port: OutputPort | None = None,
) -> ServiceLevelObjective:
    """Add a service level objective to `product` (owning team or admins).
    Operator and unit default to the indicator's (freshness: ≤ hours). The
    product's status is recomputed: a new SLO has no data yet."""
    _check_may_edit(by, product, "change this product's objectives")
    if product.slos.count() >= MAX_SLOS_PER_PRODUCT:
        raise SLOError(f"A product can have at most {MAX_SLOS_PER_PRODUCT} objectives.", field="indicator")
    slo = ServiceLevelObjective(
        product=product,
        port=port,
        indicator=indicator,
        threshold=threshold,
        target=target,
        window_days=window_days,
        operator=operator,
        unit=unit,
        name=name.strip(),
        description=description,
    )
    validate_slo(slo)
    slo.save()
    refresh_slo_statuses(product_ids=[product.pk])
    slo.refresh_from_db()
    return slo


@transaction.atomic
def update_slo(slo: ServiceLevelObjective, *, by: User, **changes) -> ServiceLevelObjective:
    """Change an objective. Stored measurements follow: a new unit of the
    same kind converts their values, and a new threshold, comparison or unit
    judges them all again, so history is read against the promise as it is now."""
    unknown = set(changes) - set(SLO_FIELDS)
    if unknown:
        raise SLOError(f"{', '.join(sorted(unknown))} cannot be changed.", field=sorted(unknown)[0])
    slo = ServiceLevelObjective.objects.select_for_update().select_related("product").get(pk=slo.pk)
    _check_may_edit(by, slo.product, "change this product's objectives")
    before = (slo.unit, slo.operator, slo.threshold)
    if "indicator" in changes and changes["indicator"] != slo.indicator:
        # A different indicator takes its own defaults unless they are given.
        changes.setdefault("operator", "")
        changes.setdefault("unit", None)
    for name, value in changes.items():
        setattr(slo, name, value.strip() if name == "name" else value)
    validate_slo(slo)
    slo.save()
    if slo.unit != before[0]:
        try:
            factor = slo_rules.convert(1.0, from_unit=before[0], to_unit=slo.unit)
        except slo_rules.UnitMismatch as error:
            if slo.measurements.exists():
                raise SLOError(
                    f"{error} Its measurements would lose their meaning; create a new objective instead.", field="unit"
                ) from None
            factor = 1.0
        slo.measurements.update(value=F("value") * factor)
    if (slo.unit, slo.operator, slo.threshold) != before:
        good = Q(value__lte=slo.threshold) if slo.operator == ServiceLevelObjective.Operator.AT_MOST else Q(value__gte=slo.threshold)
        slo.measurements.update(good=Case(When(good, then=Value(True)), default=Value(False)))
    refresh_slo_statuses(product_ids=[slo.product_id])
    slo.refresh_from_db()
    return slo


@transaction.atomic
def delete_slo(slo: ServiceLevelObjective, *, by: User) -> None:
    """Remove an objective and its measurements; the product's status is recomputed."""
    _check_may_edit(by, slo.product, "change this product's objectives")
    product_id = slo.product_id
    slo.delete()
    refresh_slo_statuses(product_ids=[product_id])


@dataclass
class MeasurementsResult:
    received: int
    stored: int
    duplicates: int
    slos: list[ServiceLevelObjective]


@dataclass(frozen=True)
class Measurement:
    """One measurement of a batch, its shape already checked (by
    catalog.serializers.MeasurementSerializer in the API)."""

    slo: int
    measured_at: datetime
    value: float
    unit: str | None = None


def _judged(measurement: Measurement, slo: ServiceLevelObjective | None, now: datetime) -> tuple[float, dict[str, list[str]]]:
    """The value of `measurement` in its objective's unit, and what the rules
    refuse in it by field: an objective `by` may not measure (None), a time
    out of range, a unit of another kind, a value the indicator cannot have."""
    problems: dict[str, list[str]] = {}
    value = float(measurement.value)
    if slo is None:
        problems["slo"] = [f"No SLO {measurement.slo} among your teams' data products."]
    if problem := slo_rules.measurement_time_problem(measurement.measured_at, now=now):
        problems["measured_at"] = [problem]
    if slo is None:
        return value, problems
    if measurement.unit is not None:
        try:
            value = slo_rules.convert(value, from_unit=measurement.unit, to_unit=slo.unit)
        except slo_rules.UnitMismatch as error:
            problems["unit"] = [f"{error} This SLO is measured in {slo.unit or 'no unit'}."]
            return value, problems
    if problem := slo_rules.impossible_value(value, unit=slo.unit):
        problems["value"] = [problem]
    return value, problems


@transaction.atomic
def record_measurements(
    rows: Sequence[Measurement | Mapping | None], *, by: User, now: datetime | None = None, refused: Mapping[int, dict] | None = None
) -> MeasurementsResult:
    """Store a batch of measurements pushed by a pipeline of the owning team,
    judging each against its SLO's threshold, then recompute the statuses
    (which may notify a breach). Each row is a Measurement, or a mapping of
    its fields (`measured_at` an aware datetime), its shape already checked;
    `refused` holds the shape errors of the rows that failed that check, by
    index (their place in `rows` holds None). This function keeps the rules:
    the batch size, who may measure which objective, the time bounds, units
    and values (slos.rules), and duplicates.
    All or nothing: any invalid row refuses the batch with SLOError, whose
    `details` name every bad row and field. A measurement for an SLO and
    time already stored is a duplicate and changes nothing (idempotent);
    rows may arrive late and in any order."""
    now = now or timezone.now()
    limit = settings.SLO_MEASUREMENT_BATCH
    if not rows:
        raise SLOError("The batch is empty.", field="rows")
    if len(rows) > limit:
        raise SLOError(f"Send at most {limit:,} measurements at a time; this batch has {len(rows):,}.", field="rows")
    refused = refused or {}
    checked = {index: row if isinstance(row, Measurement) else Measurement(**row) for index, row in enumerate(rows) if index not in refused}
    # Ids beyond a 64-bit key name no objective; the database could not even compare them.
    ids = {row.slo for row in checked.values() if 1 <= row.slo <= MAX_ID}
    # One query for the objectives `by` may measure (their teams' products), not a permission check per objective.
    slos = {slo.pk: slo for slo in writable_slos(by).filter(pk__in=ids)}
    errors: dict[str, dict] = {str(index): problems for index, problems in refused.items()}
    measurements: dict[tuple[int, datetime], SLOMeasurement] = {}
    duplicates = 0
    for index, row in checked.items():
        slo = slos.get(row.slo)
        value, problems = _judged(row, slo, now)
        if problems:
            errors[str(index)] = problems
            continue
        key = (slo.pk, row.measured_at)
        if key in measurements:
            duplicates += 1
            continue
        measurements[key] = SLOMeasurement(
            slo=slo, measured_at=row.measured_at, value=value, good=slo_rules.judge(slo, value), received_at=now
        )
    if errors:
        errors = dict(sorted(errors.items(), key=lambda item: int(item[0])))
        raise SLOError(
            f"{len(errors)} of {len(rows)} measurement{'s' if len(rows) != 1 else ''} {'is' if len(errors) == 1 else 'are'} invalid; nothing was stored.",
            field="rows",
            details=errors,
        )
    stored = SLOMeasurement.objects.filter(
        slo_id__in={slo_id for slo_id, _ in measurements}, measured_at__in={when for _, when in measurements}
    ).values_list("slo_id", "measured_at")
    for key in stored:
        if measurements.pop(key, None) is not None:
            duplicates += 1
    # ignore_conflicts: a concurrent batch with the same measurement stores it once.
    SLOMeasurement.objects.bulk_create(measurements.values(), ignore_conflicts=True)
    touched = sorted({slo.product_id for slo in slos.values()})
    refresh_slo_statuses(product_ids=touched, now=now)
    affected = ServiceLevelObjective.objects.filter(pk__in=slos).order_by("pk")
    return MeasurementsResult(received=len(rows), stored=len(measurements), duplicates=duplicates, slos=list(affected))


def refresh_slo_statuses(*, product_ids: Iterable[int] | None = None, now: datetime | None = None, batch_size: int = 500) -> list[int]:
    """Recompute and store the status of the SLOs of these products (all
    products when None) and of the products themselves, reindex products
    whose status changed, and notify the owners and live grant holders of a
    product that has just turned breached (once per breach, in the outbox).
    Returns the ids of the products that turned breached. The periodic task
    runs it for all products: time passing changes statuses too."""
    now = now or timezone.now()
    if product_ids is None:
        ids = list(DataProduct.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted(set(product_ids))
    breached: list[int] = []
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            breached += _refresh_slo_batch(ids[start : start + batch_size], now)
    return breached


def _refresh_slo_batch(product_ids: list[int], now: datetime) -> list[int]:
    # Lock the products first (in id order): two batches of measurements for
    # one product must not both see it turn breached and notify twice.
    before = dict(DataProduct.objects.select_for_update().filter(pk__in=product_ids).order_by("pk").values_list("pk", "slo_status"))
    slos = list(ServiceLevelObjective.objects.filter(product_id__in=product_ids))
    evaluations = slo_rules.evaluate_many(slos, now=now)
    per_product: dict[int, list[str]] = {pk: [] for pk in before}
    for slo in slos:
        evaluation = evaluations[slo.pk]
        slo.status, slo.good_count, slo.total_count = evaluation.status, evaluation.good, evaluation.total
        slo.attainment, slo.budget_remaining, slo.status_computed_at = evaluation.attainment, evaluation.budget_remaining, now
        per_product[slo.product_id].append(evaluation.status)
    ServiceLevelObjective.objects.bulk_update(
        slos, ["status", "good_count", "total_count", "attainment", "budget_remaining", "status_computed_at"], batch_size=500
    )
    changed: dict[str, list[int]] = {}
    for pk, statuses in per_product.items():
        status = slo_rules.product_status(statuses)
        if status != before[pk]:
            changed.setdefault(status, []).append(pk)
    for status, pks in changed.items():
        DataProduct.objects.filter(pk__in=pks).update(slo_status=status)  # update(): not a change of the product's content
    if changed:
        signals.products_changed.send(sender=DataProduct, product_ids=[pk for pks in changed.values() for pk in pks])
    breached = sorted(changed.get(SLOStatus.BREACHED, []))
    if breached:
        _notify_breaches(breached, slos, now=now)
    return breached


def _notify_breaches(product_ids: list[int], slos: list[ServiceLevelObjective], *, now: datetime) -> None:
    for product in DataProduct.objects.filter(pk__in=product_ids).order_by("pk"):
        missed = [slo for slo in slos if slo.product_id == product.pk and slo.status == SLOStatus.BREACHED]
        recipients = [*product_owners(product), product.product_owner, *(grant.user for grant in consumers_of(product, now=now))]
        notify(
            recipients,
            kind=Notification.Kind.SLO_BREACHED,
            context={"product": product, "missed": missed},
            url=reverse("catalog:product_slos", args=[product.slug]),
            now=now,
        )


@transaction.atomic
def upload_sample(port: OutputPort, *, by: User, content: bytes, filename: str = "", format: str = "") -> Sample:
    """Store sample rows for `port` from a CSV or JSON upload (owning team or
    admins), replacing any before. The rows are checked against the port's
    schema: SLOError-like CatalogError on field "file" lists every problem
    with its row. Sensitive columns are stored as given and masked when shown."""
    _check_may_edit(by, port.product, "upload samples of this product")
    try:
        header, rows, from_text = samples.read_upload(content, filename=filename, format=format)
        columns, values = samples.validate_rows(
            header, rows, port.fields.filter(parent=None).order_by("position", "name"), from_text=from_text
        )
    except samples.SampleInvalid as error:
        raise CatalogError(str(error), field="file", details=error.problems) from None
    sample, _ = Sample.objects.update_or_create(
        port=port,
        defaults={"columns": columns, "rows": values, "source_name": filename[:200], "uploaded_by": by if by.is_authenticated else None},
    )
    return sample


@transaction.atomic
def delete_sample(port: OutputPort, *, by: User) -> None:
    _check_may_edit(by, port.product, "remove samples of this product")
    Sample.objects.filter(port=port).delete()
