from django.core.paginator import Page, Paginator
from rest_framework import pagination
from rest_framework.exceptions import ValidationError


def paginate(request, items, per_page: int) -> Page:
    """One page of `items` for an HTML list, chosen by the `page` query
    parameter: the first for anything not a number, the last beyond it."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


class PageNumberPagination(pagination.PageNumberPagination):
    """Pages of a list. A `page_size` that is not a whole number from 1 up is
    a 400 naming it (DRF would quietly use the default); above
    `max_page_size` it is capped. A page beyond the last is a 404."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        if self.page_size_query_param in request.query_params:
            values = request.query_params.getlist(self.page_size_query_param)
            if len(values) != 1 or not values[0].isdigit() or int(values[0]) < 1:
                raise ValidationError({self.page_size_query_param: [f"A whole number from 1 (up to {self.max_page_size} are given)."]})
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["description"] = f"Results per page, 1 up; more than {self.max_page_size} gives {self.max_page_size}."
        return parameters
