"""Storefront pages that span the apps."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.http import urlencode

from catalog import queries, search
from catalog.search.forms import SearchForm, SuggestForm


@login_required
def home(request):
    context = {
        "domains": queries.domains_with_counts(request.user).order_by("name"),
        "newest": queries.newest_products(request.user),
        "most_requested": queries.most_requested_products(request.user),
        "my_teams": queries.teams_of(request.user),
    }
    return render(request, "marketplace/home.html", context)


@login_required
def search_page(request):
    form = SearchForm(request.GET)
    result = None
    if form.is_valid():
        result = search.search(form.search_query(), user=request.user)
    context = {"form": form, "result": result, "facet_labels": dict(search.FACETS), "sorts": search.SORTS}
    if result is not None and result.total == 0:
        context["popular_tags"] = queries.popular_tags(request.user)
    template = "marketplace/_search_results.html" if request.htmx and not request.htmx.boosted else "marketplace/search.html"
    return render(request, template, context, status=200 if result is not None else 400)


@login_required
def search_suggestions(request):
    """The suggestions under the search box, as you type (htmx)."""
    form = SuggestForm(request.GET)
    suggestions = []
    if form.is_valid() and form.cleaned_data["q"]:
        suggestions, _ = search.suggest(form.cleaned_data["q"], user=request.user)
    query = urlencode({"q": form.cleaned_data.get("q", "")}) if form.is_valid() else ""
    return render(request, "marketplace/_suggestions.html", {"suggestions": suggestions, "query": query})
