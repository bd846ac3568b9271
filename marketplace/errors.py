"""The server error answer (urls.py's handler500).

Django's own handler would do too, but one failure there (a template that
does not render because what failed is what it needs) turns into a bare
error from the WSGI server. Here the 500 page is rendered without the
request, so no context processor runs and nothing queries the database;
if even that fails, a plain page is sent. Under /api/ the answer is JSON,
like every other API error.
"""

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader

logger = logging.getLogger(__name__)

PLAIN_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Server error · Data Product Marketplace</title></head>'
    "<body><h1>Something went wrong on our side</h1><p>The error has been logged. Try again in a moment.</p>"
    '<p><a href="/">Back to the marketplace</a></p></body></html>'
)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error. It has been logged; try again in a moment."}, status=500)
    try:
        page = loader.get_template("500.html").render()
    except Exception:
        logger.exception("The 500 page failed to render; the plain one was sent.")
        page = PLAIN_PAGE
    return HttpResponseServerError(page)
