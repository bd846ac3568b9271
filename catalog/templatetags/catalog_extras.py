"""Template filters of the catalog's pages."""

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
