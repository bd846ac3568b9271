"""Filter sets that refuse what they do not know."""

import django_filters

# Query parameters that are not filters but are understood by lists.
PAGING_PARAMETERS = {"page", "page_size", "format"}


class StrictFilterSet(django_filters.FilterSet):
    """A filter set that answers 400 for a parameter it does not know, so a
    misspelt filter is not silently ignored. The product list (HTML and API)
    and the access request API's lists use it."""

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.unknown_parameters = sorted(set(data.keys()) - set(self.filters) - PAGING_PARAMETERS) if data is not None else []

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name in self.unknown_parameters:
            self.form.errors[name] = self.form.error_class([f"Unknown filter. Known filters: {', '.join(sorted(self.filters))}."])
        return valid and not self.unknown_parameters
