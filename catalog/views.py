"""The catalog's pages. Thin: reads from queries, writes through services."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.pagination import paginate

from . import queries, services
from .filters import ProductFilter
from .models import DataProduct, Domain, Team, TeamMembership


@login_required
def product_list(request):
    products = ProductFilter(request.GET or None, queryset=queries.product_list(request.user).order_by("name"), request=request)
    status = 200
    if products.is_bound and not products.is_valid():
        status = 400
        page = paginate(request, DataProduct.objects.none(), settings.CATALOG_PAGE_SIZE)
    else:
        page = paginate(request, products.qs, settings.CATALOG_PAGE_SIZE)
    template = "catalog/_product_results.html" if request.htmx and not request.htmx.boosted else "catalog/product_list.html"
    return render(request, template, {"filter": products, "page": page}, status=status)


@login_required
def domain_detail(request, slug):
    domain = get_object_or_404(Domain.objects.select_related("owner_team"), slug=slug)
    products = queries.product_list(request.user).filter(domain=domain).order_by("name")
    return render(
        request, "catalog/domain_detail.html", {"domain": domain, "page": paginate(request, products, settings.CATALOG_PAGE_SIZE)}
    )


@login_required
def domain_list(request):
    return render(request, "catalog/domain_list.html", {"domains": queries.domains_with_counts(request.user).order_by("name")})


@login_required
def team_detail(request, slug):
    members = TeamMembership.objects.select_related("user").order_by("role", "user__username")
    team = get_object_or_404(Team.objects.prefetch_related(Prefetch("memberships", members), "domains"), slug=slug)
    products = queries.product_list(request.user).filter(owner_team=team).order_by("name")
    return render(request, "catalog/team_detail.html", {"team": team, "page": paginate(request, products, settings.CATALOG_PAGE_SIZE)})


@require_POST
@login_required
def product_follow(request, slug):
    """Follow (`action=follow`) or unfollow (`action=unfollow`) a product the
    user may see; htmx swaps the Follow box, the page without JavaScript is
    shown again."""
    product = queries.visible_product_or_404(request.user, slug)
    if request.POST.get("action") == "unfollow":
        services.unfollow_product(product, user=request.user)
    else:
        services.follow_product(product, user=request.user)
    if request.htmx:
        return render(request, "catalog/_follow_box.html", {"product": product, **queries.follow_box(request.user, product)})
    return redirect(product)
