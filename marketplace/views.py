"""Storefront pages that span the apps."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from catalog import queries


@login_required
def home(request):
    context = {
        "domains": queries.domains_with_counts(request.user).order_by("name"),
        "newest": queries.newest_products(request.user),
        "most_requested": queries.most_requested_products(request.user),
        "my_teams": queries.teams_of(request.user),
    }
    return render(request, "marketplace/home.html", context)
