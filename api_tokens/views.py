"""The API tokens pages: your own, and (for staff) a service account's."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.errors import ServiceError
from core.users import User

from . import queries, services
from .forms import TokenForm


def _owner(request, username: str | None) -> User:
    if username is None:
        return request.user
    owner = get_object_or_404(queries.service_accounts(), username=username)
    if not queries.may_manage_tokens_of(request.user, owner):
        raise PermissionDenied
    return owner


@login_required
def token_list(request, username: str | None = None):
    owner = _owner(request, username)
    created = None
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                created = services.create_token(owner, by=request.user, **form.cleaned_data)
            except ServiceError as error:
                form.add_error(error.field, str(error))
            else:
                form = TokenForm()
    else:
        form = TokenForm()
    # The secret is in this response only: it is rendered, never stored or redirected with.
    return render(
        request,
        "api_tokens/token_list.html",
        {
            "owner": owner,
            "own": owner.pk == request.user.pk,
            "tokens": queries.tokens_of(owner),
            "form": form,
            "created": created,
            "now": timezone.now(),
            "service_accounts": queries.service_accounts() if request.user.is_staff and username is None else None,
        },
        status=200 if created or request.method == "GET" or form.is_valid() else 400,
    )


@require_POST
@login_required
def revoke(request, pk: int, username: str | None = None):
    owner = _owner(request, username)
    token = get_object_or_404(queries.tokens_of(owner), pk=pk)
    services.revoke_token(token, by=request.user)
    messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
    return redirect("api_tokens:service-account", username=owner.username) if username else redirect("api_tokens:list")
