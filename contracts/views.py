from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from catalog import queries as catalog_queries

from . import services, standards
from .api import refusal_problems
from .forms import DescriptorForm


@login_required
def product_descriptor(request, slug):
    """Import a descriptor (ODPS) or a port's contract (ODCS) into a product: its owning team only.
    A refused document is shown with each problem's path and rule; nothing is written."""
    product = catalog_queries.visible_product_or_404(request.user, slug)
    if not catalog_queries.can_edit(request.user, product):
        raise PermissionDenied("Only members of the owning team can import this product's descriptor.")
    form = DescriptorForm(request.POST, request.FILES) if request.method == "POST" else DescriptorForm()
    problems, file = [], ""
    if request.method == "POST" and form.is_valid():
        content, file = form.upload()
        try:
            result = services.import_document(content, by=request.user, filename=file, product=product)
        except (standards.DescriptorInvalid, services.DescriptorRefused) as error:
            problems = refusal_problems(error)
            form.add_error(None, f"{file} was not imported: nothing was changed.")
        else:
            for message in result.messages or ["Imported."]:
                messages.success(request, message)
            for warning in result.warnings:
                messages.warning(request, warning)
            return redirect(result.product)
    context = {
        "product": product,
        "form": form,
        "problems": problems,
        "file": file,
        "ports": product.output_ports.order_by("position", "name"),
    }
    return render(request, "contracts/product_descriptor.html", context, status=400 if form.errors else 200)
