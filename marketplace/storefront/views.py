from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render

from access_requests import queries as access_queries
from access_requests.models import ApprovalStep
from access_requests.services import policy_for
from catalog import queries as catalog_queries
from catalog.models import DataProduct
from core.errors import ServiceError
from core.markdown import render_markdown
from slos import queries as slo_queries
from slos import services as slo_services
from slos.forms import SLOForm, SLOFormSet

from . import services
from .forms import ProductForm


def _add_service_error(form, error: ServiceError) -> None:
    """Show a service's refusal on the field it names (`inputs[2].product` is the `inputs` field)."""
    name = (error.field or "").split("[")[0].split(".")[0]
    form.add_error(name if name in form.fields else None, str(error))


@login_required
def product_detail(request, slug):
    product = catalog_queries.product_detail(request.user, slug)
    user = request.user
    ports = list(product.output_ports.all())
    samples = slo_queries.visible_samples(user, product, ports=ports)
    context = {
        "product": product,
        "ports": [(port, samples.get(port.pk)) for port in ports],
        "slos": list(slo_queries.slos_of(product)),
        "description_html": render_markdown(product.description),
        "can_edit": catalog_queries.can_edit(user, product),
        "may_use": access_queries.may_use(user, product),
        "usable_ports": access_queries.usable_port_ids(user, product, [port.pk for port in ports]),
        # The access box: a live grant, else an open request, else the button.
        "live_grant": access_queries.live_grant(user, product),
        "open_request": access_queries.open_request(user, product),
        "approver_roles": [role.label for role in map(ApprovalStep.Role, policy_for(product).roles)],
        "may_see_consumers": catalog_queries.may_see_consumers(user, product),
    }
    return render(request, "catalog/product_detail.html", context)


@login_required
def product_create(request):
    if not catalog_queries.teams_of(request.user).exists():
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
    product = catalog_queries.visible_product_or_404(request.user, slug)
    if not catalog_queries.can_edit(request.user, product):
        raise PermissionDenied("Only members of the owning team can edit this data product.")
    form = ProductForm(request.POST or None, instance=product, user=request.user)
    slos = list(slo_queries.slos_of(product))
    # A post without the objectives' rows (a script, an older form) leaves them as they are.
    posts_slos = request.method == "POST" and "slo-TOTAL_FORMS" in request.POST
    slo_forms = SLOFormSet(
        request.POST if posts_slos else None,
        prefix="slo",
        initial=[SLOForm.initial_for(slo) for slo in slos],
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
                raise slo_services.SLOError("This objective no longer exists; reload the page.")
            if data.get("DELETE"):
                slo_services.delete_slo(slo, by=user)
            elif slo is None:
                slo_services.define_slo(product, by=user, **slo_form.service_arguments(product))
            elif slo_form.has_changed():
                slo_services.update_slo(slo, by=user, **slo_form.service_arguments(product))
        except ServiceError as error:
            _add_service_error(slo_form, error)
            raise
