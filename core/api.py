"""API plumbing shared by the apps: errors as clear 4xx answers, never a 500."""

from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import (
    ValidationError as DjangoValidationError,
)
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import Conflict, Forbidden, ServiceError


def exception_handler(exc, context):
    """DRF's handler, plus our domain errors: a refused lifecycle transition is
    a 409, other refused changes a 400 naming the field, and a model
    validation error a 400 with its messages per field. A body too large for
    Django is a 413, too many form fields or files a 400, and data nested
    too deep for the interpreter a 400 (the parser refuses deep JSON first;
    this is the net under it)."""
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": too_large_message()}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, SuspiciousOperation):
        return Response({"detail": "The request could not be understood."}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RecursionError):
        return Response({"detail": "The data is nested too deeply."}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Conflict):
        return Response({exc.field or "detail": [str(exc)]}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, Forbidden):
        return Response({exc.field or "detail": [str(exc)]}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, ServiceError):
        if exc.details:
            return Response({"detail": str(exc), exc.field or "errors": exc.details}, status=status.HTTP_400_BAD_REQUEST)
        return Response({exc.field or "detail": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        body = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, PermissionDenied):
        return Response({"detail": str(exc) or "You do not have permission to do this."}, status=status.HTTP_403_FORBIDDEN)
    return drf_exception_handler(exc, context)


@csrf_exempt  # a POST to no endpoint is a 404 too, not a CSRF refusal
def not_found(request, *args, **kwargs):
    """Any /api/v1/ address no endpoint answers: a JSON 404 (Django's would be an HTML page)."""
    return JsonResponse({"detail": "No API endpoint at this address."}, status=status.HTTP_404_NOT_FOUND)


def refuse_empty_parameters(query_params, *, may_be_empty: frozenset[str] = frozenset()) -> None:
    """A query parameter given without a value (`?status=`) is a 400 naming it
    in the API: an empty value is no status, date or slug, and quietly
    ignoring it would answer a different question than the one asked. (The
    HTML pages, whose forms send empty fields, keep ignoring them.)"""
    empty = sorted({name for name, values in query_params.lists() if name not in may_be_empty and "" in values})
    if empty:
        raise ValidationError({name: ["Give a value, or leave the parameter out."] for name in empty})


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend for API lists, refusing parameters without a value."""

    def filter_queryset(self, request, queryset, view):
        refuse_empty_parameters(request.query_params)
        return super().filter_queryset(request, queryset, view)


def too_large_message() -> str:
    return f"A request body may be at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes."
