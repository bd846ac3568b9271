from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import refuse_empty_parameters

from . import engines
from .forms import MAX_PAGE, MAX_RESULT_WINDOW, SearchForm, SuggestForm
from .serializers import SearchResultSerializer, SuggestResultSerializer
from .types import MAX_PAGE_SIZE


def _form_errors(form) -> dict:
    return {name: [str(message) for message in messages] for name, messages in form.errors.items()}


def _facet_value_schema(name: str) -> dict:
    """A search filter's value: one of the form field's choices, or a free slug or tag name."""
    choices = getattr(SearchForm.base_fields[name], "choices", None)
    if choices:
        return {"type": "string", "enum": [value for value, _label in choices]}
    return {"type": "string", "minLength": 1, "maxLength": 120}


class SearchView(APIView):
    """Full-text search over the data products you can see, with facets."""

    @extend_schema(
        summary="Search data products",
        parameters=[
            OpenApiParameter(
                "q", {"type": "string", "minLength": 0, "maxLength": 20000}, description="Words to find; never parsed as query syntax."
            ),
            *[
                OpenApiParameter(
                    name, {"type": "array", "items": _facet_value_schema(name)}, explode=True, description=f"Filter: {label} (repeatable)."
                )
                for name, label in engines.FACETS
            ],
            OpenApiParameter("sort", str, enum=list(engines.SORT_NAMES)),
            OpenApiParameter("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
                description=f"Default 20. At most {MAX_RESULT_WINDOW:,} results are paged through (page × page_size); beyond, a 400.",
            ),
        ],
        responses=SearchResultSerializer,
    )
    def get(self, request):
        refuse_empty_parameters(request.query_params, may_be_empty=frozenset({"q"}))
        form = SearchForm(request.query_params)
        if not form.is_valid():
            return Response(_form_errors(form), status=status.HTTP_400_BAD_REQUEST)
        result = engines.search(form.search_query(), user=request.user)
        return Response(SearchResultSerializer(result, context={"request": request}).data)


class SuggestView(APIView):
    """Product names for what has been typed so far."""

    @extend_schema(
        summary="Suggest data products for a prefix",
        parameters=[OpenApiParameter("q", {"type": "string", "minLength": 0, "maxLength": 200})],
        responses=SuggestResultSerializer,
    )
    def get(self, request):
        refuse_empty_parameters(request.query_params, may_be_empty=frozenset({"q"}))
        form = SuggestForm(request.query_params)
        if not form.is_valid():
            return Response(_form_errors(form), status=status.HTTP_400_BAD_REQUEST)
        suggestions, degraded = engines.suggest(form.cleaned_data["q"], user=request.user)
        return Response(SuggestResultSerializer({"suggestions": suggestions, "degraded": degraded}).data)
