"""Lineage: ports' nodes that follow their locations, OpenLineage run
events, and the inputs owners declare."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from access_requests.queries import usable_port_ids
from catalog.models import DataProduct, OutputPort, TeamMembership
from catalog.queries import can_edit, visible_products
from catalog.services import NotTeamMember
from core.users import User

from . import openlineage
from .models import LineageEdge, LineageNode, LineageRun
from .openlineage import DatasetIdentity, LineageError

# Who may record what. Lineage edges say "downstream reads upstream", and the
# downstream end is what a writer vouches for:
# - an OpenLineage run event is recorded for a user who is a member of a team
#   (in practice a machine user's token). Its outputs are recorded when they
#   are output ports of a product one of their teams owns or external datasets
#   (no product's port); its inputs when they are external datasets or ports
#   of products the user can see: reading is not claiming. The other datasets
#   are accepted and not recorded, and the answer is the same as if they were:
#   whether a dataset is some product's port is not the caller's to learn.
#   Admins record every event whole.
# - an owner declares their product's inputs: edges from datasets they can see
#   (visible products' ports, or external datasets) into their product's ports.

MAX_DECLARED_INPUTS = 200
MAX_EDGES_PER_EVENT = 10_000


@dataclass
class InputSpec:
    """A declared input of a product: a product's port (all its ports when
    `port` is empty) or an external dataset (`namespace` + `name`)."""

    product: str = ""
    port: str = ""
    namespace: str = ""
    name: str = ""


def sync_port_nodes(product: DataProduct) -> None:
    """Give each of `product`'s ports its lineage node, named by its location
    (openlineage.dataset_identity). A port takes over an external node of the
    same identity, with its edges: events may name a dataset before an owner
    declares the port. When another port already holds the identity, the
    port is named by the fallback `dataproduct` + `<slug>/<port>` instead."""
    for port in product.output_ports.select_related("lineage_node", "product"):
        identity = openlineage.dataset_identity(port)
        current = getattr(port, "lineage_node", None)
        if current is not None and (current.namespace, current.name) == (identity.namespace, identity.name):
            continue
        holder = LineageNode.objects.filter(namespace=identity.namespace, name=identity.name).first()
        if holder is not None and holder.port_id is not None:
            identity = DatasetIdentity(openlineage.PORT_NAMESPACE, f"{product.slug}/{port.name}")
            holder = LineageNode.objects.filter(namespace=identity.namespace, name=identity.name).first()
            if holder is not None and holder.port_id not in (None, port.pk):
                continue
        if current is None and holder is None:
            LineageNode.objects.create(namespace=identity.namespace, name=identity.name, port=port)
        elif holder is None:
            current.namespace, current.name = identity.namespace, identity.name
            current.save(update_fields=["namespace", "name"])
        else:
            if current is not None and current.pk != holder.pk:
                _merge_node(current, into=holder)
            holder.port = port
            holder.save(update_fields=["port"])


def forget_port_location(port: OutputPort) -> None:
    """Before `port` is deleted: its lineage node, which stays in the graph as
    an external dataset (with the edges other teams' pipelines recorded),
    is renamed from the identity its location gave it to the port's fallback
    identity (`dataproduct` + `<slug>/<port>`): an external dataset's name is
    shown to everyone who sees the graph, a location only to those who may
    use the port. Called for every deletion, cascades included (catalog.signals)."""
    node = LineageNode.objects.filter(port=port).first()
    if node is None or node.namespace == openlineage.PORT_NAMESPACE:
        return
    name = f"{port.product.slug}/{port.name}"
    if LineageNode.objects.filter(namespace=openlineage.PORT_NAMESPACE, name=name).exclude(pk=node.pk).exists():
        name = f"{name}#{port.pk}"  # a port of the same name removed before
    node.namespace, node.name = openlineage.PORT_NAMESPACE, name
    node.save(update_fields=["namespace", "name"])


def _merge_node(node: LineageNode, *, into: LineageNode) -> None:
    """Move `node`'s edges to `into` (keeping one edge per pair and origin), then delete `node`."""
    for edge in LineageEdge.objects.filter(Q(upstream=node) | Q(downstream=node)):
        upstream = into if edge.upstream_id == node.pk else edge.upstream
        downstream = into if edge.downstream_id == node.pk else edge.downstream
        twin = LineageEdge.objects.filter(
            upstream=upstream, downstream=downstream, origin=edge.origin, job_namespace=edge.job_namespace, job_name=edge.job_name
        )
        if upstream == downstream or twin.exists():
            edge.delete()
        else:
            edge.upstream, edge.downstream = upstream, downstream
            edge.save(update_fields=["upstream", "downstream"])
    node.delete()


def _nodes_by_identity(identities) -> dict[DatasetIdentity, LineageNode]:
    identities = set(identities)
    names = {identity.name for identity in identities}
    found = LineageNode.objects.filter(name__in=names).select_related("port__product")
    return {key: node for node in found if (key := DatasetIdentity(node.namespace, node.name)) in identities}


def _get_or_create_nodes(identities) -> dict[DatasetIdentity, LineageNode]:
    """The nodes of `identities`, creating external nodes for the unknown ones."""
    identities = set(identities)
    nodes = _nodes_by_identity(identities)
    missing = [LineageNode(namespace=i.namespace, name=i.name) for i in identities if i not in nodes]
    if missing:
        LineageNode.objects.bulk_create(missing, ignore_conflicts=True)
        nodes = _nodes_by_identity(identities)
    return nodes


@dataclass
class IngestResult:
    run: LineageRun
    recorded: bool  # False: the same run id and event type was received before; nothing changed
    edges: int


@transaction.atomic
def ingest_run_event(data, *, by: User) -> IngestResult:
    """Record an OpenLineage RunEvent sent by `by` (see the rule above). A
    COMPLETE event records an edge from every input to every output, with the
    job, the run and the columnLineage facet; unknown datasets become
    external nodes; a `schema` facet on an output is kept as that dataset's
    observed schema. A repeated event (run id and event type) changes
    nothing. Datasets `by` may not record (_unrecorded_datasets) are left
    out, and the answer does not say so. All or nothing: a refused event
    stores nothing."""
    event = openlineage.parse_run_event(data)
    if len(event.inputs) * len(event.outputs) > MAX_EDGES_PER_EVENT:
        raise LineageError(f"An event may record at most {MAX_EDGES_PER_EVENT} edges (inputs × outputs).", field="outputs")
    if not by.is_superuser and not TeamMembership.objects.filter(user=by).exists():
        raise NotTeamMember("Only members of a team may record lineage.", field="detail")
    unrecorded = _unrecorded_datasets(event, by=by)
    run, created = LineageRun.objects.get_or_create(
        run_id=event.run_id,
        event_type=event.event_type,
        defaults={
            "event_time": event.event_time,
            "job_namespace": event.job_namespace,
            "job_name": event.job_name,
            "producer": event.producer,
            "received_by": by,
        },
    )
    if not created:
        return IngestResult(run=run, recorded=False, edges=0)
    nodes = _get_or_create_nodes(dataset.identity for dataset in [*event.inputs, *event.outputs] if dataset.identity not in unrecorded)
    observed = []
    for dataset in event.outputs:
        if dataset.schema is not None and dataset.identity in nodes:
            node = nodes[dataset.identity]
            node.observed_schema, node.observed_at = dataset.schema, event.event_time
            observed.append(node)
    LineageNode.objects.bulk_update(observed, ["observed_schema", "observed_at"])
    edges = 0
    if event.event_type == "COMPLETE":
        edges = _record_event_edges(event, nodes)
        run.edge_count = edges
        run.save(update_fields=["edge_count"])
    return IngestResult(run=run, recorded=True, edges=edges)


def _unrecorded_datasets(event: openlineage.RunEvent, *, by: User) -> set[DatasetIdentity]:
    """The datasets of `event` that are accepted but not recorded: outputs on
    an output port of a product none of `by`'s teams owns, and inputs on a
    port of a product `by` may not see. Recording them would change another
    team's lineage; refusing them would tell the caller that a location is
    some product's port, visible or not. Admins record everything."""
    if by.is_superuser:
        return set()
    known = _nodes_by_identity(dataset.identity for dataset in [*event.inputs, *event.outputs])
    ports = {identity: node.port for identity, node in known.items() if node.port_id is not None}
    if not ports:
        return set()
    team_ids = set(TeamMembership.objects.filter(user=by).values_list("team_id", flat=True))
    visible = set(visible_products(by).filter(pk__in={port.product_id for port in ports.values()}).values_list("pk", flat=True))
    unrecorded = {
        dataset.identity
        for dataset in event.outputs
        if dataset.identity in ports and ports[dataset.identity].product.owner_team_id not in team_ids
    }
    unrecorded |= {
        dataset.identity for dataset in event.inputs if dataset.identity in ports and ports[dataset.identity].product_id not in visible
    }
    return unrecorded


def _record_event_edges(event: openlineage.RunEvent, nodes: dict[DatasetIdentity, LineageNode]) -> int:
    """Record the event's edges between the datasets in `nodes` (the others
    are not recorded: _unrecorded_datasets). Returns the number of edges the
    event names, recorded or not, so the answer is the same either way."""
    named = {
        (source.identity, output.identity) for output in event.outputs for source in event.inputs if source.identity != output.identity
    }
    wanted = {}
    for output in event.outputs:
        for source in event.inputs:
            upstream, downstream = nodes.get(source.identity), nodes.get(output.identity)
            if upstream is None or downstream is None or upstream.pk == downstream.pk:
                continue  # not recorded; or a job that rewrites a table in place reads itself: no edge
            columns = {
                column: sorted(field["field"] for field in fields if (field["namespace"], field["name"]) == (source.namespace, source.name))
                for column, fields in output.column_lineage.items()
            }
            wanted[(upstream.pk, downstream.pk)] = {column: fields for column, fields in columns.items() if fields}
    existing = {
        (edge.upstream_id, edge.downstream_id): edge
        for edge in LineageEdge.objects.filter(
            origin=LineageEdge.Origin.OPENLINEAGE,
            job_namespace=event.job_namespace,
            job_name=event.job_name,
            upstream_id__in={pair[0] for pair in wanted},
            downstream_id__in={pair[1] for pair in wanted},
        )
    }
    seen = event.event_time
    to_update, to_create = [], []
    for (upstream_id, downstream_id), columns in wanted.items():
        edge = existing.get((upstream_id, downstream_id))
        if edge is None:
            to_create.append(
                LineageEdge(
                    upstream_id=upstream_id,
                    downstream_id=downstream_id,
                    origin=LineageEdge.Origin.OPENLINEAGE,
                    job_namespace=event.job_namespace,
                    job_name=event.job_name,
                    run_id=event.run_id,
                    column_lineage=columns,
                    last_seen=seen,
                )
            )
        elif edge.last_seen <= seen:
            edge.run_id, edge.last_seen, edge.column_lineage = event.run_id, seen, columns or edge.column_lineage
            to_update.append(edge)
    LineageEdge.objects.bulk_create(to_create)
    LineageEdge.objects.bulk_update(to_update, ["run_id", "last_seen", "column_lineage"])
    return len(named)


@transaction.atomic
def set_product_inputs(product: DataProduct, *, by: User, inputs: Iterable[InputSpec]) -> list[LineageEdge]:
    """Replace the inputs `product`'s owners declared: an edge from each input
    into each of the product's output ports (origin manual). Edges recorded
    by OpenLineage events are left alone. `by` must be allowed to edit the
    product; an input product must be one `by` can see."""
    if not can_edit(by, product):
        raise NotTeamMember("Only members of the owning team can declare this product's inputs.", field="inputs")
    inputs = list(inputs)
    if len(inputs) > MAX_DECLARED_INPUTS:
        raise LineageError(f"A product can declare at most {MAX_DECLARED_INPUTS} inputs.", field="inputs")
    targets = list(LineageNode.objects.filter(port__product=product))
    if inputs and not targets:
        raise LineageError("Add an output port before declaring inputs: lineage edges end at ports.", field="inputs")
    upstream_ids: set[int] = set()
    visible = visible_products(by)
    for index, spec in enumerate(inputs):
        upstream_ids |= _declared_input_nodes(spec, f"inputs[{index}]", product=product, visible=visible, by=by)
    manual = LineageEdge.objects.filter(origin=LineageEdge.Origin.MANUAL, downstream__in=targets)
    manual.exclude(upstream_id__in=upstream_ids).delete()
    have = set(manual.values_list("upstream_id", "downstream_id"))
    now = timezone.now()
    LineageEdge.objects.bulk_create(
        [
            LineageEdge(upstream_id=upstream_id, downstream=target, origin=LineageEdge.Origin.MANUAL, last_seen=now)
            for upstream_id in sorted(upstream_ids)
            for target in targets
            if (upstream_id, target.pk) not in have
        ]
    )
    return list(manual.order_by("upstream_id", "downstream_id"))


def _declared_input_nodes(spec: InputSpec, path: str, *, product: DataProduct, visible, by: User) -> set[int]:
    if spec.product:
        source = visible.filter(slug=spec.product).first()
        if source is None:
            raise LineageError(f"{path}: there is no data product {spec.product!r} you can see.", field=f"{path}.product")
        if source.pk == product.pk:
            raise LineageError(f"{path}: a product cannot be its own input.", field=f"{path}.product")
        ports = source.output_ports.all()
        if spec.port:
            ports = ports.filter(name=spec.port)
            if not ports.exists():
                raise LineageError(f"{path}: {source.name} has no output port {spec.port!r}.", field=f"{path}.port")
        nodes = set(LineageNode.objects.filter(port__in=ports).values_list("pk", flat=True))
        if not nodes:
            raise LineageError(f"{path}: {source.name} has no output ports to read.", field=f"{path}.product")
        return nodes
    if not (spec.namespace.strip() and spec.name.strip()):
        raise LineageError(f"{path}: name a data product, or an external dataset by namespace and name.", field=path)
    identity = DatasetIdentity(spec.namespace.strip()[:500], spec.name.strip()[:1000])
    node = _get_or_create_nodes([identity])[identity]
    if node.port_id is not None and node.port.product_id == product.pk:
        raise LineageError(f"{path}: a product cannot be its own input.", field=path)
    # A port named by its location, which `by` may not use (so may not know):
    # accepted like any dataset, and not recorded. Refusing it would confirm
    # that the location is some product's port; recording it would name that
    # product and port among the inputs. A port is declared by its product.
    if node.port_id is not None and not usable_port_ids(by, node.port.product, [node.port_id]):
        return set()
    return {node.pk}
