"""What changed in an output port's contract, and whether it breaks its consumers.

`snapshot(port)` is a port's contract as plain data (what PortVersion stores);
`classify(before, after)` compares two snapshots (None: the port did not
exist, or no longer does) and sorts the differences into breaking ones and
the others, each a sentence a person can read.

Fields are compared at every depth, by path: `address.street` is a field of
the object `address`, `lines[].sku` a property of the items of the array `lines`.

Breaking (consumers' queries or pipelines may fail):
- a port removed; a field removed (a nested one too; a removed object or array
  is one change, not one more per field inside it);
- a field's type changed, unless it is a known widening (below);
- a field's logical type changed, unless integer → number or date → timestamp
  (setting one where there was none, or dropping it, is not breaking);
- a field became required;
- the location changed or was taken away (setting one where there was none is not);
- the port's type (table, files, stream, api) or format changed.

Not breaking: a port or field added, a description changed, a field no longer
required, key/classification/personal-data flags, the field order, the version.

Type widening: the types are compared lowercased, without spaces. A change is
a widening, and so not breaking, when it
- only changes the spelling (`String` → `string`, `int` → `integer`);
- goes up one of the integer ladders tinyint → smallint → int → bigint
  (also int8/int16/int32/int64, short/integer/long);
- goes float/real/float32 → double/float64;
- gives a varchar/char more length (`varchar(20)` → `varchar(50)`), or turns
  a varchar/char/text into an unbounded string (`string`, `text`, `varchar`);
- gives a decimal at least as many digits before and after the point
  (`decimal(10,2)` → `decimal(12,2)`).
Any other type change counts as narrowing: we cannot prove it is safe.
"""

import re
from dataclasses import dataclass, field

FIELD_ATTRIBUTES = ("name", "type", "logical_type", "description", "required", "primary_key", "classification", "is_pii")
PORT_ATTRIBUTES = ("name", "type", "format", "location", "version", "description")


def _field_values(f, children: list[dict]) -> dict:
    return {
        "name": f.name,
        "type": f.data_type,
        "logical_type": f.logical_type,
        "description": f.description,
        "required": f.required,
        "primary_key": f.primary_key,
        "classification": f.classification,
        "is_pii": f.is_pii,
        "fields": children,
    }


def snapshot(port) -> dict:
    """A port's contract as JSON-ready data: its own attributes and its fields
    in order, each with its nested `fields` (the properties of an object, or of
    an array's items)."""
    children: dict[int | None, list] = {}
    for f in sorted(port.fields.all(), key=lambda f: (f.position, f.name)):
        children.setdefault(f.parent_id, []).append(f)

    def tree(parent_id) -> list[dict]:
        return [_field_values(f, tree(f.pk)) for f in children.get(parent_id, [])]

    return {
        "name": port.name,
        "type": port.port_type,
        "format": port.format,
        "location": port.location,
        "version": port.version,
        "description": port.description,
        "fields": tree(None),
    }


def _spec_fields(specs) -> list[dict]:
    return [_field_values(f, _spec_fields(f.fields)) for f in specs]


def spec_snapshot(spec) -> dict:
    """The snapshot a catalog.services.PortSpec will have once saved."""
    return {
        "name": spec.name,
        "type": spec.port_type,
        "format": spec.format,
        "location": spec.location,
        "version": spec.version,
        "description": spec.description,
        "fields": _spec_fields(spec.fields),
    }


def field_paths(fields: list[dict], prefix: str = "") -> dict[str, dict]:
    """A snapshot's fields by path, depth first: `address.street` for a field
    of an object, `lines[].sku` for a property of an array's items. Each value
    is the field's attributes (without `fields`) and `parent`, its parent's path
    ("" at the top). Older snapshots, without logical types or nesting, read as
    fields without them."""
    paths: dict[str, dict] = {}
    for f in fields:
        path = f"{prefix}{f['name']}"
        values = {attribute: f.get(attribute, "") for attribute in FIELD_ATTRIBUTES}
        values["parent"] = prefix.rstrip(".").removesuffix("[]")
        paths[path] = values
        nested = f.get("fields") or []
        if nested:
            paths.update(field_paths(nested, f"{path}[]." if f.get("logical_type") == "array" else f"{path}."))
    return paths


@dataclass
class Change:
    """The differences between two snapshots of one port."""

    breaking: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.breaking or self.other)

    @property
    def is_breaking(self) -> bool:
        return bool(self.breaking)

    def as_list(self) -> list[dict]:
        return [{"text": text, "breaking": True} for text in self.breaking] + [{"text": text, "breaking": False} for text in self.other]


# --- types -----------------------------------------------------------------

_SYNONYMS = {
    "integer": "int",
    "int32": "int",
    "long": "bigint",
    "int64": "bigint",
    "short": "smallint",
    "int16": "smallint",
    "int8": "tinyint",
    "byte": "tinyint",
    "real": "float",
    "float32": "float",
    "float64": "double",
    "doubleprecision": "double",
    "numeric": "decimal",
    "number": "decimal",
    "bool": "boolean",
    "str": "string",
}
_LADDERS = (("tinyint", "smallint", "int", "bigint"), ("float", "double"))
_UNBOUNDED_TEXT = {"string", "text", "varchar"}
_TEXT = re.compile(r"^(varchar|char|nvarchar|nchar|character varying|text|string)(?:\((\d+)\))?$")
_DECIMAL = re.compile(r"^decimal(?:\((\d+)(?:,(\d+))?\))?$")


def _normalise(data_type: str) -> str:
    compact = re.sub(r"\s+", "", data_type.lower())
    base, _, rest = compact.partition("(")
    base = _SYNONYMS.get(base, base)
    return f"{base}({rest}" if rest else base


def is_widening(old: str, new: str) -> bool:
    """True when a field of type `old` becoming `new` keeps every value readable (see the module's rule)."""
    old, new = _normalise(old), _normalise(new)
    if old == new:
        return True
    for ladder in _LADDERS:
        if old in ladder and new in ladder:
            return ladder.index(new) > ladder.index(old)
    old_text, new_text = _TEXT.match(old), _TEXT.match(new)
    if old_text and new_text:
        if new_text.group(2) is None and new_text.group(1) in _UNBOUNDED_TEXT:
            return True
        if old_text.group(2) is not None and new_text.group(2) is not None:
            return int(new_text.group(2)) >= int(old_text.group(2))
        return False
    old_decimal, new_decimal = _DECIMAL.match(old), _DECIMAL.match(new)
    if old_decimal and new_decimal and old_decimal.group(1) and new_decimal.group(1):
        old_precision, old_scale = int(old_decimal.group(1)), int(old_decimal.group(2) or 0)
        new_precision, new_scale = int(new_decimal.group(1)), int(new_decimal.group(2) or 0)
        return new_scale >= old_scale and new_precision - new_scale >= old_precision - old_scale
    return False


# --- comparing snapshots ---------------------------------------------------


def classify(before: dict | None, after: dict | None) -> Change:
    """The differences from `before` to `after` (snapshots of one port; None
    when the port does not exist on that side), sorted by the module's rule."""
    change = Change()
    if before is None and after is None:
        return change
    if before is None:
        change.other.append(f"port `{after['name']}` added")
        return change
    if after is None:
        change.breaking.append(f"port `{before['name']}` removed")
        return change
    _compare_port(before, after, change)
    _compare_fields(before["fields"], after["fields"], change)
    return change


def _compare_port(before: dict, after: dict, change: Change) -> None:
    if before["location"] != after["location"]:
        if not before["location"]:
            change.other.append("location set")
        elif not after["location"]:
            change.breaking.append("location removed")
        else:
            change.breaking.append("location changed")
    if before["type"] != after["type"]:
        change.breaking.append(f"port type {before['type']} → {after['type']}")
    if before["format"] != after["format"]:
        change.breaking.append(f"format {before['format'] or '(none)'} → {after['format'] or '(none)'}")
    if before["version"] != after["version"]:
        change.other.append(f"version {before['version']} → {after['version']}")
    if before["description"] != after["description"]:
        change.other.append("port description changed")


# Logical types that only widen (every value of the first is one of the second).
_LOGICAL_WIDENINGS = {("integer", "number"), ("date", "timestamp")}


def _compare_fields(before: list[dict], after: list[dict], change: Change) -> None:
    old, new = field_paths(before), field_paths(after)
    for path, values in old.items():
        # A removed object or array says it once, not once more per nested field.
        if path not in new and (not values["parent"] or values["parent"] in new):
            change.breaking.append(f"field `{path}` removed")
    for path, values in new.items():
        previous = old.get(path)
        if previous is None:
            if not values["parent"] or values["parent"] in old:
                change.other.append(f"field `{path}` added" + (" (required)" if values["required"] else ""))
            continue
        if previous["type"] != values["type"]:
            widening = is_widening(previous["type"], values["type"])
            (change.other if widening else change.breaking).append(f"field `{path}` type {previous['type']} → {values['type']}")
        _compare_logical_types(path, previous["logical_type"], values["logical_type"], change)
        if values["required"] and not previous["required"]:
            change.breaking.append(f"field `{path}` became required")
        elif previous["required"] and not values["required"]:
            change.other.append(f"field `{path}` no longer required")
        if previous["description"] != values["description"]:
            change.other.append(f"field `{path}` description changed")
        for attribute, label in (("primary_key", "key"), ("classification", "classification"), ("is_pii", "personal data")):
            if previous[attribute] != values[attribute]:
                change.other.append(f"field `{path}` {label} {_shown(previous[attribute])} → {_shown(values[attribute])}")
    kept_order = [path for path in old if path in new]
    if kept_order != [path for path in new if path in old]:
        change.other.append("fields reordered")


def _compare_logical_types(path: str, old: str, new: str, change: Change) -> None:
    """Setting a logical type where there was none, or dropping one, promises
    nothing narrower; changing one is narrowing unless it is a known widening."""
    if old == new:
        return
    text = f"field `{path}` logical type {old or '(none)'} → {new or '(none)'}"
    if not old or not new or (old, new) in _LOGICAL_WIDENINGS:
        change.other.append(text)
    else:
        change.breaking.append(text)


def _shown(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value or "(none)"


def field_diff(before: dict | None, after: dict | None) -> list[dict]:
    """Row by row, the fields of two snapshots for a diff table, nested ones
    by their path (`address.street`, `lines[].sku`): each row has `name` (the
    path), `depth`, `status` (added, removed, changed, same), `before` and
    `after` (the field's values or None) and `changed` (the attributes that differ)."""
    old = field_paths((before or {}).get("fields", []))
    new = field_paths((after or {}).get("fields", []))
    rows = []
    for path in list(new) + [path for path in old if path not in new]:
        a, b = old.get(path), new.get(path)
        if a is None:
            status, changed = "added", []
        elif b is None:
            status, changed = "removed", []
        else:
            changed = [attribute for attribute in FIELD_ATTRIBUTES if a.get(attribute) != b.get(attribute)]
            status = "changed" if changed else "same"
        depth = path.count(".")  # names with dots of their own (orders.id) indent too: a display aid only
        rows.append({"name": path, "depth": depth, "status": status, "before": a, "after": b, "changed": changed})
    return rows


def port_diff(before: dict | None, after: dict | None) -> list[dict]:
    """The port's own attributes that differ between two snapshots: {attribute, before, after}."""
    rows = []
    for attribute in PORT_ATTRIBUTES:
        a, b = (before or {}).get(attribute), (after or {}).get(attribute)
        if a != b:
            rows.append({"attribute": attribute, "before": a, "after": b})
    return rows


# --- versions --------------------------------------------------------------


def major(version: str) -> int | None:
    """The major number of a semver string (`2.1.0` → 2, `v3` → 3), None when it has none."""
    match = re.match(r"^\s*v?(\d+)(?:\.|$|-|\+)", version or "")
    return int(match.group(1)) if match else None


def next_major(version: str) -> str:
    """The version a breaking change of `version` needs, as advice: `2.1.0` → `3.0.0`."""
    current = major(version)
    return f"{current + 1}.0.0" if current is not None else "a new major version such as 2.0.0"


def major_raised(before: str, after: str) -> bool:
    """True when `after`'s major number is above `before`'s; a version without one never counts as raised."""
    old, new = major(before), major(after)
    return old is not None and new is not None and new > old
