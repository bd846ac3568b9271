from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.utils import ErrorDict
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render

from access_requests import queries as access_queries
from access_requests.models import ApprovalStep
from access_requests.services import policy_for
from catalog import queries as catalog_queries
from catalog.models import DataProduct
from contracts import queries as contract_queries
from core.errors import ServiceError
from core.markdown import render_markdown
from slos import queries as slo_queries
from slos import services as slo_services
from slos.forms import SLOForm, SLOFormSet

from . import services
from .forms import MAX_FIELDS_PER_PORT, MAX_PORTS, PORT_PREFIX, FieldFormSet, PortFormSet, PortsEditor, ProductForm, field_prefix


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
        # What the product's descriptors say: its ports' data contract roles, support channels, price and team.
        "contract_roles": list(access_queries.port_roles(product)),
        "support": contract_queries.support_and_team_of(product),
        **catalog_queries.follow_box(user, product),
    }
    return render(request, "catalog/product_detail.html", context)


def _ports_editor(request, product=None) -> PortsEditor:
    if request.method != "POST":
        return PortsEditor(product=product)
    add_field = request.POST.get("add_field")
    return PortsEditor(
        request.POST,
        product=product,
        add_port="add_port" in request.POST,
        add_field=int(add_field) if (add_field or "").isdigit() else None,
    )


def _adds_a_row(request, form, editor) -> bool:
    """The page without JavaScript asked for one more port or field row: it
    is shown, nothing is saved, and the half-filled rows are not judged yet."""
    if request.method == "POST" and ("add_port" in request.POST or "add_field" in request.POST):
        form._errors = ErrorDict()
        editor.quiet()
        return True
    return False


def _add_ports_error(editor: PortsEditor, error: Exception) -> None:
    """A refusal about the ports shows on the row of the one port it names, else above the ports."""
    message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    named = [
        port_form
        for port_form in editor.ports.forms
        if (name := getattr(port_form, "cleaned_data", {}).get("name")) and (repr(name) in message or f"`{name}`" in message)
    ]
    if len(named) == 1:
        named[0].add_error(None, message)
    else:
        editor.ports._non_form_errors = editor.ports.error_class([*editor.ports.non_form_errors(), message])


def _render_form(request, form, editor, *, product=None, slo_forms=None, removals=(), breaking=False, status=200):
    context = {"form": form, "product": product, "slo_forms": slo_forms, "ports": editor, "removals": removals, "breaking": breaking}
    return render(request, "catalog/product_form.html", context, status=status)


@login_required
def product_create(request):
    if not catalog_queries.teams_of(request.user).exists():
        raise PermissionDenied("Only members of a team can publish data products.")
    form = ProductForm(request.POST or None, user=request.user)
    editor = _ports_editor(request)
    if _adds_a_row(request, form, editor):
        return _render_form(request, form, editor)
    if request.method == "POST" and all([form.is_valid(), editor.is_valid()]):
        try:
            product = services.create_product(by=request.user, ports=editor.port_specs(), **form.service_arguments())
        except ServiceError as error:
            if (error.field or "").startswith("output_ports"):
                _add_ports_error(editor, error)
            else:
                _add_service_error(form, error)
        except ValidationError as error:
            _add_ports_error(editor, error)
        else:
            messages.success(request, f"Created {product.name}.")
            return redirect(product)
    failed = form.errors or editor.total_error_count() or editor.ports.non_form_errors()
    return _render_form(request, form, editor, status=400 if failed else 200)


@login_required
def product_edit(request, slug):
    """The edit page: the product's fields, its output ports with their
    schemas, and its service level objectives."""
    product = catalog_queries.visible_product_or_404(request.user, slug)
    if not catalog_queries.can_edit(request.user, product):
        raise PermissionDenied("Only members of the owning team can edit this data product.")
    form = ProductForm(request.POST or None, instance=product, user=request.user)
    editor = _ports_editor(request, product)
    slos = list(slo_queries.slos_of(product))
    # A post without the objectives' rows (a script, an older form) leaves them as they are.
    posts_slos = request.method == "POST" and "slo-TOTAL_FORMS" in request.POST
    slo_forms = SLOFormSet(
        request.POST if posts_slos else None,
        prefix="slo",
        initial=[SLOForm.initial_for(slo) for slo in slos],
        form_kwargs={"ports": product.output_ports.order_by("position", "name")},
    )
    if _adds_a_row(request, form, editor):
        return _render_form(request, form, editor, product=product, slo_forms=slo_forms)
    removals, breaking = [], False
    # The catalog refuses a change that breaks consumers unless the owner confirms it (BreakingChange).
    confirm_breaking = {"confirm_breaking": True} if request.POST.get("confirm_breaking") == "on" else {}
    if request.method == "POST" and all([form.is_valid(), editor.is_valid(), not posts_slos or slo_forms.is_valid()]):
        # Removing (or renaming) a port that grants or lineage use waits for the owner's confirmation.
        removals = services.port_removals(product, editor.removed_ports())
        confirmed = request.POST.get("confirm_removal") == "on"
        if not removals or confirmed:
            try:
                with transaction.atomic():  # the product, its ports and its objectives are saved together, or not at all
                    services.update_product(
                        product,
                        by=request.user,
                        ports=editor.port_specs(),
                        revoke_grants_of_removed_ports=confirmed,
                        # One tick: confirming a removal listed above confirms its breaking change.
                        confirmed_removals=[removal.port.name for removal in removals] if confirmed else (),
                        **confirm_breaking,
                        **form.service_arguments(),
                    )
                    if posts_slos:
                        _save_slos(request.user, product, slo_forms, slos)
            except ServiceError as error:
                breaking = hasattr(error, "changes")  # catalog.services.BreakingChange
                if (error.field or "").startswith("output_ports"):
                    _add_ports_error(editor, error)
                elif not any(slo_form.errors for slo_form in slo_forms):
                    _add_service_error(form, error)
            except ValidationError as error:
                _add_ports_error(editor, error)
            else:
                scheduled = form.cleaned_data.get("effective_at") and editor.port_specs() is not None
                messages.success(request, "Saved; the port changes are scheduled (History tab)." if scheduled else "Saved.")
                return redirect(product)
    product.refresh_from_db()
    failed = form.errors or editor.total_error_count() or editor.ports.non_form_errors() or removals
    status = 400 if failed or (posts_slos and slo_forms.total_error_count()) else 200
    return _render_form(request, form, editor, product=product, slo_forms=slo_forms, removals=removals, breaking=breaking, status=status)


@login_required
def port_row(request):
    """One empty port row (with one empty field row) for the product form,
    at the index the page's `port-TOTAL_FORMS` names; htmx appends it and
    the response's out-of-band input raises the count."""
    index = request.GET.get(f"{PORT_PREFIX}-TOTAL_FORMS", "")
    if not index.isdigit() or int(index) >= MAX_PORTS:
        return HttpResponseBadRequest(f"{PORT_PREFIX}-TOTAL_FORMS: a number below {MAX_PORTS}")
    index = int(index)
    port_form = PortFormSet(prefix=PORT_PREFIX).empty_row(index)
    fields = FieldFormSet(prefix=field_prefix(index))
    context = {"port_form": port_form, "fields": fields, "index": index, "total": index + 1, "oob": True}
    return render(request, "catalog/_port_row.html", context)


@login_required
def field_row(request, port_index: int):
    """One empty field row for port row `port_index`, at the index the page's
    `port-<i>-fields-TOTAL_FORMS` names."""
    prefix = field_prefix(port_index)
    index = request.GET.get(f"{prefix}-TOTAL_FORMS", "")
    if port_index >= MAX_PORTS or not index.isdigit() or int(index) >= MAX_FIELDS_PER_PORT:
        return HttpResponseBadRequest(f"{prefix}-TOTAL_FORMS: a number below {MAX_FIELDS_PER_PORT}")
    index = int(index)
    field_form = FieldFormSet(prefix=prefix).empty_row(index)
    context = {"field_form": field_form, "port_index": port_index, "prefix": prefix, "total": index + 1, "oob": True}
    return render(request, "catalog/_field_row.html", context)


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
