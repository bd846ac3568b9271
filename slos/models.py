"""Service level objectives, their measurements, and sample rows of output
ports. The tables keep the names they had in catalog."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from catalog.models import DataProduct, OutputPort, SLOStatus


class ServiceLevelObjective(models.Model):
    """A promise about a data product (or one of its output ports), e.g.
    "freshness ≤ 6 h, 99.5 % of the time over 28 days". Measurements are
    judged good or bad against the threshold when they arrive; the status
    fields below are stored by slos.services.refresh_slo_statuses from
    slos.rules.evaluate. Create and change SLOs through slos.services."""

    class Indicator(models.TextChoices):
        FRESHNESS = "freshness", "Freshness"
        AVAILABILITY = "availability", "Availability"
        COMPLETENESS = "completeness", "Completeness"
        ERROR_RATE = "error_rate", "Error rate"
        LATENCY = "latency", "Latency"
        CUSTOM = "custom", "Custom"

    class Operator(models.TextChoices):
        AT_MOST = "lte", "≤ (at most)"
        AT_LEAST = "gte", "≥ (at least)"

    class Unit(models.TextChoices):
        MILLISECONDS = "ms", "milliseconds"
        SECONDS = "s", "seconds"
        MINUTES = "min", "minutes"
        HOURS = "h", "hours"
        DAYS = "d", "days"
        PERCENT = "%", "percent"
        COUNT = "count", "count"
        NONE = "", "no unit"

    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="slos")
    port = models.ForeignKey(
        OutputPort,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="slos",
        help_text="Leave empty for an objective about the whole product.",
    )
    indicator = models.CharField(max_length=20, choices=Indicator.choices)
    name = models.CharField(
        max_length=120, blank=True, help_text='Required for a custom indicator, e.g. "duplicate rate"; optional otherwise.'
    )
    description = models.TextField(blank=True)
    operator = models.CharField(
        max_length=3, choices=Operator.choices, help_text="Whether a good measurement is at most or at least the threshold."
    )
    threshold = models.FloatField(help_text="e.g. 6 for freshness ≤ 6 h.")
    unit = models.CharField(max_length=5, choices=Unit.choices, blank=True)
    target = models.FloatField("target attainment (%)", help_text="Share of measurements in the window that must be good, e.g. 99.5.")
    window_days = models.PositiveIntegerField("window (days)", default=28, help_text="Rolling window the target applies to, 1 to 365 days.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Stored by slos.services.refresh_slo_statuses.
    status = models.CharField(max_length=20, choices=SLOStatus.choices, default=SLOStatus.NO_DATA, editable=False)
    attainment = models.FloatField(null=True, blank=True, editable=False, help_text="Good measurements in the window, in %.")
    budget_remaining = models.FloatField(null=True, blank=True, editable=False, help_text="Error budget left, in % of the budget.")
    good_count = models.PositiveIntegerField(default=0, editable=False)
    total_count = models.PositiveIntegerField(default=0, editable=False)
    status_computed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        db_table = "catalog_servicelevelobjective"  # its table since it lived in catalog
        verbose_name = "service level objective"
        ordering = ["product", "indicator", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(indicator__in=["freshness", "availability", "completeness", "error_rate", "latency", "custom"]),
                name="slo_indicator_valid",
            ),
            models.CheckConstraint(condition=Q(operator__in=["lte", "gte"]), name="slo_operator_valid"),
            models.CheckConstraint(condition=Q(target__gt=0, target__lte=100), name="slo_target_valid"),
            models.CheckConstraint(condition=Q(window_days__gte=1, window_days__lte=365), name="slo_window_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.product} · {self.label}"

    @property
    def label(self) -> str:
        return self.name or self.get_indicator_display()

    @property
    def objective(self) -> str:
        """The promise in words: "≤ 6 h, 99.5 % over 28 days"."""
        sign = "≤" if self.operator == self.Operator.AT_MOST else "≥"
        unit = f" {self.unit}" if self.unit else ""
        return f"{sign} {self.threshold:g}{unit}, {self.target:g} % over {self.window_days} days"


class SLOMeasurement(models.Model):
    """One observation of an SLO's indicator, pushed by a pipeline. `good`
    is its judgement against the threshold when it arrived."""

    slo = models.ForeignKey(ServiceLevelObjective, on_delete=models.CASCADE, related_name="measurements")
    measured_at = models.DateTimeField()
    value = models.FloatField(help_text="In the SLO's unit.")
    good = models.BooleanField()
    received_at = models.DateTimeField(default=timezone.now, help_text="When the marketplace took it (the `now` of record_measurements).")

    class Meta:
        db_table = "catalog_slomeasurement"  # its table since it lived in catalog
        verbose_name = "SLO measurement"
        ordering = ["slo", "-measured_at"]
        constraints = [models.UniqueConstraint(fields=["slo", "measured_at"], name="unique_slo_measurement_time")]

    def __str__(self) -> str:
        return f"{self.slo} at {self.measured_at:%Y-%m-%d %H:%M}: {self.value:g} ({'good' if self.good else 'bad'})"


class Sample(models.Model):
    """Example rows of an output port, uploaded by its owners and validated
    against the port's schema. Shown through slos.samples.sample_table,
    which masks sensitive columns for people without access: read rows only there."""

    port = models.OneToOneField(OutputPort, on_delete=models.CASCADE, related_name="sample")
    columns = models.JSONField(default=list, help_text="Column names, in order.")
    rows = models.JSONField(default=list, help_text="Rows as lists of values, in column order.")
    source_name = models.CharField(max_length=200, blank=True, help_text="The uploaded file's name.")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "catalog_sample"  # its table since it lived in catalog
        ordering = ["port"]

    def __str__(self) -> str:
        return f"Sample of {self.port} ({len(self.rows)} rows)"
