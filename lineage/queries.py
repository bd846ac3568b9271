from dataclasses import dataclass, field

from django.db import connection

from access_requests.models import Grant
from catalog.models import DataProduct, TeamMembership
from catalog.queries import may_see_consumers, visible_products
from catalog.visibility import visibility_for
from core.users import AnonymousUser, User

from .models import LineageEdge, LineageNode

LINEAGE_DIRECTIONS = ("upstream", "downstream", "both")


LINEAGE_MAX_DEPTH = 10


IMPACT_DEPTH = LINEAGE_MAX_DEPTH


# One statement: walk the edges from the product's port nodes downstream and
# upstream (a recursive CTE each, each limited to its depth), never stepping
# into a node that `user` may not see, then return the nodes reached with
# their shortest distance and the edges between reached nodes of one side.
# UNION (not UNION ALL) keeps a cycle from repeating (node, depth) rows, and
# the depth limit ends it. Plain SQL that SQLite (3.8.3+) and PostgreSQL share.
LINEAGE_WALK_SQL = """
WITH RECURSIVE
hidden(node_id) AS (
    SELECT n.id FROM catalog_lineagenode n
    JOIN catalog_outputport p ON p.id = n.port_id
    JOIN catalog_dataproduct d ON d.id = p.product_id
    WHERE NOT ({visible})
),
start(node_id) AS (
    SELECT n.id FROM catalog_lineagenode n JOIN catalog_outputport p ON p.id = n.port_id WHERE p.product_id = %s
),
down(node_id, depth) AS (
    SELECT node_id, 0 FROM start
    UNION
    SELECT e.downstream_id, down.depth + 1 FROM down JOIN catalog_lineageedge e ON e.upstream_id = down.node_id
    WHERE down.depth < %s AND e.downstream_id NOT IN (SELECT node_id FROM hidden)
),
up(node_id, depth) AS (
    SELECT node_id, 0 FROM start
    UNION
    SELECT e.upstream_id, up.depth + 1 FROM up JOIN catalog_lineageedge e ON e.downstream_id = up.node_id
    WHERE up.depth < %s AND e.upstream_id NOT IN (SELECT node_id FROM hidden)
)
SELECT 'down', node_id, MIN(depth) FROM down GROUP BY node_id
UNION ALL
SELECT 'up', node_id, MIN(depth) FROM up GROUP BY node_id
UNION ALL
SELECT 'edge', upstream_id, downstream_id FROM (
    SELECT e.upstream_id, e.downstream_id FROM catalog_lineageedge e
    WHERE e.upstream_id IN (SELECT node_id FROM down) AND e.downstream_id IN (SELECT node_id FROM down)
    UNION
    SELECT e.upstream_id, e.downstream_id FROM catalog_lineageedge e
    WHERE e.downstream_id IN (SELECT node_id FROM up) AND e.upstream_id IN (SELECT node_id FROM up)
) AS edges
"""


@dataclass
class LineageGraph:
    """The part of the lineage graph around `product` that `user` may see.
    Each node has a `layer`: 0 for the product's own ports, negative
    upstream, positive downstream."""

    product: DataProduct
    direction: str
    depth: int
    nodes: list[LineageNode] = field(default_factory=list)
    edges: list[tuple[int, int]] = field(default_factory=list)  # (upstream node id, downstream node id)
    # Who recorded each edge: its LineageEdge rows (one per origin: the owners, an OpenLineage job).
    origins: dict[tuple[int, int], list["EdgeOrigin"]] = field(default_factory=dict)


def lineage_walk(
    user: User | AnonymousUser, product: DataProduct, *, direction: str = "both", depth: int = 3
) -> tuple[dict[int, int], list[tuple[int, int]]]:
    """The node ids reached from `product` with their layer, and the edges
    between them, in one recursive query (LINEAGE_WALK_SQL)."""
    if direction not in LINEAGE_DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(LINEAGE_DIRECTIONS)}")
    depth = max(0, min(depth, LINEAGE_MAX_DEPTH))
    visible, visible_params = visibility_for(user).sql("d")
    down_depth = depth if direction in ("downstream", "both") else 0
    up_depth = depth if direction in ("upstream", "both") else 0
    with connection.cursor() as cursor:
        cursor.execute(LINEAGE_WALK_SQL.format(visible=visible), [*visible_params, product.pk, down_depth, up_depth])
        rows = cursor.fetchall()
    layers: dict[int, int] = {}
    edges = []
    for kind, a, b in rows:
        if kind == "edge":
            edges.append((a, b))
            continue
        layer = b if kind == "down" else -b
        # A node both upstream and downstream (a cycle) goes where it is nearer; downstream on a tie.
        if a not in layers or abs(layer) < abs(layers[a]) or (abs(layer) == abs(layers[a]) and layer > 0):
            layers[a] = layer
    return layers, sorted(set(edges))


def lineage_graph(user: User | AnonymousUser, product: DataProduct, *, direction: str = "both", depth: int = 3) -> LineageGraph:
    """The lineage around `product` as `user` may see it: drafts they may not
    see are neither shown nor walked through, so the graph never reveals them."""
    layers, edges = lineage_walk(user, product, direction=direction, depth=depth)
    nodes = []
    ids = sorted(layers)
    for start in range(0, len(ids), 500):  # SQLite's limit on parameters, with room to spare
        nodes += LineageNode.objects.filter(pk__in=ids[start : start + 500]).select_related(
            "port__product__domain", "port__product__owner_team"
        )
    for node in nodes:
        node.layer = layers[node.pk]
    nodes.sort(key=lambda node: (node.layer, str(node)))
    return LineageGraph(
        product=product,
        direction=direction,
        depth=max(0, min(depth, LINEAGE_MAX_DEPTH)),
        nodes=nodes,
        edges=edges,
        origins=_edge_origins(edges),
    )


@dataclass(frozen=True)
class EdgeOrigin:
    """One record of an edge: declared by the owners, or reported by an OpenLineage job."""

    origin: str
    job_namespace: str
    job_name: str
    run_id: str
    last_seen: object  # datetime
    column_lineage: dict


def _edge_origins(edges: list[tuple[int, int]]) -> dict[tuple[int, int], list[EdgeOrigin]]:
    """The recorded edges behind each (upstream, downstream) pair, in a query
    per 500 upstream nodes, as plain rows (a graph of a thousand nodes has
    thousands of them)."""
    pairs = set(edges)
    origins: dict[tuple[int, int], list[EdgeOrigin]] = {pair: [] for pair in edges}
    upstreams = sorted({upstream for upstream, _ in pairs})
    columns = ("upstream_id", "downstream_id", "origin", "job_namespace", "job_name", "run_id", "last_seen", "column_lineage")
    for start in range(0, len(upstreams), 500):
        rows = (
            LineageEdge.objects.filter(upstream_id__in=upstreams[start : start + 500]).order_by("origin", "job_name").values_list(*columns)
        )
        for upstream, downstream, *fields in rows:
            if (upstream, downstream) in pairs:
                origins[(upstream, downstream)].append(EdgeOrigin(*fields))
    return origins


def declared_inputs(user: User | AnonymousUser, product: DataProduct) -> list[LineageNode]:
    """The datasets `product`'s owners declared as its inputs (manual edges),
    leaving out ports of products `user` may not see."""
    nodes = (
        LineageNode.objects.filter(downstream_edges__origin=LineageEdge.Origin.MANUAL, downstream_edges__downstream__port__product=product)
        .select_related("port__product")
        .distinct()
        .order_by("namespace", "name")
    )
    visible = set(
        visible_products(user).filter(pk__in={node.port.product_id for node in nodes if node.port_id}).values_list("pk", flat=True)
    )
    return [node for node in nodes if node.port_id is None or node.port.product_id in visible]


def may_see_impact(user: User | AnonymousUser, product: DataProduct) -> bool:
    """Impact analysis names consumers: the same people who may see the
    product's consumers (its team, stewards, admins) may see it."""
    return may_see_consumers(user, product)


@dataclass
class ImpactedProduct:
    product: DataProduct
    distance: int  # edges from the product's ports to the nearest port of this one
    owners: list = field(default_factory=list)  # the owning team's owners and the product owner
    consumers: list = field(default_factory=list)  # users holding a live grant on it


def impact_of(user: User | AnonymousUser, product: DataProduct) -> list[ImpactedProduct]:
    """Every product downstream of `product` that `user` may see (up to
    IMPACT_DEPTH edges away), nearest first, with its owners and the users
    holding live grants on it: who is hit when `product` breaks."""
    graph = lineage_graph(user, product, direction="downstream", depth=IMPACT_DEPTH)
    distances: dict[int, int] = {}
    for node in graph.nodes:
        if node.port_id is not None and node.port.product_id != product.pk:
            distances[node.port.product_id] = min(node.layer, distances.get(node.port.product_id, node.layer))
    products = list(visible_products(user).filter(pk__in=distances).select_related("domain", "owner_team", "product_owner"))
    owners: dict[int, set] = {}
    for membership in TeamMembership.objects.filter(
        team_id__in={p.owner_team_id for p in products}, role=TeamMembership.Role.OWNER
    ).select_related("user"):
        owners.setdefault(membership.team_id, set()).add(membership.user)
    consumers: dict[int, set] = {}
    for grant in Grant.objects.live().filter(product__in=products).select_related("user"):
        consumers.setdefault(grant.product_id, set()).add(grant.user)
    impacted = []
    for p in products:
        people = set(owners.get(p.owner_team_id, set()))
        if p.product_owner is not None:
            people.add(p.product_owner)
        impacted.append(
            ImpactedProduct(
                product=p,
                distance=distances[p.pk],
                owners=sorted(people, key=lambda u: u.username),
                consumers=sorted(consumers.get(p.pk, set()), key=lambda u: u.username),
            )
        )
    return sorted(impacted, key=lambda item: (item.distance, item.product.name))
