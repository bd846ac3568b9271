from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from catalog import queries as catalog_queries

from . import queries
from .forms import LineageForm
from .layout import layout


@login_required
def product_lineage(request, slug):
    """The lineage tab: the layered graph as inline SVG, the same nodes and
    edges as tables, and (for its team, stewards and admins) the impact."""
    product = catalog_queries.visible_product_or_404(request.user, slug)
    form = LineageForm(request.GET)
    view = form.view()
    graph = queries.lineage_graph(request.user, product, **view)
    nodes = {node.pk: node for node in graph.nodes}
    context = {
        "product": product,
        "form": form,
        "view": view,
        "graph": graph,
        "drawing": layout(graph, query=view),
        # Who recorded each edge, as text made here: thousands of rows render
        # noticeably faster without a loop and two date filters in each.
        "edge_rows": [
            (nodes[upstream], nodes[downstream], "; ".join(map(_recorded_by, graph.origins.get((upstream, downstream), []))))
            for upstream, downstream in graph.edges
        ],
        # The columnLineage facets of the edges: (downstream, output field, upstream, input fields, job).
        "column_rows": [
            (nodes[upstream], output, nodes[downstream], inputs, edge.job_name)
            for upstream, downstream in graph.edges
            for edge in graph.origins.get((upstream, downstream), [])
            for output, inputs in sorted(edge.column_lineage.items())
        ],
        "may_see_impact": queries.may_see_impact(request.user, product),
    }
    if context["may_see_impact"]:
        context["impact"] = queries.impact_of(request.user, product)
    return render(request, "catalog/product_lineage.html", context, status=400 if form.errors else 200)


def _recorded_by(origin) -> str:
    who = "declared by the owners" if origin.origin == "manual" else f"job {origin.job_name}"
    return f"{who}, seen {origin.last_seen:%Y-%m-%d}"
