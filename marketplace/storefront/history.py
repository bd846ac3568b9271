"""The History tab of a product: the port changes scheduled to take effect
later (catalog.ScheduledPortChange, with what they change and when; owners
may cancel them), every version of each output port's
contract (catalog.PortVersion, recorded by catalog.services.set_output_ports)
and a field-by-field diff between any two versions of one port, chosen in a
GET form (`?port=<name>&from=<id>&to=<id>`), so it works without JavaScript.

A location is part of a snapshot; like on the product page it is shown only
to those who may use the port (access_requests.queries.usable_port_ids; a
removed port's only to its team and admins)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from access_requests import queries as access_queries
from catalog import queries as catalog_queries
from catalog import schema_changes
from catalog import services as catalog_services
from catalog.models import PortVersion
from core.errors import ServiceError

HIDDEN = "(hidden: only for those who may use the port)"


class DiffForm(forms.Form):
    port = forms.CharField(required=False, max_length=120)
    from_ = forms.IntegerField(required=False, min_value=1, label="From version")
    to = forms.IntegerField(required=False, min_value=1, label="To version")

    def __init__(self, data, *, versions_by_port: dict[str, list[PortVersion]]):
        data = data.copy()
        if "from" in data:
            data["from_"] = data["from"]
        super().__init__(data)
        self.versions_by_port = versions_by_port

    def clean(self):
        cleaned = super().clean()
        port = cleaned.get("port") or next(iter(self.versions_by_port), "")
        versions = self.versions_by_port.get(port)
        if self.versions_by_port and versions is None:
            self.add_error("port", f"This product has no port {port!r} with versions.")
            return cleaned
        cleaned["port"] = port
        by_id = {version.pk: version for version in versions or []}
        for name in ("from_", "to"):
            chosen = cleaned.get(name)
            if chosen is not None and chosen not in by_id:
                self.add_error(name, "Choose a version of this port.")
        return cleaned


def _masked(version: PortVersion | None, may_see: bool) -> dict | None:
    if version is None:
        return None
    snapshot = dict(version.snapshot)
    if not may_see and snapshot.get("location"):
        snapshot["location"] = HIDDEN
    return snapshot


@login_required
def product_history(request, slug):
    product = catalog_queries.visible_product_or_404(request.user, slug)
    versions = list(PortVersion.objects.filter(product=product).select_related("changed_by").order_by("port_name", "-changed_at", "-id"))
    versions_by_port: dict[str, list[PortVersion]] = {}
    for version in versions:
        versions_by_port.setdefault(version.port_name, []).append(version)
    can_edit = catalog_queries.can_edit(request.user, product)
    usable = access_queries.usable_port_ids(request.user, product, {v.port_id for v in versions if v.port_id is not None})
    may_see = {version.pk: can_edit or version.port_id in usable for version in versions}
    form = DiffForm(request.GET, versions_by_port=versions_by_port)
    diff = None
    if form.is_valid() and versions_by_port:
        port_versions = versions_by_port[form.cleaned_data["port"]]
        by_id = {version.pk: version for version in port_versions}
        to = by_id.get(form.cleaned_data.get("to")) or port_versions[0]
        older = [version for version in port_versions if (version.changed_at, version.pk) < (to.changed_at, to.pk)]
        start = by_id.get(form.cleaned_data.get("from_")) or (older[0] if older else None)
        before = _masked(start, may_see[start.pk]) if start is not None and not start.removed else None
        after = _masked(to, may_see[to.pk]) if not to.removed else None
        change = schema_changes.classify(before, after)
        diff = {
            "port": form.cleaned_data["port"],
            "versions": port_versions,
            "from": start,
            "to": to,
            "changes": change.as_list(),
            "port_rows": schema_changes.port_diff(before, after),
            "field_rows": schema_changes.field_diff(before, after),
        }
    context = {
        "product": product,
        "can_edit": can_edit,
        "scheduled": list(catalog_queries.pending_scheduled_changes(product)),
        "ports": [(name, port_versions) for name, port_versions in versions_by_port.items()],
        "may_see": may_see,
        "form": form,
        "diff": diff,
    }
    return render(request, "catalog/product_history.html", context, status=400 if form.errors else 200)


@require_POST
@login_required
def cancel_scheduled_change(request, slug, pk):
    """The History tab's Cancel button on a pending scheduled change (owners)."""
    product = catalog_queries.visible_product_or_404(request.user, slug)
    change = get_object_or_404(product.scheduled_port_changes, pk=pk)
    if not catalog_queries.can_edit(request.user, product):
        raise PermissionDenied("Only members of the owning team can cancel a scheduled change.")
    try:
        catalog_services.cancel_scheduled_change(change, by=request.user)
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Cancelled. Those told of the change hear that it will not happen.")
    return redirect("catalog:product_history", product.slug)
