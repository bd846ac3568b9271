"""OpenLineage as this catalog reads it: how an output port's location maps
to an OpenLineage dataset identity, and the shape check of a `RunEvent`
(spec 2-0-x). Only shapes are checked here; who may record what is decided
in lineage.services.ingest_run_event.

Dataset identity of an output port (the OpenLineage naming convention):

| location                                  | namespace                 | name                    |
|-------------------------------------------|---------------------------|-------------------------|
| `bigquery://project/dataset.table`        | `bigquery`                | `project.dataset.table` |
| `scheme://authority/path` (postgres, s3, kafka, https, …) | `scheme://authority` | `path` without the leading and trailing `/` |
| anything else, or no location             | `dataproduct`             | `<product slug>/<port name>` |

So a pipeline that writes `postgres://crm:5432` + `public.customers` lands on
the port whose location is `postgres://crm:5432/public.customers`.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from django.utils.dateparse import parse_datetime

from core.errors import ServiceError

EVENT_TYPES = ("START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER")
MAX_EVENT_BYTES = 1_000_000
MAX_DATASETS = 500  # inputs and outputs together
MAX_SCHEMA_FIELDS = 2_000
PORT_NAMESPACE = "dataproduct"


class LineageError(ServiceError):
    """A run event or a declared input that cannot be recorded. `field` is the
    path of the offending value, e.g. `inputs[2].namespace`."""


@dataclass(frozen=True)
class DatasetIdentity:
    namespace: str
    name: str


def dataset_identity(port) -> DatasetIdentity:
    """The OpenLineage identity of an output port's dataset (see the module docstring)."""
    location = port.location.strip()
    parts = urlsplit(location) if "://" in location else None
    if parts and parts.scheme and parts.netloc:
        path = parts.path.strip("/")
        if parts.query:
            path = f"{path}?{parts.query}"
        if parts.scheme == "bigquery":
            return DatasetIdentity("bigquery", f"{parts.netloc}.{path}" if path else parts.netloc)
        if path:
            return DatasetIdentity(f"{parts.scheme}://{parts.netloc}", path)
    return DatasetIdentity(PORT_NAMESPACE, f"{port.product.slug}/{port.name}")


# --- the RunEvent ------------------------------------------------------------------


@dataclass
class Dataset:
    namespace: str
    name: str
    schema: list[dict] | None = None  # the `schema` facet's fields, when given
    column_lineage: dict = field(default_factory=dict)  # the `columnLineage` facet's fields

    @property
    def identity(self) -> DatasetIdentity:
        return DatasetIdentity(self.namespace, self.name)


@dataclass
class RunEvent:
    event_type: str
    event_time: datetime
    run_id: str
    job_namespace: str
    job_name: str
    producer: str
    inputs: list[Dataset]
    outputs: list[Dataset]


def _require(data: dict, key: str, path: str, kind=str, *, required: bool = True):
    value = data.get(key)
    where = f"{path}.{key}" if path else key
    if value is None:
        if required:
            raise LineageError(f"{where} is required.", field=where)
        return None
    if not isinstance(value, kind) or (kind is str and not value.strip()):
        expected = {str: "a non-empty string", dict: "an object", list: "a list"}[kind]
        raise LineageError(f"{where} must be {expected}.", field=where)
    return value


def parse_run_event(data) -> RunEvent:
    """Check the shape of an OpenLineage RunEvent and return what lineage
    needs of it. Raises LineageError naming the first offending field."""
    if not isinstance(data, dict):
        raise LineageError("The body must be an OpenLineage RunEvent: a JSON object.", field="detail")
    event_type = (_require(data, "eventType", "", required=False) or "OTHER").upper()
    if event_type not in EVENT_TYPES:
        raise LineageError(f"eventType must be one of {', '.join(EVENT_TYPES)}.", field="eventType")
    event_time = parse_datetime(_require(data, "eventTime", ""))
    if event_time is None or event_time.tzinfo is None:
        raise LineageError("eventTime must be an ISO 8601 date and time with a time zone.", field="eventTime")
    run = _require(data, "run", "", dict)
    run_id = _require(run, "runId", "run")
    try:
        run_id = str(uuid.UUID(run_id))
    except ValueError:
        raise LineageError("run.runId must be a UUID.", field="run.runId") from None
    job = _require(data, "job", "", dict)
    job_namespace, job_name = _require(job, "namespace", "job"), _require(job, "name", "job")
    producer = _require(data, "producer", "")
    _require(data, "schemaURL", "")
    inputs = _require(data, "inputs", "", list, required=False) or []
    outputs = _require(data, "outputs", "", list, required=False) or []
    if len(inputs) + len(outputs) > MAX_DATASETS:
        raise LineageError(f"An event may name at most {MAX_DATASETS} datasets (inputs and outputs together).", field="inputs")
    return RunEvent(
        event_type=event_type,
        event_time=event_time,
        run_id=run_id,
        job_namespace=job_namespace.strip(),
        job_name=job_name.strip(),
        producer=producer.strip()[:500],
        inputs=[_dataset(item, f"inputs[{index}]") for index, item in enumerate(inputs)],
        outputs=[_dataset(item, f"outputs[{index}]") for index, item in enumerate(outputs)],
    )


def _dataset(data, path: str) -> Dataset:
    if not isinstance(data, dict):
        raise LineageError(f"{path} must be an object with a namespace and a name.", field=path)
    namespace, name = _require(data, "namespace", path), _require(data, "name", path)
    if len(namespace) > 500 or len(name) > 1000:
        raise LineageError(f"{path}: the namespace is limited to 500 characters and the name to 1000.", field=path)
    facets = _require(data, "facets", path, dict, required=False) or {}
    return Dataset(
        namespace=namespace.strip(),
        name=name.strip(),
        schema=_schema_facet(facets, f"{path}.facets.schema"),
        column_lineage=_column_lineage_facet(facets, f"{path}.facets.columnLineage"),
    )


def _schema_facet(facets: dict, path: str) -> list[dict] | None:
    facet = facets.get("schema")
    if facet is None:
        return None
    if not isinstance(facet, dict) or not isinstance(facet.get("fields", []), list):
        raise LineageError(f"{path}.fields must be a list.", field=f"{path}.fields")
    fields = facet.get("fields", [])
    if len(fields) > MAX_SCHEMA_FIELDS:
        raise LineageError(f"{path} may list at most {MAX_SCHEMA_FIELDS} fields.", field=f"{path}.fields")
    schema = []
    for index, item in enumerate(fields):
        where = f"{path}.fields[{index}]"
        if not isinstance(item, dict):
            raise LineageError(f"{where} must be an object.", field=where)
        schema.append(
            {
                "name": _require(item, "name", where)[:120],
                "type": str(item.get("type") or "")[:60],
                "description": str(item.get("description") or "")[:1000],
            }
        )
    return schema


def _column_lineage_facet(facets: dict, path: str) -> dict:
    """{output field: [{"namespace", "name", "field"}]} from the facet."""
    facet = facets.get("columnLineage")
    if facet is None:
        return {}
    if not isinstance(facet, dict) or not isinstance(facet.get("fields", {}), dict):
        raise LineageError(f"{path}.fields must be an object.", field=f"{path}.fields")
    lineage = {}
    for output_field, mapping in facet.get("fields", {}).items():
        where = f"{path}.fields.{output_field}"
        input_fields = mapping.get("inputFields") if isinstance(mapping, dict) else None
        if not isinstance(input_fields, list):
            raise LineageError(f"{where}.inputFields must be a list.", field=f"{where}.inputFields")
        sources = []
        for index, source in enumerate(input_fields):
            source_path = f"{where}.inputFields[{index}]"
            if not isinstance(source, dict):
                raise LineageError(f"{source_path} must be an object.", field=source_path)
            sources.append({key: _require(source, key, source_path).strip() for key in ("namespace", "name", "field")})
        lineage[output_field] = sources
    return lineage
