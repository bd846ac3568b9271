"""Pages of the access request flow. Thin: reads come from queries, every
change goes through services, and a refused change is shown with the
service's own message (403 forbidden, 409 conflict, 400 bad input)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from catalog import queries as catalog_queries
from core.pagination import paginate

from . import queries, services
from .forms import AuditFilterForm, DecisionForm, RequestAccessForm, RevokeForm
from .models import AccessRequest, ApprovalStep

AUDIT_PAGE_SIZE = 50


def _status_of(error: services.AccessRequestError) -> int:
    if isinstance(error, services.NotAllowed):
        return 403
    if isinstance(error, services.DecisionError):
        return 409
    return 400


def _next_url(request, default: str) -> str:
    """Where to go after a POST: the form's `next` when it is a path on this site."""
    wanted = request.POST.get("next") or request.GET.get("next")
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return wanted
    return default


def _refused(request, error: services.AccessRequestError, *, back: str):
    """A refused change on a page without htmx: say why, with the right status."""
    status = _status_of(error)
    titles = {403: "You may not do that", 409: "That cannot be done now", 400: "Something is missing"}
    return render(request, "access_requests/refused.html", {"title": titles[status], "message": str(error), "back": back}, status=status)


# --- requesting ------------------------------------------------------------------


@login_required
def request_access(request, slug):
    product = catalog_queries.visible_product_or_404(request.user, slug)
    policy = services.policy_for(product)
    form = RequestAccessForm(request.POST or None, product=product, policy=policy)
    if request.method == "POST" and form.is_valid():
        try:
            access_request = services.submit_request(product, by=request.user, **form.service_arguments())
        except services.DecisionError as error:
            messages.error(request, str(error))
            return redirect(product)
        except services.NotAllowed as error:
            raise PermissionDenied(str(error)) from None
        except services.AccessRequestError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            if access_request.status == AccessRequest.Status.APPROVED:
                messages.success(request, f"You may use {product.name} now: your team owns it, so the request was approved at once.")
            else:
                messages.success(request, f"Your request for {product.name} is sent. Its approvers have been told.")
            return redirect(access_request)
    context = {
        "product": product,
        "form": form,
        "roles": [ApprovalStep.Role(role).label for role in policy.roles],
        "contract_roles": list(queries.port_roles(product)),
        "policy": policy,
        "open_request": queries.open_request(request.user, product),
        "live_grant": queries.live_grant(request.user, product),
    }
    return render(request, "access_requests/request_form.html", context, status=400 if form.errors else 200)


@login_required
def my_access(request):
    context = {
        "page": paginate(request, queries.requests_of(request.user), 20),
        "grants": queries.live_grants_of(request.user),
    }
    return render(request, "access_requests/my_access.html", context)


@login_required
def request_detail(request, pk):
    access_request = get_object_or_404(queries.requests_visible_to(request.user), pk=pk)
    decidable = set(queries.steps_decidable_by(request.user).filter(request=access_request).values_list("pk", flat=True))
    context = {
        "access_request": access_request,
        "decidable_steps": [step for step in access_request.steps.all() if step.pk in decidable],
        "may_withdraw": access_request.is_pending and access_request.requester_id == request.user.pk,
        "form": DecisionForm(),
    }
    return render(request, "access_requests/request_detail.html", context)


@login_required
@require_POST
def withdraw(request, pk):
    access_request = get_object_or_404(queries.requests_visible_to(request.user), pk=pk)
    try:
        services.withdraw_request(access_request, by=request.user)
    except services.AccessRequestError as error:
        return _refused(request, error, back=access_request.get_absolute_url())
    messages.success(request, f"You withdrew your request for {access_request.product.name}.")
    return redirect(_next_url(request, access_request.get_absolute_url()))


# --- deciding --------------------------------------------------------------------


@login_required
def inbox(request):
    page = paginate(request, queries.steps_decidable_by(request.user), 25)
    return render(request, "access_requests/inbox.html", {"page": page, "form": DecisionForm()})


def _decide(request, pk, *, approving: bool):
    visible = queries.requests_visible_to(request.user).values("pk")
    step = get_object_or_404(
        ApprovalStep.objects.filter(request__in=visible).select_related(
            "request", "request__product", "request__product__domain", "request__requester", "request__port"
        ),
        pk=pk,
    )
    form = DecisionForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else request.POST.get("comment", "")
    try:
        if approving:
            services.approve_step(step, by=request.user, comment=comment)
        else:
            services.reject_step(step, by=request.user, comment=comment)
    except services.AccessRequestError as error:
        if request.htmx:
            return _inbox_row(request, step, form=form, error=str(error), status=_status_of(error))
        return _refused(request, error, back=_next_url(request, reverse("access_requests:inbox")))
    step.refresh_from_db()
    step.request.refresh_from_db()
    if request.htmx:
        return _inbox_row(request, step, form=DecisionForm())
    product, requester = step.request.product.name, step.request.requester.get_username()
    if approving:
        outcome = " The request is approved: access is granted." if step.request.status == AccessRequest.Status.APPROVED else ""
        messages.success(request, f"You approved {requester}'s request for {product}.{outcome}")
    else:
        messages.success(request, f"You rejected {requester}'s request for {product}; they are told why.")
    return redirect(_next_url(request, reverse("access_requests:inbox")))


def _inbox_row(request, step: ApprovalStep, *, form: DecisionForm, error: str = "", status: int = 200):
    context = {"step": step, "form": form, "error": error, "decided": step.status != ApprovalStep.Status.PENDING}
    return render(request, "access_requests/_inbox_row.html", context, status=status)


@login_required
@require_POST
def approve(request, pk):
    return _decide(request, pk, approving=True)


@login_required
@require_POST
def reject(request, pk):
    return _decide(request, pk, approving=False)


# --- consumers and grants --------------------------------------------------------


@login_required
def consumers(request, slug):
    product = catalog_queries.visible_product_or_404(request.user, slug)
    if not catalog_queries.may_see_consumers(request.user, product):
        raise PermissionDenied("Only the owning team, governance stewards and admins see who uses a data product.")
    context = {
        "product": product,
        "page": paginate(request, queries.consumers_of(product), 50),
        "may_revoke": queries.may_manage_grants(request.user, product),
        "form": RevokeForm(),
    }
    return render(request, "access_requests/consumers.html", context)


@login_required
@require_POST
def revoke(request, pk):
    grant = get_object_or_404(queries.grants_visible_to(request.user), pk=pk)
    back = reverse("access_requests:consumers", args=[grant.product.slug])
    form = RevokeForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else request.POST.get("reason", "")
    try:
        services.revoke_grant(grant, by=request.user, reason=reason)
    except services.AccessRequestError as error:
        return _refused(request, error, back=back)
    messages.success(request, f"You revoked {grant.user.get_username()}'s access to {grant.product.name}; they are told why.")
    return redirect(_next_url(request, back))


# --- the audit trail ---------------------------------------------------------------


def _payload_summary(payload: dict) -> str:
    parts = []
    for key, value in (payload or {}).items():
        if value in (None, "", [], {}):
            continue
        text = ", ".join(str(item) for item in value) if isinstance(value, list) else str(value)
        parts.append(f"{key}: {text}")
    summary = "; ".join(parts)
    return summary if len(summary) <= 160 else summary[:159] + "…"


@login_required
def audit_trail(request):
    if not queries.may_read_audit(request.user):
        raise PermissionDenied("The audit trail is for product owners, governance stewards and admins.")
    events = queries.audit_events_visible_to(request.user)
    actions = sorted(events.order_by().values_list("action", flat=True).distinct())
    form = AuditFilterForm(request.GET or None, actions=actions)
    status = 200
    if form.is_bound and not form.is_valid():
        status, events = 400, events.none()
    elif form.is_bound:
        events = form.filter(events)
    page = paginate(request, events.select_related("product"), AUDIT_PAGE_SIZE)
    page.object_list = list(page.object_list)
    for event in page.object_list:
        event.summary = _payload_summary(event.payload)
    return render(request, "access_requests/audit.html", {"form": form, "page": page}, status=status)
