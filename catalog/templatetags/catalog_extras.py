"""Template filters of the catalog's pages."""

import json

from django import template

from ..models import SLOStatus

register = template.Library()

# A symbol beside each status's word, so badges read without colour too.
SLO_SYMBOLS = {SLOStatus.MEETING: "✓", SLOStatus.AT_RISK: "!", SLOStatus.BREACHED: "✗", SLOStatus.NO_DATA: "–"}


@register.filter
def slo_status_label(status: str) -> str:
    try:
        return SLOStatus(status).label
    except ValueError:
        return ""


@register.filter
def slo_status_symbol(status: str) -> str:
    return SLO_SYMBOLS.get(status, "")


@register.filter
def sample_cell(value, limit: int = 80) -> str:
    """A sample value as text: nested values as compact JSON, long ones cut (the API has them whole)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":")) if isinstance(value, (list, dict)) else str(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


@register.filter
def schema_rows(port) -> list[tuple]:
    """A port's fields as the product page lists them: depth first, each as
    (field, depth, the path of the field it is nested in, "" at the top)."""
    fields = sorted(port.fields.all(), key=lambda field: (field.position, field.name))
    depth: dict[int, int] = {}
    paths: dict[int, str] = {}
    rows = []
    for field in fields:
        parent = field.parent_id
        depth[field.pk] = depth.get(parent, -1) + 1 if parent else 0
        paths[field.pk] = f"{paths[parent]}.{field.name}" if parent in paths else field.name
        rows.append((field, depth[field.pk], paths.get(parent, "")))
    return rows
