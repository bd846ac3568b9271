from urllib.parse import urlencode

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def toggle_filter(context, name: str, value: str) -> str:
    """The current URL's query with `name=value` added, or removed if present; back to page 1."""
    params = context["request"].GET.copy()
    values = params.getlist(name)
    params.setlist(name, [v for v in values if v != value] if value in values else [*values, value])
    params.pop("page", None)
    return "?" + params.urlencode()


@register.simple_tag(takes_context=True)
def without_filters(context) -> str:
    """The current search's words alone."""
    params = context["request"].GET
    return "?" + (urlencode({"q": params["q"]}) if params.get("q") else "")


@register.filter
def get_item(mapping, key):
    return mapping.get(key, key)


@register.filter
def get_list(querydict, key):
    return querydict.getlist(key) if hasattr(querydict, "getlist") else []
