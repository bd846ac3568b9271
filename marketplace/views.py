"""Storefront pages that span the apps."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.http import urlencode

from catalog import queries as catalog_queries
from search import engines
from search.forms import SearchForm, SuggestForm


@login_required
def home(request):
    context = {
        "domains": catalog_queries.domains_with_counts(request.user).order_by("name"),
        "newest": catalog_queries.newest_products(request.user),
        "most_requested": catalog_queries.most_requested_products(request.user),
        "my_teams": catalog_queries.teams_of(request.user),
    }
    return render(request, "marketplace/home.html", context)


@login_required
def search_page(request):
    form = SearchForm(request.GET)
    result = None
    if form.is_valid():
        result = engines.search(form.search_query(), user=request.user)
    context = {"form": form, "result": result, "facet_labels": dict(engines.FACETS), "sorts": engines.SORTS}
    if result is not None and result.total == 0:
        context["popular_tags"] = catalog_queries.popular_tags(request.user)
    template = "marketplace/_search_results.html" if request.htmx and not request.htmx.boosted else "marketplace/search.html"
    return render(request, template, context, status=200 if result is not None else 400)


@login_required
def search_suggestions(request):
    """The suggestions under the search box, as you type (htmx)."""
    form = SuggestForm(request.GET)
    suggestions = []
    if form.is_valid() and form.cleaned_data["q"]:
        suggestions, _ = engines.suggest(form.cleaned_data["q"], user=request.user)
    query = urlencode({"q": form.cleaned_data.get("q", "")}) if form.is_valid() else ""
    return render(request, "marketplace/_suggestions.html", {"suggestions": suggestions, "query": query})
