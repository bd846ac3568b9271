"""Pages of the access request flow (being written)."""

from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse("not yet", status=501)


my_access = request_detail = withdraw = inbox = approve = reject = revoke = _todo
request_access = consumers = audit_trail = notifications = mark_notifications_read = _todo
