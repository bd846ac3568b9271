"""API plumbing shared by the apps: errors as clear 4xx answers, never a 500."""

from django.core.exceptions import PermissionDenied, ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import Conflict, Forbidden, ServiceError


def exception_handler(exc, context):
    """DRF's handler, plus our domain errors: a refused lifecycle transition is
    a 409, other refused changes a 400 naming the field, and a model
    validation error a 400 with its messages per field."""
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
