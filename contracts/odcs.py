"""ODCS (Open Data Contract Standard) ↔ an output port: its fields, its location
and its service level objectives. No writes here (contracts.services writes).

As for ODPS (contracts.odps), a stored document is written back with a mapped
field rewritten only where the marketplace's value now differs from what the
document says: an unchanged port exports the contract it was imported from."""

from dataclasses import dataclass

from catalog.models import DataProduct, LogicalType, OutputPort
from catalog.services import FieldSpec, field_specs_of
from slos.models import ServiceLevelObjective

API_VERSION = "v3.1.0"
Indicator = ServiceLevelObjective.Indicator
Unit = ServiceLevelObjective.Unit

# An SLA states a limit, not how often it must hold: the SLOs made from one take
# this target and window (the marketplace's usual ones), changeable afterwards.
DEFAULT_TARGET = 99.0
DEFAULT_WINDOW_DAYS = 28

SLA_INDICATORS = {"freshness": Indicator.FRESHNESS, "latency": Indicator.LATENCY, "availability": Indicator.AVAILABILITY}
# ODCS units ("d, day, days for days; y, yr, years for years") → (catalog unit, factor).
# Weeks, months and years have no catalog unit: they become days.
TIME_UNITS = {
    **dict.fromkeys(("ms", "millisecond", "milliseconds"), (Unit.MILLISECONDS, 1)),
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), (Unit.SECONDS, 1)),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), (Unit.MINUTES, 1)),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), (Unit.HOURS, 1)),
    **dict.fromkeys(("d", "day", "days"), (Unit.DAYS, 1)),
    **dict.fromkeys(("w", "wk", "week", "weeks"), (Unit.DAYS, 7)),
    **dict.fromkeys(("mo", "month", "months"), (Unit.DAYS, 30)),
    **dict.fromkeys(("y", "yr", "year", "years"), (Unit.DAYS, 365)),
}
PII_PROPERTIES = {"pii", "ispii", "personaldata", "containspii"}
PII_CLASSIFICATIONS = {"pii", "personal", "personal-data", "personal data"}


@dataclass(frozen=True)
class SLOValues:
    indicator: str
    threshold: float
    unit: str
    index: int  # its place in slaProperties


# --- fields ----------------------------------------------------------------


def _truthy(value) -> bool:
    return value is True or str(value).strip().lower() in ("true", "yes", "1")


def _is_pii(prop: dict) -> bool:
    if str(prop.get("classification") or "").strip().lower() in PII_CLASSIFICATIONS:
        return True
    for entry in prop.get("customProperties") or []:
        if (
            isinstance(entry, dict)
            and str(entry.get("property", "")).replace("_", "").lower() in PII_PROPERTIES
            and _truthy(entry.get("value"))
        ):
            return True
    return False


def _logical_type(prop: dict) -> str:
    stated = str(prop.get("logicalType") or "").strip().lower()
    if stated in LogicalType.values:
        return stated
    if isinstance(prop.get("items"), dict):
        return LogicalType.ARRAY
    if prop.get("properties"):
        return LogicalType.OBJECT
    return ""


def _children(prop: dict) -> list[dict]:
    """The nested properties of an object property, or of an array property's items."""
    container = prop.get("items") if _logical_type(prop) == LogicalType.ARRAY else prop
    if not isinstance(container, dict):
        return []
    return [child for child in container.get("properties") or [] if isinstance(child, dict)]


def _data_type(prop: dict, logical_type: str) -> str:
    """physicalType, else logicalType; an array of scalars without a
    physicalType says what its items are: array<string> (an array of objects
    is `array`, its items' properties its nested fields)."""
    if prop.get("physicalType"):
        return str(prop["physicalType"])
    items = prop.get("items")
    if logical_type == LogicalType.ARRAY and isinstance(items, dict) and not items.get("properties"):
        inner = items.get("physicalType") or items.get("logicalType")
        if inner and inner != LogicalType.OBJECT:
            return f"array<{inner}>"
    return str(prop.get("logicalType") or "any")


def _field(prop: dict, name: str) -> FieldSpec:
    """A property as a field, with its nested properties (an object's, or its array items') as nested fields."""
    classification = str(prop.get("classification") or "").strip().lower()
    logical_type = _logical_type(prop)
    return FieldSpec(
        name=name[:120],
        data_type=_data_type(prop, logical_type)[:60],
        description=str(prop.get("description") or ""),
        required=prop.get("required") is True,
        primary_key=prop.get("primaryKey") is True,
        classification=classification if classification in DataProduct.Classification.values else "",
        is_pii=_is_pii(prop),
        logical_type=logical_type,
        fields=[_field(child, str(child.get("name", ""))) for child in _children(prop)],
    )


def _objects(document: dict) -> list[dict]:
    return [item for item in document.get("schema") or [] if isinstance(item, dict)]


def field_name(objects: list[dict], index: int, prop: dict) -> str:
    """A property's name as a port field: its own name, prefixed with its
    object's ("orders.id") when the contract describes several objects."""
    name = str(prop.get("name", ""))
    return f"{objects[index].get('name', index)}.{name}" if len(objects) > 1 else name


def fields(document: dict) -> list[FieldSpec] | None:
    """The port's fields: each schema object's properties, with their nested
    properties (objects) and items' properties (arrays) as nested fields.
    None: no `schema`."""
    if "schema" not in document:
        return None
    objects = _objects(document)
    return [
        _field(prop, field_name(objects, index, prop))
        for index, item in enumerate(objects)
        for prop in item.get("properties") or []
        if isinstance(prop, dict)
    ]


def unnamed_properties(document: dict) -> list[str]:
    """Paths of properties, at any depth, without a name (the schema allows them; a field cannot be one)."""
    found: list[str] = []

    def walk(prop: dict, path: str) -> None:
        if not str(prop.get("name", "")).strip():
            found.append(f"{path}.name")
        container = prop.get("items") if _logical_type(prop) == LogicalType.ARRAY else prop
        where = f"{path}.items" if container is not prop else path
        for position, child in enumerate((container or {}).get("properties") or [] if isinstance(container, dict) else []):
            if isinstance(child, dict):
                walk(child, f"{where}.properties[{position}]")

    for index, item in enumerate(document.get("schema") or []):
        if isinstance(item, dict):
            for position, prop in enumerate(item.get("properties") or []):
                if isinstance(prop, dict):
                    walk(prop, f"schema[{index}].properties[{position}]")
    return found


# --- location --------------------------------------------------------------


def location(document: dict) -> str | None:
    """The port's location from servers[0]: the server's own location or URL
    when it has one (s3, azure, local, api), else type://host:port/database/schema
    from the fields it has. None: no servers."""
    servers = [server for server in document.get("servers") or [] if isinstance(server, dict)]
    if not servers:
        return None
    server = servers[0]
    kind = str(server.get("type") or "custom")
    for key in ("location", "url", "path"):
        if server.get(key):
            text = str(server[key])
            return (text if "://" in text else f"{kind}://{text}")[:500]
    host = str(server.get("host") or server.get("account") or server.get("project") or "")
    if server.get("port") is not None:
        host += f":{server['port']}"
    path = [
        str(server[key])
        for key in ("database", "catalog", "dataset", "schema", "topic", "stream", "table")
        if server.get(key) and str(server[key]) != host
    ]
    if not (host or path):
        return ""  # a server that says where it is only in fields the marketplace does not read
    return f"{kind}://{host}/{'/'.join(path)}".rstrip("/")[:500]


# --- service levels --------------------------------------------------------


def _number(value) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def slos(document: dict) -> tuple[list[SLOValues], list[str]]:
    """The SLOs the contract's slaProperties promise (freshness, latency,
    availability), and a message for each such promise that cannot become one
    (it stays in the document)."""
    found, skipped = [], []
    for index, entry in enumerate(document.get("slaProperties") or []):
        if not isinstance(entry, dict):
            continue
        indicator = SLA_INDICATORS.get(str(entry.get("property", "")).strip().lower())
        if indicator is None:
            continue
        value = _number(entry.get("value"))
        unit_text = str(entry.get("unit") or "").strip().lower()
        where = f"slaProperties[{index}]"
        if value is None:
            skipped.append(f"{where}: {entry.get('value')!r} is not a number; kept in the contract, no objective made.")
            continue
        if indicator == Indicator.AVAILABILITY:
            if unit_text not in ("", "%", "percent"):
                skipped.append(f"{where}: availability in {unit_text!r}; kept in the contract, no objective made.")
                continue
            found.append(SLOValues(indicator, value, Unit.PERCENT, index))
            continue
        if not unit_text:
            found.append(SLOValues(indicator, value, Unit.HOURS if indicator == Indicator.FRESHNESS else Unit.MILLISECONDS, index))
            continue
        if unit_text not in TIME_UNITS:
            skipped.append(f"{where}: unknown unit {unit_text!r}; kept in the contract, no objective made.")
            continue
        unit, factor = TIME_UNITS[unit_text]
        found.append(SLOValues(indicator, value * factor, unit, index))
    # One objective per indicator and port: the first promise of each counts.
    seen, result = set(), []
    for values in found:
        if values.indicator in seen:
            skipped.append(f"slaProperties[{values.index}]: a second {values.indicator} promise; kept in the contract, no objective made.")
            continue
        seen.add(values.indicator)
        result.append(values)
    return result, skipped


# --- writing back ----------------------------------------------------------


def _current_fields(port: OutputPort) -> list[FieldSpec]:
    return field_specs_of(port.fields.all())


def _items_of(values: FieldSpec) -> dict:
    """`items` for an array field built from the model: its nested fields'
    object, or the scalar its physical type names (array<string>)."""
    inner = values.data_type[6:-1] if values.data_type.lower().startswith("array<") and values.data_type.endswith(">") else ""
    if values.fields or inner.lower() == "object":
        return {"logicalType": "object"}
    if inner.lower() in LogicalType.values:
        return {"logicalType": inner.lower()}
    return {"physicalType": inner} if inner else {}


def _property(prop: dict, values: FieldSpec, said: FieldSpec | None) -> dict:
    prop = {**prop}
    prop["name"] = values.name.rsplit(".", 1)[-1] if "." in values.name and said is None else prop.get("name", values.name)
    if said is None or said.logical_type != values.logical_type:
        if values.logical_type:
            prop["logicalType"] = values.logical_type
        else:
            prop.pop("logicalType", None)
    if said is None or said.data_type != values.data_type:
        prop["physicalType"] = values.data_type
    if said is None or said.description != values.description:
        if values.description:
            prop["description"] = values.description
        else:
            prop.pop("description", None)
    if said is None or said.required != values.required:
        prop["required"] = values.required
    if said is None or said.primary_key != values.primary_key:
        prop["primaryKey"] = values.primary_key
    if (said is None or said.classification != values.classification) and values.classification:
        prop["classification"] = values.classification
    if said is None or said.fields != values.fields or said.logical_type != values.logical_type:
        _overlay_children(prop, values)
    return prop


def _overlay_children(prop: dict, values: FieldSpec) -> None:
    """Write `values`' nested fields into `prop`: an object's `properties`, an
    array's `items` (and its `properties`); what no longer applies goes."""
    if values.logical_type == LogicalType.ARRAY:
        prop.pop("properties", None)
        items = {**prop["items"]} if isinstance(prop.get("items"), dict) else _items_of(values)
        if values.fields or items.get("properties"):
            items["properties"] = _overlay_properties(items.get("properties") or [], values.fields)
        prop["items"] = items
        return
    prop.pop("items", None)
    if values.logical_type == LogicalType.OBJECT or values.fields:
        prop["properties"] = _overlay_properties(prop.get("properties") or [], values.fields)
    else:
        prop.pop("properties", None)


def _overlay_properties(properties: list, current: list[FieldSpec]) -> list[dict]:
    """`properties` (a document's, one level) rewritten to `current`: a
    property whose values are unchanged stays exactly as it was."""
    by_name = {str(prop.get("name", "")): prop for prop in properties if isinstance(prop, dict)}
    rebuilt = []
    for values in current:
        prop = by_name.get(values.name)
        said = _field(prop, values.name) if prop is not None else None
        rebuilt.append(prop if said == values else _property(prop or {"name": values.name}, values, said))
    return rebuilt


def _overlay_schema(document: dict, port: OutputPort) -> list[dict]:
    objects = [{**item, "properties": list(item.get("properties") or [])} for item in _objects(document)]
    by_name: dict[str, tuple[int, dict, FieldSpec]] = {}
    for index, item in enumerate(objects):
        for prop in item["properties"]:
            if isinstance(prop, dict):
                name = field_name(objects, index, prop)
                by_name[name] = (index, prop, _field(prop, name))
    if not objects:
        objects = [{"name": port.name, "logicalType": "object", "properties": []}]
    _place_new_fields(by_name, objects, port)
    rebuilt: list[list[dict]] = [[] for _ in objects]
    for values in _current_fields(port):
        index, prop, said = by_name.get(values.name, (0, {"name": values.name}, None))
        rebuilt[index].append(prop if said == values else _property(prop, values, said))
    for item, properties in zip(objects, rebuilt):
        item["properties"] = properties
    return objects


def _place_new_fields(by_name: dict, objects: list[dict], port: OutputPort) -> None:
    """A field added in the marketplace to a contract of several objects joins
    the object its name starts with ("receivers.note" → `receivers`, as
    `note`), not the first object."""
    if len(objects) < 2:
        return
    names = sorted(((str(item.get("name", "")), index) for index, item in enumerate(objects)), key=lambda pair: -len(pair[0]))
    for values in _current_fields(port):
        if values.name in by_name:
            continue
        for name, index in names:
            if name and values.name.startswith(f"{name}."):
                by_name[values.name] = (index, {"name": values.name[len(name) + 1 :]}, None)
                break


def overlay(document: dict, port: OutputPort, *, show_servers: bool) -> dict:
    """`document` (a stored ODCS document) with `port`'s current fields,
    location and SLOs written over where they differ from what it says; without
    `servers` unless `show_servers` (the reader may use the port). A contract
    without `schema` or `servers` left the port's fields or location as they
    were (set elsewhere): they are not added to it."""
    document = {**document}
    said_fields = fields(document)
    if said_fields is not None and said_fields != _current_fields(port):
        document["schema"] = _overlay_schema(document, port)
    said_location = location(document)
    if said_location is not None and said_location != port.location:
        if port.location:
            document["servers"] = [{"server": port.name, "type": "custom", "location": port.location}]
        else:
            document.pop("servers")
    said_slos, _ = slos(document)
    current = {slo.indicator: slo for slo in port.slos.all()}
    entries = list(document.get("slaProperties") or [])
    for values in said_slos:
        slo = current.get(values.indicator)
        if slo is not None and (slo.threshold, slo.unit) != (values.threshold, values.unit):
            entries[values.index] = {**entries[values.index], "value": slo.threshold, "unit": slo.unit}
    if "slaProperties" in document:
        document["slaProperties"] = entries
    if not show_servers:
        document.pop("servers", None)
    return document


def build(port: OutputPort, *, show_servers: bool) -> dict:
    """An ODCS document for a port that never had a contract imported."""
    product = port.product
    document = {
        "apiVersion": API_VERSION,
        "kind": "DataContract",
        "id": f"{product.address}:{port.name}",
        "name": port.name,
        "version": port.version,
        "status": "active",
        "domain": product.domain.slug,
        "dataProduct": product.name,
        "schema": [],
    }
    if port.description:
        document["description"] = {"purpose": port.description}
    if port.location:
        document["servers"] = [{"server": port.name, "type": "custom", "location": port.location}]
    return overlay(document, port, show_servers=show_servers)
