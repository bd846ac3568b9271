"""The inbox of notifications. Reads from queries, marks read through services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.pagination import paginate

from . import queries, services


@login_required
def notifications(request):
    page = paginate(request, queries.notifications_of(request.user), 25)
    return render(request, "notifications/list.html", {"page": page, "unread": queries.unread_count(request.user)})


@login_required
@require_POST
def open_notification(request, pk):
    """Mark one of my notifications read and follow its link. A POST (a
    button that looks like the link), since opening it changes it."""
    notification = queries.notifications_of(request.user).filter(pk=pk).first()
    if notification is None:
        raise Http404("No such notification.")
    services.mark_read(request.user, notification_ids=[notification.pk])
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def mark_notifications_read(request):
    marked = services.mark_read(request.user)
    if marked:
        messages.success(request, f"Marked {marked} notification{'s' if marked != 1 else ''} read.")
    else:
        messages.info(request, "Nothing was unread.")
    return redirect("notifications:list")
