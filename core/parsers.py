"""Request bodies the API reads, bounded: JSON nested deeper than
MAX_JSON_DEPTH is refused with a 400 that says so, instead of exhausting the
interpreter's recursion limit (a 500) in the decoder or in the code that
walks the data afterwards. The same bound applies to JSON read from an
uploaded file (slos.samples), through `loads`."""

import json

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Containers ([] or {}) inside one another. An OpenLineage event, the deepest
# JSON the marketplace takes, nests about ten.
MAX_JSON_DEPTH = 32


class TooDeep(ValueError):
    pass


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number.")


def check_depth(value, *, limit: int = MAX_JSON_DEPTH) -> None:
    """Raise TooDeep when `value` (parsed JSON) nests containers deeper than `limit`.
    Iterative: walking a deep value must not recurse either."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            raise TooDeep(f"JSON nested deeper than {limit} levels is refused.")
        stack.extend((child, depth + 1) for child in children)


def loads(text: str | bytes, *, limit: int = MAX_JSON_DEPTH):
    """json.loads, strict (no NaN or Infinity), refusing nesting deeper than `limit` with TooDeep.
    A malformed document raises json.JSONDecodeError as json.loads does."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise TooDeep(f"JSON nested deeper than {limit} levels is refused.") from None
    check_depth(value, limit=limit)
    return value


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the nesting bound: 400 `{"detail": "JSON nested deeper than 32 levels is refused."}`."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = stream.read().decode(encoding) if stream is not None else ""
        except UnicodeDecodeError:
            raise ParseError(f"The body is not {encoding} text.") from None
        try:
            return loads(text)
        except TooDeep as error:
            raise ParseError(str(error)) from None
        except ValueError as error:  # json.JSONDecodeError, or NaN / Infinity
            raise ParseError(f"JSON parse error - {error}") from None
