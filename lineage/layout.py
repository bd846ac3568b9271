"""A layered drawing of a lineage graph, computed on the server and rendered
as inline SVG by templates/catalog/_lineage_graph.svg (no JavaScript).

Layers are the nodes' distances (upstream left, the product in the middle,
downstream right). A layer wider than MAX_PER_LAYER collapses each domain's
nodes in it into one node ("Finance: 7 datasets"; external datasets by
namespace), so 200 nodes stay readable. Within a layer, nodes are ordered by
a few sweeps of the barycentre heuristic, which removes most crossings.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse

from .queries import LINEAGE_MAX_DEPTH, LineageGraph

MAX_PER_LAYER = 12
NODE_WIDTH, NODE_HEIGHT = 200, 44
GAP_X, GAP_Y, MARGIN = 70, 14, 16
PALETTE_SIZE = 8  # .lineage-domain-0 … -7 in app.css
SWEEPS = 4


@dataclass
class DrawnNode:
    key: str
    label: str
    sublabel: str
    title: str
    href: str
    layer: int
    kind: str  # "port", "external" or "group"
    colour: int | None = None  # the domain's palette index; None for external datasets
    current: bool = False  # one of the product's own ports
    x: int = 0
    y: int = 0
    order: float = 0.0

    @property
    def classes(self) -> str:
        classes = ["lineage-node", f"lineage-{self.kind}"]
        if self.colour is not None:
            classes.append(f"lineage-domain-{self.colour}")
        if self.current:
            classes.append("lineage-current")
        return " ".join(classes)

    width = NODE_WIDTH
    height = NODE_HEIGHT

    @property
    def text_x(self) -> int:
        return self.x + 10

    @property
    def label_y(self) -> int:
        return self.y + 18

    @property
    def sublabel_y(self) -> int:
        return self.y + 34


@dataclass
class DrawnEdge:
    path: str
    backwards: bool


@dataclass
class Drawing:
    width: int
    height: int
    nodes: list[DrawnNode] = field(default_factory=list)
    edges: list[DrawnEdge] = field(default_factory=list)
    legend: list[tuple[str, int]] = field(default_factory=list)  # (domain name, palette index)
    collapsed: int = 0  # how many nodes were folded into domain groups


def _short(text: str, length: int = 30) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def layout(graph: LineageGraph, *, query: dict | None = None, max_per_layer: int = MAX_PER_LAYER) -> Drawing:
    """Place `graph`'s nodes in layers and route its edges. `query` (the
    direction and depth) is kept on the links, so following a node keeps the view."""
    suffix = f"?{urlencode(query)}" if query else ""
    domains = sorted({node.port.product.domain for node in graph.nodes if node.port_id is not None}, key=lambda d: d.name)
    colour = {domain.pk: index % PALETTE_SIZE for index, domain in enumerate(domains)}

    column = _columns(graph)
    by_layer: dict[int, list] = defaultdict(list)
    for node in graph.nodes:
        by_layer[column[node.pk]].append(node)

    drawn: dict[str, DrawnNode] = {}
    key_of: dict[int, str] = {}
    collapsed = 0
    for layer, nodes in by_layer.items():
        groups: dict[tuple, list] = defaultdict(list)
        for node in nodes:
            groups[("domain", node.port.product.domain.pk) if node.port_id is not None else ("namespace", node.namespace)].append(node)
        collapse = layer != 0 and len(nodes) > max_per_layer
        for group_key, members in groups.items():
            if collapse and len(members) > 1:
                key = f"group-{layer}-{group_key[0]}-{group_key[1]}"
                if group_key[0] == "domain":
                    domain = members[0].port.product.domain
                    drawn[key] = DrawnNode(
                        key=key,
                        label=_short(domain.name),
                        sublabel=f"{len(members)} datasets (collapsed)",
                        title=f"{domain.name}: " + ", ".join(sorted(member.label for member in members)),
                        href=domain.get_absolute_url(),
                        layer=layer,
                        kind="group",
                        colour=colour[domain.pk],
                    )
                else:
                    drawn[key] = DrawnNode(
                        key=key,
                        label=_short(group_key[1]),
                        sublabel=f"{len(members)} external datasets (collapsed)",
                        title=f"{group_key[1]}: " + ", ".join(sorted(m.name for m in members)),
                        href=f"#dataset-{members[0].pk}",
                        layer=layer,
                        kind="group",
                    )
                collapsed += len(members)
                for member in members:
                    key_of[member.pk] = key
                continue
            for node in members:
                key = f"node-{node.pk}"
                key_of[node.pk] = key
                drawn[key] = _drawn_node(node, graph, colour, suffix, layer=layer)

    edges = sorted({(key_of[a], key_of[b]) for a, b in graph.edges if a in key_of and b in key_of and key_of[a] != key_of[b]})
    _order_layers(drawn, edges)
    return _place(drawn, edges, legend=[(domain.name, colour[domain.pk]) for domain in domains], collapsed=collapsed)


def _columns(graph: LineageGraph) -> dict[int, int]:
    """The column each node is drawn in. A node's layer is its shortest
    distance, so an edge may join two nodes of one layer, or point back (a
    reaches the product directly and through b). Pushing nodes further out
    until every edge on one side points left to right (the longest path)
    fixes that for a DAG; a cycle stops being pushed after a bounded number
    of passes and is drawn with an edge looping back."""
    column = {node.pk: node.layer for node in graph.nodes}
    side = {pk: (layer > 0) - (layer < 0) for pk, layer in column.items()}
    for _ in range(2 * LINEAGE_MAX_DEPTH):
        changed = False
        for upstream, downstream in graph.edges:
            if upstream not in column or downstream not in column or column[upstream] < column[downstream]:
                continue
            if side[downstream] > 0 and side[upstream] >= 0:
                column[downstream], changed = column[upstream] + 1, True
            elif side[upstream] < 0 and side[downstream] <= 0:
                column[upstream], changed = column[downstream] - 1, True
        if not changed:
            break
    return column


def _drawn_node(node, graph: LineageGraph, colour: dict, suffix: str, *, layer: int) -> DrawnNode:
    if node.port_id is None:
        return DrawnNode(
            key=f"node-{node.pk}",
            label=_short(node.name),
            sublabel=_short(node.namespace, 34),
            title=f"External dataset {node.namespace} {node.name}",
            href=f"#dataset-{node.pk}",
            layer=layer,
            kind="external",
        )
    product = node.port.product
    return DrawnNode(
        key=f"node-{node.pk}",
        label=_short(product.name),
        sublabel=_short(f"{node.port.name} · {product.domain.name}", 34),
        title=f"{product.name} / {node.port.name} ({product.domain.name}, {product.get_status_display().lower()})",
        href=reverse("catalog:product_lineage", args=[product.slug]) + suffix,
        layer=layer,
        kind="port",
        colour=colour[product.domain_id],
        current=product.pk == graph.product.pk,
    )


def _order_layers(drawn: dict[str, DrawnNode], edges: list[tuple[str, str]]) -> None:
    """Order each layer's nodes by the mean position of their neighbours in
    the previous layer, then the next (alternating sweeps)."""
    layers: dict[int, list[DrawnNode]] = defaultdict(list)
    for node in drawn.values():
        layers[node.layer].append(node)
    for nodes in layers.values():
        nodes.sort(key=lambda n: (n.colour is None, n.colour or 0, n.label, n.sublabel))
        for index, node in enumerate(nodes):
            node.order = index
    neighbours: dict[str, list[str]] = defaultdict(list)
    for a, b in edges:
        neighbours[a].append(b)
        neighbours[b].append(a)
    ordered = sorted(layers)
    for sweep in range(SWEEPS):
        sequence = ordered[1:] if sweep % 2 == 0 else list(reversed(ordered[:-1]))
        step = -1 if sweep % 2 == 0 else 1
        for layer in sequence:
            for node in layers[layer]:
                around = [drawn[key].order for key in neighbours[node.key] if drawn[key].layer == layer + step]
                if around:
                    node.order = sum(around) / len(around)
            layers[layer].sort(key=lambda n: n.order)
            for index, node in enumerate(layers[layer]):
                node.order = index


def _place(drawn: dict[str, DrawnNode], edges: list[tuple[str, str]], *, legend, collapsed: int) -> Drawing:
    layers: dict[int, list[DrawnNode]] = defaultdict(list)
    for node in drawn.values():
        layers[node.layer].append(node)
    if not layers:
        return Drawing(width=0, height=0, legend=legend)
    first = min(layers)
    tallest = max(len(nodes) for nodes in layers.values())
    height = 2 * MARGIN + tallest * NODE_HEIGHT + (tallest - 1) * GAP_Y
    for layer, nodes in layers.items():
        nodes.sort(key=lambda n: n.order)
        column_height = len(nodes) * NODE_HEIGHT + (len(nodes) - 1) * GAP_Y
        top = (height - column_height) // 2
        for index, node in enumerate(nodes):
            node.x = MARGIN + (layer - first) * (NODE_WIDTH + GAP_X)
            node.y = top + index * (NODE_HEIGHT + GAP_Y)
    width = 2 * MARGIN + (max(layers) - first + 1) * NODE_WIDTH + (max(layers) - first) * GAP_X
    drawn_edges = []
    for a, b in edges:
        source, target = drawn[a], drawn[b]
        x1, y1 = source.x + NODE_WIDTH, source.y + NODE_HEIGHT // 2
        x2, y2 = target.x, target.y + NODE_HEIGHT // 2
        backwards = target.layer <= source.layer
        if backwards:  # a cycle or an edge within a layer: loop around below
            x2 = target.x + NODE_WIDTH // 2
            y2 = target.y + NODE_HEIGHT
            bend = max(40, abs(x1 - x2) // 3)
            path = f"M{x1},{y1} C{x1 + bend},{y1 + bend} {x2},{y2 + bend} {x2},{y2}"
        else:
            middle = (x1 + x2) // 2
            path = f"M{x1},{y1} C{middle},{y1} {middle},{y2} {x2},{y2}"
        drawn_edges.append(DrawnEdge(path=path, backwards=backwards))
    nodes = sorted(drawn.values(), key=lambda n: (n.layer, n.order))
    return Drawing(width=width, height=height + 40, nodes=nodes, edges=drawn_edges, legend=legend, collapsed=collapsed)
