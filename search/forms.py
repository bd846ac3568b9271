"""Reading a search from query parameters: one form for the page and the API."""

from django import forms

from catalog.models import DataProduct, SLOStatus

from .types import FACET_NAMES, MAX_PAGE_SIZE, SORTS, SearchQuery

MAX_PAGE = 500  # deeper than anyone reads; keeps offsets cheap
MAX_RESULT_WINDOW = 10_000  # Elasticsearch's default window: the same limit on every backend


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=20000, strip=True, label="Search")
    domain = forms.MultipleChoiceField(required=False)  # slugs: unknown ones just match nothing
    tag = forms.MultipleChoiceField(required=False)
    owner_team = forms.MultipleChoiceField(required=False)
    classification = forms.MultipleChoiceField(required=False, choices=DataProduct.Classification.choices)
    status = forms.MultipleChoiceField(required=False, choices=DataProduct.Status.choices)
    slo_status = forms.MultipleChoiceField(required=False, choices=SLOStatus.choices)
    kind = forms.MultipleChoiceField(required=False, choices=DataProduct.Kind.choices)
    sort = forms.ChoiceField(required=False, choices=SORTS)
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)
    page_size = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)

    KNOWN = {"q", "sort", "page", "page_size", "format", *FACET_NAMES}

    def __init__(self, data, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        for name in ("domain", "tag", "owner_team"):
            self.fields[name].valid_value = lambda value: len(value) <= 120  # free-form slugs and tag names

    def clean(self):
        for name in sorted(set(self.data) - self.KNOWN):
            # Reported under the parameter's own name, so a 400 names it.
            self._errors[name] = self.error_class([f"Unknown parameter. Known: {', '.join(sorted(self.KNOWN - {'format'}))}."])
        data = super().clean()
        page, page_size = data.get("page") or 1, data.get("page_size") or 20
        if page * page_size > MAX_RESULT_WINDOW:
            self.add_error(
                "page", f"Only the first {MAX_RESULT_WINDOW:,} results can be paged through; narrow the search with words or filters."
            )
        return data

    def search_query(self, *, default_page_size: int = 20) -> SearchQuery:
        data = self.cleaned_data
        return SearchQuery(
            text=data.get("q") or "",
            filters={name: tuple(data.get(name) or ()) for name in FACET_NAMES if data.get(name)},
            sort=data.get("sort") or "relevance",
            page=data.get("page") or 1,
            page_size=data.get("page_size") or default_page_size,
        )


class SuggestForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, strip=True)
