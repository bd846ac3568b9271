from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from catalog import queries as catalog_queries
from catalog.models import OutputPort
from core.errors import ServiceError

from . import chart as slo_chart
from . import queries, services
from . import rules as slo_rules
from .forms import SampleForm


@login_required
def product_slos(request, slug):
    """The SLO tab: each objective with its status, attainment, error budget
    and daily history over its window."""
    product = catalog_queries.visible_product_or_404(request.user, slug)
    objectives = [
        (slo, slo_chart.chart(history, target=slo.target), history)
        for slo in queries.slos_of(product)
        for history in [slo_rules.daily_history(slo)]
    ]
    context = {"product": product, "objectives": objectives, "can_edit": catalog_queries.can_edit(request.user, product)}
    return render(request, "catalog/product_slos.html", context)


@login_required
def port_sample(request, slug, port_id):
    """Upload (or remove) a port's sample rows: the owning team only."""
    product = catalog_queries.visible_product_or_404(request.user, slug)
    if not catalog_queries.can_edit(request.user, product):
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
    context = {
        "product": product,
        "port": port,
        "form": form,
        "table": table,
        "max_rows": settings.SAMPLE_MAX_ROWS,
        "max_bytes": settings.SAMPLE_MAX_BYTES,
    }
    return render(request, "catalog/port_sample.html", context, status=400 if form.errors else 200)
