"""Reads that depend on who asks. Pages, API and (later) search and tasks
use these, so every one of them shows a user exactly the same products."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from .models import DataProduct, Domain, LineageEdge, LineageNode, OutputPort, SchemaField, Tag, Team, TeamMembership
from .search.types import WORD, WORD_PART
from .visibility import visibility_for

if TYPE_CHECKING:
    from .samples import SampleTable


def visible_products(user) -> QuerySet[DataProduct]:
    """Products `user` may see (catalog.visibility): every non-draft product
    for a signed-in user, plus the drafts their teams own; admins see all."""
    if not user.is_authenticated:
        return DataProduct.objects.none()
    return DataProduct.objects.filter(visibility_for(user).q())


def editable_products(user) -> QuerySet[DataProduct]:
    """Products `user` may change: their teams' products (change permission)."""
    if not user.is_authenticated:
        return DataProduct.objects.none()
    return get_objects_for_user(user, "catalog.change_dataproduct", klass=DataProduct, accept_global_perms=True)


def can_edit(user, product: DataProduct) -> bool:
    return user.is_authenticated and user.has_perm("catalog.change_dataproduct", product)


def is_steward(user) -> bool:
    """Whether `user` is a governance steward (a member of settings.STEWARDS_GROUP)."""
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_is_steward", None)
    if cached is None:
        cached = user.groups.filter(name=settings.STEWARDS_GROUP).exists()
        user._is_steward = cached
    return cached


def is_team_member(user, team: Team) -> bool:
    return user.is_authenticated and TeamMembership.objects.filter(team=team, user=user).exists()


def may_see_consumers(user, product: DataProduct) -> bool:
    """Who uses a product (its consumers, and the impact analysis that names
    them) is for its owning team, governance stewards and admins."""
    return user.is_superuser or is_steward(user) or is_team_member(user, product.owner_team)


# A missing product and one `user` may not see get the same answer, so a
# slug tells nobody whether a draft exists.
PRODUCT_NOT_FOUND = "No data product here, or you may not see it."


def visible_product_or_404(user, slug: str, products: QuerySet[DataProduct] | None = None) -> DataProduct:
    """The product with `slug` that `user` may see, with its domain and team,
    else Http404(PRODUCT_NOT_FOUND). `products` narrows or enriches the
    lookup; it must be drawn from visible_products(user)."""
    if products is None:
        products = visible_products(user).select_related("domain", "owner_team")
    try:
        return products.get(slug=slug)
    except DataProduct.DoesNotExist:
        raise Http404(PRODUCT_NOT_FOUND) from None


def product_detail(user, slug: str) -> DataProduct:
    """The product page's product with everything it shows, in a constant
    number of queries. Http404 when `user` may not see it (visible_product_or_404)."""
    ports = (
        OutputPort.objects.order_by("name")
        .select_related("lineage_node")
        .prefetch_related(Prefetch("fields", SchemaField.objects.order_by("position", "name")))
    )
    return visible_product_or_404(user, slug, visible_products(user).with_card_data().prefetch_related(Prefetch("output_ports", ports)))


def product_list(user) -> QuerySet[DataProduct]:
    return visible_products(user).with_card_data()


def domains_with_counts(user) -> QuerySet[Domain]:
    """Domains with the number of products `user` can see in each."""
    visible = visible_products(user).values("pk")
    return Domain.objects.select_related("owner_team").annotate(
        product_count=Count("products", filter=Q(products__in=visible))
    )


def newest_products(user, limit: int = 6) -> QuerySet[DataProduct]:
    return product_list(user).filter(status=DataProduct.Status.PUBLISHED).order_by("-created_at")[:limit]


def most_requested_products(user, limit: int = 6) -> QuerySet[DataProduct]:
    """Published products with the most access requests, most first."""
    return (
        product_list(user)
        .filter(status=DataProduct.Status.PUBLISHED)
        .annotate(request_count=Count("access_requests"))
        .filter(request_count__gt=0)
        .order_by("-request_count", "name")[:limit]
    )


def teams_of(user) -> QuerySet[Team]:
    if user.is_superuser:
        return Team.objects.all()
    return Team.objects.filter(memberships__user=user).distinct()


def may_use(user, product: DataProduct) -> bool:
    """May `user` use `product` now: see its ports' locations and real sample
    values. Its owning team and admins may; others need a live grant (the
    one function every page, endpoint and task asks)."""
    if not user.is_authenticated:
        return False
    if can_edit(user, product):
        return True
    from access_requests.queries import has_live_grant

    return has_live_grant(user, product)


def popular_tags(user, limit: int = 12) -> QuerySet[Tag]:
    """The tags on most of the products `user` can see."""
    visible = visible_products(user).values("pk")
    return (
        Tag.objects.annotate(product_count=Count("products", filter=Q(products__in=visible)))
        .filter(product_count__gt=0)
        .order_by("-product_count", "name")[:limit]
    )


# --- lineage -------------------------------------------------------------------

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


def lineage_walk(user, product: DataProduct, *, direction: str = "both", depth: int = 3) -> tuple[dict[int, int], list[tuple[int, int]]]:
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


def lineage_graph(user, product: DataProduct, *, direction: str = "both", depth: int = 3) -> LineageGraph:
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
        product=product, direction=direction, depth=max(0, min(depth, LINEAGE_MAX_DEPTH)), nodes=nodes, edges=edges,
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
        rows = LineageEdge.objects.filter(upstream_id__in=upstreams[start : start + 500]).order_by("origin", "job_name").values_list(*columns)
        for upstream, downstream, *fields in rows:
            if (upstream, downstream) in pairs:
                origins[(upstream, downstream)].append(EdgeOrigin(*fields))
    return origins


def declared_inputs(user, product: DataProduct) -> list[LineageNode]:
    """The datasets `product`'s owners declared as its inputs (manual edges),
    leaving out ports of products `user` may not see."""
    nodes = (
        LineageNode.objects.filter(
            downstream_edges__origin=LineageEdge.Origin.MANUAL, downstream_edges__downstream__port__product=product
        )
        .select_related("port__product")
        .distinct()
        .order_by("namespace", "name")
    )
    visible = set(visible_products(user).filter(pk__in={node.port.product_id for node in nodes if node.port_id}).values_list("pk", flat=True))
    return [node for node in nodes if node.port_id is None or node.port.product_id in visible]


def may_see_impact(user, product: DataProduct) -> bool:
    """Impact analysis names consumers: the same people who may see the
    product's consumers (its team, stewards, admins) may see it."""
    return may_see_consumers(user, product)


@dataclass
class ImpactedProduct:
    product: DataProduct
    distance: int  # edges from the product's ports to the nearest port of this one
    owners: list = field(default_factory=list)  # the owning team's owners and the product owner
    consumers: list = field(default_factory=list)  # users holding a live grant on it


def impact_of(user, product: DataProduct) -> list[ImpactedProduct]:
    """Every product downstream of `product` that `user` may see (up to
    IMPACT_DEPTH edges away), nearest first, with its owners and the users
    holding live grants on it: who is hit when `product` breaks."""
    from access_requests.models import Grant

    from .models import TeamMembership

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


# --- service level objectives and samples ----------------------------------------


def _granted_port_ids(user, product: DataProduct, port_ids: set, **grant_filters) -> set:
    """Of `port_ids`, those a live grant of `user` on `product` covers (a
    grant without a port covers every port). Checked against the guardian
    permission too, as has_live_grant does."""
    from access_requests.models import Grant

    if not user.has_perm("catalog.access_dataproduct", product):
        return set()
    covered = set(Grant.objects.live().filter(user=user, product=product, **grant_filters).values_list("port_id", flat=True))
    return port_ids if None in covered else port_ids & covered


def usable_port_ids(user, product: DataProduct, port_ids) -> set:
    """Of these ports of `product`, those `user` may use now and whose
    location they see: every port for its team and admins; for others, the
    ports their live grants cover (a grant for one port shows that port's)."""
    port_ids = set(port_ids)
    if not user.is_authenticated or not port_ids:
        return set()
    if can_edit(user, product):
        return port_ids
    return _granted_port_ids(user, product, port_ids)


LOCATION_MATCHES_AT_MOST = 200  # ports looked at for one search (an admin's words may match thousands)


def products_found_by_location(user, terms: list[str]) -> frozenset[int]:
    """The products with an output port whose location has every one of the
    words `terms` (each the start of one of its words, as search matches
    words) and which `user` may use (usable_port_ids decides). Search adds
    these to the products its index finds: locations are kept out of the
    index, so that nobody else finds a product, a snippet or a word by one.
    The ports looked at are those of products `user` can edit or holds a
    live grant on (a handful); usable_port_ids then applies the rule."""
    from access_requests.models import Grant

    if not terms or not user.is_authenticated:
        return frozenset()
    ports = OutputPort.objects.exclude(location="")
    if not user.is_superuser:
        granted = Grant.objects.live().filter(user=user).values("product_id")
        ports = ports.filter(Q(product__in=editable_products(user).values("pk")) | Q(product__in=granted))
    for term in terms:
        ports = ports.filter(location__icontains=term)
    by_product: dict[int, list[OutputPort]] = {}
    for port in ports.select_related("product").order_by("pk")[:LOCATION_MATCHES_AT_MOST]:
        words = WORD.findall(port.location.lower())
        words += [part for word in words for part in WORD_PART.findall(word)]
        if all(any(word.startswith(term) for word in words) for term in terms):
            by_product.setdefault(port.product_id, []).append(port)
    return frozenset(
        product_id
        for product_id, matching in by_product.items()
        if usable_port_ids(user, matching[0].product, [port.pk for port in matching])
    )


def revealed_port_ids(user, product: DataProduct, port_ids) -> set:
    """Of these ports of `product`, those whose sensitive sample columns
    `user` may see unmasked: all of them for its team, admins and stewards
    (who govern it); for others, the ports a live grant with full read
    access covers (a read-masked grant covers none). Everyone else sees
    them masked (catalog.samples)."""
    from access_requests.models import AccessRequest

    port_ids = set(port_ids)
    if not user.is_authenticated or not port_ids:
        return set()
    if is_steward(user) or can_edit(user, product):
        return port_ids
    return _granted_port_ids(user, product, port_ids, access=AccessRequest.Access.READ)


def sees_real_values(user, product: DataProduct, port: OutputPort | None = None) -> bool:
    """May `user` see the real values of the sensitive sample columns of
    `port` (without one: of every port, as a grant for the whole product
    allows)? See revealed_port_ids."""
    return bool(revealed_port_ids(user, product, [port.pk if port is not None else None]))


def slos_of(product: DataProduct) -> QuerySet:
    """A product's objectives with their stored status, product-wide ones first."""
    from .models import ServiceLevelObjective

    return ServiceLevelObjective.objects.filter(product=product).select_related("port").order_by(
        "port__name", "indicator", "name", "pk"
    )


def writable_slos(user) -> QuerySet:
    """Objectives of the products `user` may change: what their pipelines may send measurements for."""
    from .models import ServiceLevelObjective

    return ServiceLevelObjective.objects.filter(product__in=editable_products(user).values("pk"))


def visible_slos(user) -> QuerySet:
    from .models import ServiceLevelObjective

    return ServiceLevelObjective.objects.filter(product__in=visible_products(user).values("pk")).select_related("product", "port")


def visible_samples(user, product: DataProduct, ports=None) -> dict[int, "SampleTable"]:
    """Each output port's sample as `user` may see it, by port id: sensitive
    columns masked unless they may see that port's real values (revealed_port_ids). Pages and API read
    samples only through here. `ports` may pass the ports already loaded
    (with their fields prefetched) to save queries."""
    from . import samples
    from .models import Sample

    ports = list(ports if ports is not None else product.output_ports.prefetch_related("fields"))
    stored = {sample.port_id: sample for sample in Sample.objects.filter(port__in=[port.pk for port in ports])}
    if not stored:
        return {}
    revealed = revealed_port_ids(user, product, stored)
    return {
        port.pk: samples.sample_table(stored[port.pk], port.fields.all(), reveal=port.pk in revealed) for port in ports if port.pk in stored
    }
