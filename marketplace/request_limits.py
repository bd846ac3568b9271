"""A request body larger than Django takes (DATA_UPLOAD_MAX_MEMORY_SIZE) is
refused before anything reads it: 413 with a JSON `{"detail": …}` under
/api/, a plain 413 page elsewhere. Without this, whichever code read the
body first decided the answer, and it was Django's HTML 400 page.

A body without a Content-Length cannot be larger than what it declares:
the WSGI server gives an application no more than Content-Length bytes.
The body is checked as a whole, files included: no page or endpoint of
the marketplace takes more than a few hundred kilobytes."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

from core.api import too_large_message


def _too_large(request) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": too_large_message()}, status=413)
    return HttpResponse(render_to_string("413.html", {"message": too_large_message()}), status=413)


class RequestBodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(declared)
        except ValueError:
            length = 0  # Django reads such a body as empty
        if limit is not None and length > limit:
            return _too_large(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig):
            return _too_large(request)
        return None
