from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.serializers import StrictStrings

from . import rules as slo_rules
from .models import ServiceLevelObjective


class SLOSerializer(StrictStrings, serializers.ModelSerializer):
    """An objective with its stored status. Written by the owning team."""

    url = serializers.HyperlinkedIdentityField(view_name="api:slo-detail")
    product = serializers.CharField(max_length=80, help_text="The data product's slug.")
    port = serializers.CharField(
        max_length=120, required=False, allow_blank=True, allow_null=True, help_text="An output port's name; empty for the whole product."
    )
    operator = serializers.ChoiceField(
        choices=ServiceLevelObjective.Operator.choices, required=False, allow_blank=True, help_text="lte or gte; default: the indicator's."
    )
    unit = serializers.ChoiceField(
        choices=ServiceLevelObjective.Unit.choices,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Default: the indicator's (freshness h, latency ms, percentages %).",
    )
    threshold = serializers.FloatField()
    target = serializers.FloatField(help_text="Target attainment in %, e.g. 99.5.")
    objective = serializers.CharField(read_only=True, help_text="The promise in words.")

    class Meta:
        model = ServiceLevelObjective
        fields = [
            "id",
            "url",
            "product",
            "port",
            "indicator",
            "name",
            "description",
            "operator",
            "threshold",
            "unit",
            "target",
            "window_days",
            "objective",
            "status",
            "attainment",
            "budget_remaining",
            "good_count",
            "total_count",
            "status_computed_at",
        ]
        read_only_fields = ["status", "attainment", "budget_remaining", "good_count", "total_count", "status_computed_at"]

    def to_representation(self, slo):
        data = super().to_representation(slo)
        data["product"] = slo.product.slug
        data["port"] = slo.port.name if slo.port_id else None
        return data


class SLOHistoryDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    good = serializers.IntegerField()
    total = serializers.IntegerField()
    attainment = serializers.FloatField(allow_null=True)


REQUIRED = "This field is required."


@extend_schema_field({"type": "integer"})
class SLOIdField(serializers.Field):
    """A JSON whole number: not a string of digits, not a boolean (JSON's
    true equals 1 in Python), not 1.0. Any size: whether an id names an
    objective the caller may measure is the service's question."""

    default_error_messages = {"invalid": "An SLO's id, a whole number, is needed.", "null": REQUIRED}

    def to_internal_value(self, data) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


@extend_schema_field({"type": "string", "format": "date-time"})
class MeasurementTimeField(serializers.Field):
    """An ISO 8601 string with its time zone, parsed to an aware datetime
    (how far back or ahead it may lie is slos.rules's rule, checked by the service)."""

    default_error_messages = {
        "invalid": "Give the time as an ISO 8601 string with its time zone, e.g. 2026-12-02T06:00:00Z.",
        "unparsable": "{value!r} is not an ISO 8601 date and time.",
        "naive": "Give the time zone, e.g. 2026-12-02T06:00:00Z or +01:00.",
        "null": REQUIRED,
    }

    def to_internal_value(self, data) -> datetime:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            parsed = parse_datetime(data.strip())
        except ValueError:
            parsed = None
        if parsed is None:
            self.fail("unparsable", value=data[:40])
        if timezone.is_naive(parsed):
            self.fail("naive")
        return parsed

    def to_representation(self, value):
        return value.isoformat()


@extend_schema_field({"type": "number", "format": "double"})
class MeasurementValueField(serializers.Field):
    """A finite JSON number (not a boolean, not a string of digits)."""

    default_error_messages = {"invalid": "A number is needed.", "null": REQUIRED}

    def to_internal_value(self, data) -> float:
        if not slo_rules.is_number(data):
            self.fail("invalid")
        return float(data)

    def to_representation(self, value):
        return value


class MeasurementBatchSerializer(serializers.ListSerializer):
    """A batch of measurements: a JSON list, each row checked for its shape.
    Validated data is `{"rows": [...], "refused": {index: errors}}`: a row
    whose shape is wrong is None in `rows` and its errors are in `refused`,
    so that slos.services.record_measurements names it together with the
    rows its own rules refuse (all or nothing, every bad row named)."""

    def run_validation(self, data=serializers.empty):
        if not isinstance(data, list):
            raise serializers.ValidationError(
                {"rows": ['Send a JSON list of measurements: [{"slo": 1, "measured_at": "…", "value": 3.5}].']}
            )
        return self.to_internal_value(data)

    def to_internal_value(self, data: list) -> dict:
        rows: list[dict | None] = []
        refused: dict[int, dict] = {}
        for index, item in enumerate(data):
            try:
                rows.append(self.child.run_validation(item))
            except serializers.ValidationError as error:
                rows.append(None)
                refused[index] = error.detail
        return {"rows": rows, "refused": refused}


class MeasurementSerializer(serializers.Serializer):
    """The shape of one measurement in a batch. Whether its objective is one the
    caller may measure, its time lies in range, its unit converts and its value
    is possible for the indicator are the service's rules
    (slos.services.record_measurements)."""

    slo = SLOIdField(help_text="The objective's id.", error_messages={"required": REQUIRED})
    measured_at = MeasurementTimeField(help_text="ISO 8601 with a time zone; at most 5 minutes ahead.")
    value = MeasurementValueField(help_text="In the objective's unit, or in `unit`.")
    unit = serializers.ChoiceField(
        choices=ServiceLevelObjective.Unit.choices,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="Optional: a unit of the same kind, converted.",
        error_messages={"invalid_choice": f"Use one of {', '.join(repr(u) for u in ServiceLevelObjective.Unit.values if u)}."},
    )

    class Meta:
        list_serializer_class = MeasurementBatchSerializer

    def run_validation(self, data=serializers.empty):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ['Each measurement is an object: {"slo", "measured_at", "value"}.']})
        return super().run_validation(data)

    def to_internal_value(self, data: dict) -> dict:
        unknown = set(data) - set(self.fields)
        try:
            values = super().to_internal_value(data)
        except serializers.ValidationError as error:
            errors = dict(error.detail)
        else:
            errors = {}
        if unknown:
            errors = {
                "non_field_errors": [
                    f"Unknown field {sorted(unknown)[0]!r}; a measurement has slo, measured_at, value and optionally unit."
                ],
                **errors,
            }
        if errors:
            raise serializers.ValidationError(errors)
        return {"unit": None, **values}


class MeasurementsResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    stored = serializers.IntegerField(help_text="New measurements stored.")
    duplicates = serializers.IntegerField(help_text="Measurements already stored (same SLO and time), ignored.")
    slos = SLOSerializer(many=True, help_text="The SLOs measured, with their status after this batch.")


class SampleColumnSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.CharField(source="data_type")
    sensitive = serializers.BooleanField(help_text="Personal or confidential: masked for people without access.")
    masked = serializers.BooleanField(help_text="Whether this column's values are masked for you.")


class SampleTableSerializer(serializers.Serializer):
    """A port's sample rows as the caller may see them: masked columns hold "•••" in every row."""

    columns = SampleColumnSerializer(many=True)
    rows = serializers.ListField(child=serializers.ListField(allow_empty=True), help_text="Values in column order.")
    uploaded_at = serializers.DateTimeField()
    revealed = serializers.BooleanField(help_text="Whether you see the real values of sensitive columns.")
