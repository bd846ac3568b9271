"""Reading and checking descriptors: ODPS (a data product) and ODCS (a data
contract), as YAML or JSON, against the standards' own JSON Schemas, which are
vendored in contracts/schemas/ (Apache-2.0, bitol-io).

Nothing here writes: `parse` turns bytes into a normalised document, `validate`
says everything that is wrong with it, each problem named by its path.
"""

import datetime
import hashlib
import json
from functools import cache
from pathlib import Path

import jsonschema_rs
import yaml
from jsonschema import validators

from core.errors import ServiceError
from core.parsers import MAX_JSON_DEPTH, TooDeep, check_depth

SCHEMAS = Path(__file__).parent / "schemas"

# A descriptor is a page of YAML, a contract with hundreds of columns a few
# hundred kilobytes; a megabyte leaves room and bounds the parser's work.
MAX_DOCUMENT_BYTES = 1024 * 1024

ODPS = "DataProduct"
ODCS = "DataContract"

# (kind, apiVersion) → the vendored schema that checks it.
# ODPS: the v1.0.0 schema's own apiVersion enum accepts v0.9.0 and v1.0.0;
# v1.1.0 (`deprecated` ports, synonyms, context) has its own.
# ODCS: the v3.0.2 schema file's apiVersion enum stops at v3.0.1, so v3.0.x
# documents are checked against it with apiVersion checked here instead (the
# schema's apiVersion enum is widened in `_validator`); v3.1.0 and v3.2.0 have
# their own. Any other version is refused at `apiVersion`.
SCHEMA_FILES = {
    (ODPS, "v0.9.0"): "odps-json-schema-v1.0.0.json",
    (ODPS, "v1.0.0"): "odps-json-schema-v1.0.0.json",
    (ODPS, "v1.1.0"): "odps-json-schema-v1.1.0.json",
    (ODCS, "v3.0.0"): "odcs-json-schema-v3.0.2.json",
    (ODCS, "v3.0.1"): "odcs-json-schema-v3.0.2.json",
    (ODCS, "v3.0.2"): "odcs-json-schema-v3.0.2.json",
    (ODCS, "v3.1.0"): "odcs-json-schema-v3.1.0.json",
    (ODCS, "v3.2.0"): "odcs-json-schema-v3.2.0.json",
}
KINDS = (ODPS, ODCS)


class DescriptorInvalid(ServiceError):
    """A document the standards do not accept. `problems` lists each as
    {"file", "path", "rule"}; str() reads them out, one per line."""

    def __init__(self, problems: list[dict], *, file: str = ""):
        self.problems = [{"file": problem.get("file") or file, "path": problem["path"], "rule": problem["rule"]} for problem in problems]
        first = self.problems[0] if self.problems else {"path": "", "rule": "invalid"}
        super().__init__(describe(self.problems), field=first["path"] or None, details=self.problems)

    def with_file(self, file: str) -> "DescriptorInvalid":
        return DescriptorInvalid([{**problem, "file": problem["file"] or file} for problem in self.problems])


def describe(problems: list[dict]) -> str:
    lines = []
    for problem in problems:
        where = ": ".join(part for part in (problem.get("file", ""), problem["path"]) if part)
        lines.append(f"{where}: {problem['rule']}" if where else problem["rule"])
    return "\n".join(lines)


# --- reading ---------------------------------------------------------------


# libyaml's loader when PyYAML has it (its wheels do): ten times faster than
# the pure-Python one, which matters for a directory of a thousand files.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TooDeepText(Exception):
    pass


def _check_events(data: bytes) -> None:
    """No anchors and aliases: an alias repeats a subtree without copying it,
    so a few lines can stand for billions of nodes ("billion laughs"). No
    nesting deeper than MAX_JSON_DEPTH either: libyaml would build a tree
    100 000 levels deep from `[[[…]]]` for minutes, or overflow its stack.
    The event stream shows both before anything is built."""
    depth = 0
    for event in yaml.parse(data, Loader=_SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not accepted in a descriptor", event.start_mark)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise _TooDeepText
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _json_values(value):
    """YAML's dates and datetimes as the ISO strings JSON would hold; the rest as is."""
    if isinstance(value, dict):
        return {str(key) if not isinstance(key, str) else key: _json_values(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_values(item) for item in value]
    if isinstance(value, datetime.datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def parse(data: bytes | str | dict, *, file: str = "") -> dict:
    """The normalised document in `data` (YAML or JSON text, or an already
    parsed mapping). Raises DescriptorInvalid (path "") for text that is not a
    mapping, too large or nested deeper than core.parsers allows."""
    if isinstance(data, dict):
        document = data
    else:
        if isinstance(data, str):
            data = data.encode()
        if len(data) > MAX_DOCUMENT_BYTES:
            raise DescriptorInvalid([{"path": "", "rule": f"The document is larger than {MAX_DOCUMENT_BYTES // 1024} KB."}], file=file)
        try:
            # YAML is a superset of JSON: one parser reads both.
            _check_events(data)
            document = yaml.load(data, Loader=_SafeLoader)  # noqa: S506 (a SafeLoader)
        except (RecursionError, _TooDeepText):
            raise DescriptorInvalid([{"path": "", "rule": f"The document nests deeper than {MAX_JSON_DEPTH} levels."}], file=file) from None
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            raise DescriptorInvalid([{"path": "", "rule": f"Not YAML or JSON: {error}"}], file=file) from None
    if not isinstance(document, dict):
        raise DescriptorInvalid([{"path": "", "rule": "A descriptor is a mapping (key: value at the top level)."}], file=file)
    try:
        check_depth(document)
    except TooDeep:
        raise DescriptorInvalid([{"path": "", "rule": f"The document nests deeper than {MAX_JSON_DEPTH} levels."}], file=file) from None
    return _json_values(document)


def normalise(data: bytes | str | dict) -> dict:
    """The form two documents are compared in (round trips, re-imports)."""
    return parse(data)


def digest(document: dict) -> str:
    """sha256 of the document's canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- validating ------------------------------------------------------------


def _schema(filename: str) -> dict:
    schema = json.loads((SCHEMAS / filename).read_text())
    api_version = schema.get("properties", {}).get("apiVersion", {})
    if "enum" in api_version:
        # apiVersion is checked against SCHEMA_FILES before the schema runs (see there).
        api_version["enum"] = sorted({*api_version["enum"], *(version for (_, version), name in SCHEMA_FILES.items() if name == filename)})
    return schema


@cache  # built once per process
def _quick_validator(filename: str):
    """The Rust implementation of the schema: says whether a document is valid."""
    return jsonschema_rs.validator_for(_schema(filename))


@cache  # built once per process, and only when a document is invalid: checking the schema itself takes a quarter of a second
def _validator(filename: str):
    """The pure-Python implementation of the schema: names every problem."""
    schema = _schema(filename)
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def format_path(parts) -> str:
    """("schema", 0, "properties", 1, "logicalType") → "schema[0].properties[1].logicalType"."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _sort_key(error):
    return [(0, part, "") if isinstance(part, int) else (1, 0, str(part)) for part in error.absolute_path]


MAX_RULE_CHARS = 300


def _shortened(message: str) -> str:
    """jsonschema starts a message with the offending value's repr, which for a
    list or mapping can be a page long: keep its start and the rule at the end."""
    if len(message) <= MAX_RULE_CHARS:
        return message
    return message[: MAX_RULE_CHARS // 2] + " … " + message[-MAX_RULE_CHARS // 2 :]


def kind_of(document: dict) -> str:
    return document.get("kind") if document.get("kind") in KINDS else ""


def problems_in(document: dict) -> list[dict]:
    """Every way `document` breaks its standard, sorted by path: [{"path", "rule"}]."""
    kind = document.get("kind")
    if kind not in KINDS:
        return [{"path": "kind", "rule": f"{kind!r} is not a kind of descriptor the marketplace reads ({', '.join(KINDS)})."}]
    version = document.get("apiVersion")
    filename = SCHEMA_FILES.get((kind, version))
    if filename is None:
        supported = ", ".join(v for k, v in SCHEMA_FILES if k == kind)
        return [{"path": "apiVersion", "rule": f"{kind} apiVersion {version!r} is not supported (supported: {supported})."}]
    if _quick_validator(filename).is_valid(document):
        # The Rust implementation of the same schema answers "valid" in a
        # fraction of a millisecond; the pure-Python one, which names every
        # problem, only runs for a document that has some.
        return []
    problems = []
    for error in sorted(_validator(filename).iter_errors(document), key=_sort_key):
        problems.append({"path": format_path(error.absolute_path), "rule": _shortened(error.message)})
    return problems


def validate(document: dict, *, file: str = "") -> None:
    """Raise DescriptorInvalid listing every problem in `document`, or return."""
    problems = problems_in(document)
    if problems:
        raise DescriptorInvalid(problems, file=file)
