"""The catalog's pages. Thin: reads from queries, writes through services."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render

from access_requests import queries as access_queries
from access_requests.models import ApprovalStep
from access_requests.services import policy_for
from core.errors import ServiceError
from core.pagination import paginate

from . import queries, services, slo as slo_rules, slo_chart
from .filters import ProductFilter
from .forms import LineageForm, ProductForm, SampleForm, SLOForm, SLOFormSet
from .lineage_layout import layout
from core.markdown import render_markdown
from .models import DataProduct, Domain, OutputPort, Team, TeamMembership


def _add_service_error(form, error: ServiceError) -> None:
    """Show a service's refusal on the field it names (`inputs[2].product` is the `inputs` field)."""
    name = (error.field or "").split("[")[0].split(".")[0]
    form.add_error(name if name in form.fields else None, str(error))


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
def product_detail(request, slug):
    product = queries.product_detail(request.user, slug)
    user = request.user
    ports = list(product.output_ports.all())
    samples = queries.visible_samples(user, product, ports=ports)
    context = {
        "product": product,
        "ports": [(port, samples.get(port.pk)) for port in ports],
        "slos": list(queries.slos_of(product)),
        "description_html": render_markdown(product.description),
        "can_edit": queries.can_edit(user, product),
        "may_use": queries.may_use(user, product),
        "usable_ports": queries.usable_port_ids(user, product, [port.pk for port in ports]),
        # The access box: a live grant, else an open request, else the button.
        "live_grant": access_queries.live_grant(user, product),
        "open_request": access_queries.open_request(user, product),
        "approver_roles": [role.label for role in map(ApprovalStep.Role, policy_for(product).roles)],
        "may_see_consumers": queries.may_see_consumers(user, product),
    }
    return render(request, "catalog/product_detail.html", context)


@login_required
def product_lineage(request, slug):
    """The lineage tab: the layered graph as inline SVG, the same nodes and
    edges as tables, and (for its team, stewards and admins) the impact."""
    product = queries.visible_product_or_404(request.user, slug)
    form = LineageForm(request.GET)
    view = form.view()
    graph = queries.lineage_graph(request.user, product, **view)
    nodes = {node.pk: node for node in graph.nodes}
    context = {
        "product": product,
        "form": form,
        "view": view,
        "graph": graph,
        "drawing": layout(graph, query=view),
        # Who recorded each edge, as text made here: thousands of rows render
        # noticeably faster without a loop and two date filters in each.
        "edge_rows": [
            (nodes[upstream], nodes[downstream], "; ".join(map(_recorded_by, graph.origins.get((upstream, downstream), []))))
            for upstream, downstream in graph.edges
        ],
        # The columnLineage facets of the edges: (downstream, output field, upstream, input fields, job).
        "column_rows": [
            (nodes[upstream], output, nodes[downstream], inputs, edge.job_name)
            for upstream, downstream in graph.edges
            for edge in graph.origins.get((upstream, downstream), [])
            for output, inputs in sorted(edge.column_lineage.items())
        ],
        "may_see_impact": queries.may_see_impact(request.user, product),
    }
    if context["may_see_impact"]:
        context["impact"] = queries.impact_of(request.user, product)
    return render(request, "catalog/product_lineage.html", context, status=400 if form.errors else 200)


def _recorded_by(origin) -> str:
    who = "declared by the owners" if origin.origin == "manual" else f"job {origin.job_name}"
    return f"{who}, seen {origin.last_seen:%Y-%m-%d}"


@login_required
def product_create(request):
    if not queries.teams_of(request.user).exists():
        raise PermissionDenied("Only members of a team can publish data products.")
    form = ProductForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            product = services.create_product(by=request.user, **form.service_arguments())
        except ServiceError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, f"Created {product.name}.")
            return redirect(product)
    return render(request, "catalog/product_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def product_edit(request, slug):
    """The edit page: the product's fields and, below them, its service level objectives."""
    product = queries.visible_product_or_404(request.user, slug)
    if not queries.can_edit(request.user, product):
        raise PermissionDenied("Only members of the owning team can edit this data product.")
    form = ProductForm(request.POST or None, instance=product, user=request.user)
    slos = list(queries.slos_of(product))
    # A post without the objectives' rows (a script, an older form) leaves them as they are.
    posts_slos = request.method == "POST" and "slo-TOTAL_FORMS" in request.POST
    slo_forms = SLOFormSet(
        request.POST if posts_slos else None, prefix="slo", initial=[SLOForm.initial_for(slo) for slo in slos],
        form_kwargs={"ports": product.output_ports.order_by("name")},
    )
    if request.method == "POST" and form.is_valid() and (not posts_slos or slo_forms.is_valid()):
        try:
            with transaction.atomic():  # the product and its objectives are saved together, or not at all
                services.update_product(product, by=request.user, **form.service_arguments())
                if posts_slos:
                    _save_slos(request.user, product, slo_forms, slos)
        except ServiceError as error:
            if not any(slo_form.errors for slo_form in slo_forms):
                _add_service_error(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect(product)
    product.refresh_from_db()
    status = 400 if form.errors or (posts_slos and (slo_forms.total_error_count())) else 200
    return render(request, "catalog/product_form.html", {"form": form, "product": product, "slo_forms": slo_forms}, status=status)


def _save_slos(user, product: DataProduct, slo_forms, existing) -> None:
    """Apply the edit page's objective rows through the services. A refusal
    is shown on its row and raised again, so the whole save rolls back."""
    by_id = {slo.pk: slo for slo in existing}
    for slo_form in slo_forms.forms:
        data = slo_form.cleaned_data
        if not data or (not data.get("id") and (data.get("DELETE") or not slo_form.has_changed())):
            continue  # an empty extra row
        slo = by_id.get(data.get("id"))
        try:
            if data.get("id") and slo is None:
                raise services.SLOError("This objective no longer exists; reload the page.")
            if data.get("DELETE"):
                services.delete_slo(slo, by=user)
            elif slo is None:
                services.define_slo(product, by=user, **slo_form.service_arguments(product))
            elif slo_form.has_changed():
                services.update_slo(slo, by=user, **slo_form.service_arguments(product))
        except ServiceError as error:
            _add_service_error(slo_form, error)
            raise


@login_required
def product_slos(request, slug):
    """The SLO tab: each objective with its status, attainment, error budget
    and daily history over its window."""
    product = queries.visible_product_or_404(request.user, slug)
    objectives = [
        (slo, slo_chart.chart(history, target=slo.target), history)
        for slo in queries.slos_of(product)
        for history in [slo_rules.daily_history(slo)]
    ]
    context = {"product": product, "objectives": objectives, "can_edit": queries.can_edit(request.user, product)}
    return render(request, "catalog/product_slos.html", context)


@login_required
def port_sample(request, slug, port_id):
    """Upload (or remove) a port's sample rows: the owning team only."""
    product = queries.visible_product_or_404(request.user, slug)
    if not queries.can_edit(request.user, product):
        raise PermissionDenied("Only members of the owning team can upload samples of this data product.")
    port = get_object_or_404(OutputPort.objects.prefetch_related("fields"), product=product, pk=port_id)
    form = SampleForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and "delete" in request.POST:
        services.delete_sample(port, by=request.user)
        messages.success(request, f"Removed the sample of {port.name}.")
        return redirect(product)
    if request.method == "POST" and form.is_valid():
        content, filename = form.upload()
        try:
            services.upload_sample(port, by=request.user, content=content, filename=filename)
        except ServiceError as error:
            form.add_error(None, str(error))
            for problem in error.details or []:
                form.add_error(None, problem)
        else:
            messages.success(request, f"Saved the sample of {port.name}.")
            return redirect(f"{product.get_absolute_url()}#port-{port.pk}")
    table = queries.visible_samples(request.user, product, ports=[port]).get(port.pk)
    context = {"product": product, "port": port, "form": form, "table": table, "max_rows": settings.SAMPLE_MAX_ROWS, "max_bytes": settings.SAMPLE_MAX_BYTES}
    return render(request, "catalog/port_sample.html", context, status=400 if form.errors else 200)


@login_required
def domain_detail(request, slug):
    domain = get_object_or_404(Domain.objects.select_related("owner_team"), slug=slug)
    products = queries.product_list(request.user).filter(domain=domain).order_by("name")
    return render(request, "catalog/domain_detail.html", {"domain": domain, "page": paginate(request, products, settings.CATALOG_PAGE_SIZE)})


@login_required
def domain_list(request):
    return render(request, "catalog/domain_list.html", {"domains": queries.domains_with_counts(request.user).order_by("name")})


@login_required
def team_detail(request, slug):
    members = TeamMembership.objects.select_related("user").order_by("role", "user__username")
    team = get_object_or_404(Team.objects.prefetch_related(Prefetch("memberships", members), "domains"), slug=slug)
    products = queries.product_list(request.user).filter(owner_team=team).order_by("name")
    return render(request, "catalog/team_detail.html", {"team": team, "page": paginate(request, products, settings.CATALOG_PAGE_SIZE)})
