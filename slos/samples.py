"""Sample rows of an output port: reading an upload, checking it against the
port's schema, and showing it with sensitive columns masked.

Masking happens here and only here (`sample_table`): pages and API get
their rows from slos.queries.visible_samples, which asks this module
with the one answer to "may this person see real values".
"""

import csv
import io
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.utils.dateparse import parse_date, parse_datetime

from catalog.models import DataProduct, SchemaField
from core import parsers as bounded_json

from .models import Sample

MASK = "•••"
MAX_REPORTED_ERRORS = 25
SENSITIVE_CLASSIFICATIONS = (DataProduct.Classification.CONFIDENTIAL, DataProduct.Classification.RESTRICTED)


class SampleInvalid(ValueError):
    """An upload that cannot be stored; `problems` lists each, naming its row and column."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or [message]


def is_sensitive(field: SchemaField) -> bool:
    """Columns masked for people without access: personal data, or classified confidential or restricted."""
    return field.is_pii or field.classification in SENSITIVE_CLASSIFICATIONS


# --- types -------------------------------------------------------------------

_FAMILIES = (
    ("integer", re.compile(r"^(u?int(eger)?\d*|bigint|smallint|tinyint|long|short|serial|bigserial)\b")),
    ("number", re.compile(r"^(float\d*|double( precision)?|real|decimal|numeric|number|money)\b")),
    ("boolean", re.compile(r"^bool(ean)?\b")),
    ("timestamp", re.compile(r"^(timestamp(tz|_ntz|_ltz)?|datetime)\b")),
    ("date", re.compile(r"^date\b")),
    ("string", re.compile(r"^(string|varchar|char|character|text|uuid|nvarchar|enum)\b")),
)
TYPE_WORDS = {
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "timestamp": "a date and time",
    "date": "a date",
    "string": "text",
}


def type_family(data_type: str) -> str | None:
    """The kind of value a schema type takes; None for types a sample does
    not check (arrays, structs, maps, JSON, binary...)."""
    text = data_type.strip().lower()
    for family, pattern in _FAMILIES:
        if pattern.match(text):
            return family
    return None


def _as_string(value: Any, *, from_text: bool) -> str:
    """Text as given; a number as written, a boolean as JSON writes it. An
    object or a list is not text, whatever the schema calls the column."""
    if isinstance(value, (dict, list)):
        raise ValueError
    if isinstance(value, bool):
        return str(value).lower()
    return value if isinstance(value, str) else str(value)


_BOOLEAN_WORDS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _as_boolean(value: Any, *, from_text: bool) -> bool:
    """JSON says true or false; a CSV cell may also say 1/0 or yes/no."""
    if isinstance(value, bool):
        return value
    if from_text:
        word = str(value).strip().lower()
        if word in _BOOLEAN_WORDS:
            return _BOOLEAN_WORDS[word]
    raise ValueError


def _as_integer(value: Any, *, from_text: bool) -> int:
    """A whole number; JSON's 2.0 is one, its true is not (bool is an int in Python)."""
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if from_text and re.fullmatch(r"[+-]?\d+", str(value).strip()):
        return int(str(value).strip())
    raise ValueError


def _as_number(value: Any, *, from_text: bool) -> int | float:
    """A finite number (NaN and infinity do not fit a decimal column); JSON's
    integers stay integers, everything else becomes a float."""
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, (int, float)):
        number = float(value)
    elif from_text:
        number = float(str(value).strip())
    else:
        raise ValueError
    if not math.isfinite(number):
        raise ValueError
    return int(number) if isinstance(value, int) else number


def _as_date(value: Any, *, from_text: bool) -> str:
    """An ISO date, written as ISO (JSON has no date type: text either way)."""
    if not isinstance(value, str):
        raise ValueError
    parsed = parse_date(value.strip())
    if parsed is None:
        raise ValueError
    return parsed.isoformat()


def _as_timestamp(value: Any, *, from_text: bool) -> str:
    """A date and time, kept as written once it reads as one."""
    if not isinstance(value, str) or parse_datetime(value.strip()) is None:
        raise ValueError
    return value.strip()


_COERCERS = {
    "string": _as_string,
    "boolean": _as_boolean,
    "integer": _as_integer,
    "number": _as_number,
    "date": _as_date,
    "timestamp": _as_timestamp,
}


def _coerce(value: Any, family: str | None, *, from_text: bool) -> Any:
    """`value` as its column's type, or ValueError. CSV cells arrive as text."""
    if family is None:
        return value
    return _COERCERS[family](value, from_text=from_text)


# --- reading an upload -----------------------------------------------------------


def read_upload(content: bytes, *, filename: str = "", format: str = "") -> tuple[list[str] | None, list[dict], bool]:
    """The rows of a CSV or JSON upload as dicts, the CSV header (None for
    JSON), and whether values are text (CSV). JSON is a list of objects or
    {"rows": [...]}; the format follows `format`, else the file name, else
    the content."""
    if len(content) > settings.SAMPLE_MAX_BYTES:
        raise SampleInvalid(f"A sample may be at most {settings.SAMPLE_MAX_BYTES:,} bytes; this one has {len(content):,}.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SampleInvalid("The file is not UTF-8 text.") from None
    format = _upload_format(text, filename=filename, format=format)
    if format == "json":
        return None, _json_rows(text), False
    if format == "csv":
        header, rows = _csv_header_and_rows(text)
        return header, rows, True
    raise SampleInvalid(f"Samples are CSV or JSON, not {format}.")


def _upload_format(text: str, *, filename: str, format: str) -> str:
    """The format given, else the file name's, else the content's: JSON starts with [ or {."""
    if format:
        return format.lower()
    if filename.lower().endswith(".json"):
        return "json"
    if filename.lower().endswith(".csv"):
        return "csv"
    return "json" if text.lstrip()[:1] in ("[", "{") else "csv"


def _json_rows(text: str) -> list[dict]:
    """The rows of a JSON upload: a list of objects, or {"rows": [...]}."""
    try:
        data = bounded_json.loads(text)
    except json.JSONDecodeError as error:
        raise SampleInvalid(f"The JSON cannot be read: {error.msg} (line {error.lineno}, column {error.colno}).") from None
    except ValueError as error:  # nested too deep, or NaN / Infinity
        raise SampleInvalid(f"The JSON cannot be read: {error}") from None
    if isinstance(data, dict) and "rows" in data:
        data = data["rows"]
    if not isinstance(data, list):
        raise SampleInvalid('JSON samples are a list of objects, one per row (or {"rows": [...]}).')
    for number, row in enumerate(data, start=1):
        if not isinstance(row, dict):
            raise SampleInvalid(f"Row {number}: each row is an object of column names and values.")
    return data


def _csv_header_and_rows(text: str) -> tuple[list[str], list[dict]]:
    """The header of a CSV upload and its rows as dicts, names stripped of spaces."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = [name.strip() for name in (reader.fieldnames or [])]
        rows = []
        for number, row in enumerate(reader, start=1):
            if None in row:
                raise SampleInvalid(f"Row {number}: more values than the header has columns.")
            rows.append({name.strip(): value for name, value in row.items()})
    except csv.Error as error:
        raise SampleInvalid(f"The CSV cannot be read: {error}.") from None
    if not header:
        raise SampleInvalid("The CSV needs a header row naming the columns.")
    return header, rows


def validate_rows(
    header: list[str] | None, rows: list[dict], fields: Iterable[SchemaField], *, from_text: bool
) -> tuple[list[str], list[list]]:
    """Check rows against the port's schema; return the columns (schema
    order) and each row's values in that order. Raises SampleInvalid listing
    every unknown column and type mismatch with its row number."""
    fields = list(fields)
    if not fields:
        raise SampleInvalid("Declare the port's schema before uploading a sample: rows are checked against it.")
    if not rows:
        raise SampleInvalid("The sample has no rows.")
    if len(rows) > settings.SAMPLE_MAX_ROWS:
        raise SampleInvalid(f"A sample may have at most {settings.SAMPLE_MAX_ROWS} rows; this one has {len(rows)}.")
    by_name = {field.name: field for field in fields}
    problems = _unknown_column_problems(header, rows, by_name)
    seen = {name for row in rows for name in row if name in by_name}
    missing = [field.name for field in fields if field.required and field.name not in seen]
    if missing:
        problems.append(
            f"Every row: required column{'s' if len(missing) > 1 else ''} {', '.join(repr(name) for name in missing)} {'are' if len(missing) > 1 else 'is'} missing."
        )
    columns = [field.name for field in fields if field.name in seen]
    column_fields = [by_name[name] for name in columns]
    values: list[list] = []
    for number, row in enumerate(rows, start=1):
        row_values, row_problems = _typed_row(number, row, column_fields, from_text=from_text)
        values.append(row_values)
        problems.extend(row_problems)
    if problems:
        raise _mismatch(problems)
    return columns, values


def _unknown_column_problems(header: list[str] | None, rows: list[dict], known: dict[str, SchemaField]) -> list[str]:
    """Columns the schema does not declare: a CSV names its columns once, in
    the header; each JSON row names its own, so each is reported by row."""
    if header is not None:
        unknown = [name for name in header if name not in known]
        if not unknown:
            return []
        return [f"Header: {', '.join(repr(name) for name in unknown)} {'is' if len(unknown) == 1 else 'are'} not in the port's schema."]
    return [
        f"Row {number}: column {name!r} is not in the port's schema."
        for number, row in enumerate(rows, start=1)
        for name in row
        if name not in known
    ]


def _typed_row(number: int, row: dict, fields: list[SchemaField], *, from_text: bool) -> tuple[list, list[str]]:
    """Row `number`'s values for `fields`, in their order, each as its column's
    type (None where missing or mistyped), and the problems found. An empty
    CSV cell is a missing value: CSV has no other way to write one."""
    values: list = []
    problems: list[str] = []
    for field in fields:
        raw = row.get(field.name)
        if raw is None or (from_text and raw == ""):
            if field.required:
                problems.append(f"Row {number}: column {field.name!r} is required.")
            values.append(None)
            continue
        family = type_family(field.data_type)
        try:
            values.append(_coerce(raw, family, from_text=from_text))
        except (ValueError, TypeError, OverflowError):
            shown = raw if len(str(raw)) <= 40 else f"{str(raw)[:40]}…"
            problems.append(f"Row {number}: column {field.name!r} expects {TYPE_WORDS[family]} ({field.data_type}), not {shown!r}.")
            values.append(None)
    return values, problems


def _mismatch(problems: list[str]) -> SampleInvalid:
    """The error for an upload with `problems`: the first MAX_REPORTED_ERRORS
    of them, then how many more there are."""
    shown = problems[:MAX_REPORTED_ERRORS]
    if len(problems) > MAX_REPORTED_ERRORS:
        shown.append(f"…and {len(problems) - MAX_REPORTED_ERRORS} more problems.")
    return SampleInvalid(
        f"The sample does not match the port's schema ({len(problems)} problem{'s' if len(problems) != 1 else ''}).", shown
    )


# --- showing it ----------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str
    sensitive: bool  # personal or confidential: masked for people without access
    masked: bool  # masked in this table


@dataclass(frozen=True)
class SampleTable:
    port_id: int
    columns: list[Column]
    rows: list[list]
    uploaded_at: datetime | None
    revealed: bool  # whether the person sees real values of sensitive columns

    @property
    def masked_count(self) -> int:
        return sum(column.masked for column in self.columns)


def sample_table(sample: Sample, fields: Iterable[SchemaField], *, reveal: bool) -> SampleTable:
    """The sample as shown to someone who may (`reveal`) or may not see real
    values: sensitive columns of the second kind hold MASK in every row, and
    keep their type. The only place masking happens."""
    by_name = {field.name: field for field in fields}
    columns = []
    for name in sample.columns:
        field = by_name.get(name)
        sensitive = field is None or is_sensitive(field)  # a column the schema no longer declares is hidden too
        columns.append(Column(name, field.data_type if field else "", sensitive, sensitive and not reveal))
    masked = [column.masked for column in columns]
    rows = [[MASK if hide else value for value, hide in zip(row, masked)] for row in sample.rows]
    return SampleTable(sample.port_id, columns, rows, sample.uploaded_at, reveal)


def csv_text(columns: list[str], rows: list[list]) -> str:
    """Rows as a CSV upload (the demo loader writes its samples with it)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows(["" if value is None else str(value).lower() if isinstance(value, bool) else value for value in row] for row in rows)
    return out.getvalue()


def _json_default(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError


def json_text(columns: list[str], rows: list[list]) -> str:
    """Rows as a JSON upload: a list of objects."""
    return json.dumps([dict(zip(columns, row)) for row in rows], default=_json_default, ensure_ascii=False, indent=2)
