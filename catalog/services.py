"""Every write to the catalog, one named function each.

HTML views, API views, the admin and the management commands call these;
none of them repeats a rule written here.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field as dataclass_field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Case, Count, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from core.errors import Conflict, Forbidden, ServiceError

from . import openlineage, samples, slo as slo_rules
from .models import (
    DataProduct,
    DataProductGroupObjectPermission,
    Domain,
    LineageEdge,
    LineageNode,
    LineageRun,
    OutputPort,
    Sample,
    SchemaField,
    ServiceLevelObjective,
    SLOMeasurement,
    SLOStatus,
    Tag,
    Team,
    TeamMembership,
)
from .openlineage import DatasetIdentity, LineageError
from .queries import can_edit, is_team_member, usable_port_ids, visible_products, writable_slos
from .tags import TagLimitError, clean_tags

# What the owning team's members may do with their products (object permissions).
TEAM_PRODUCT_PERMISSIONS = ("catalog.view_dataproduct", "catalog.change_dataproduct")
MAX_PORTS = 50
MAX_FIELDS_PER_PORT = 500


class CatalogError(ServiceError):
    """A refused change to the catalog. `field` names the input it is about, when there is one."""


class TransitionError(CatalogError, Conflict):
    """A lifecycle change the product's current status does not allow."""


class NotTeamMember(CatalogError, Forbidden):
    pass


@dataclass
class FieldSpec:
    name: str
    data_type: str
    description: str = ""
    required: bool = False
    primary_key: bool = False
    classification: str = ""
    is_pii: bool = False


@dataclass
class PortSpec:
    name: str
    port_type: str = OutputPort.PortType.TABLE
    format: str = ""
    location: str = ""
    version: str = "1.0.0"
    description: str = ""
    fields: list[FieldSpec] = dataclass_field(default_factory=list)


# --- popularity ------------------------------------------------------------


def refresh_consumer_counts(product_ids: Iterable[int], *, now: datetime | None = None) -> None:
    """Recount each product's consumers: distinct people holding a grant
    live at `now` (default: the current time). Search ranks "most used" by it."""
    from access_requests.models import Grant

    product_ids = list(product_ids)
    counts = dict(
        Grant.objects.live(now)
        .filter(product_id__in=product_ids)
        .values("product")
        .annotate(consumers=Count("user", distinct=True))
        .values_list("product", "consumers")
    )
    for product in DataProduct.objects.filter(pk__in=product_ids).only("pk", "consumer_count"):
        count = counts.get(product.pk, 0)
        if product.consumer_count != count:
            product.consumer_count = count
            product.save(update_fields=["consumer_count"])


# --- teams -----------------------------------------------------------------


def create_team(*, name: str, slug: str, description: str = "", contact_email: str = "") -> Team:
    """Create a team and the auth group its object permissions are given to."""
    return Team.objects.create(name=name, slug=slug, description=description, contact_email=contact_email)


def add_team_member(team: Team, *, user, role: str = TeamMembership.Role.DEVELOPER) -> TeamMembership:
    """Make `user` a member of `team` with `role` (or change their role). The
    membership signal adds them to the team's group, so they may edit its products."""
    membership, _ = TeamMembership.objects.update_or_create(team=team, user=user, defaults={"role": role})
    return membership


# --- products --------------------------------------------------------------


def _check_may_assign_team(by, team: Team) -> None:
    if not (by.is_superuser or is_team_member(by, team)):
        raise NotTeamMember("You can only assign a product to a team you are a member of.", field="owner_team")


def _set_tags(product: DataProduct, names: Iterable[str]) -> None:
    try:
        cleaned = clean_tags(names)
    except TagLimitError as error:
        raise CatalogError(str(error), field="tags") from None
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=cleaned)}
    missing = [Tag(name=name) for name in cleaned if name not in existing]
    Tag.objects.bulk_create(missing, ignore_conflicts=True)
    product.tags.set(Tag.objects.filter(name__in=cleaned))


def grant_team_permissions(product: DataProduct) -> None:
    """Give the owning team's group view and change permissions on `product`,
    and take them from any team that owned it before."""
    DataProductGroupObjectPermission.objects.filter(content_object=product).exclude(
        group=product.owner_team.group
    ).filter(permission__codename__in=[perm.split(".")[1] for perm in TEAM_PRODUCT_PERMISSIONS]).delete()
    for perm in TEAM_PRODUCT_PERMISSIONS:
        assign_perm(perm, product.owner_team.group, product)


def team_permission_rows(products: Iterable[DataProduct]) -> list[DataProductGroupObjectPermission]:
    """Unsaved permission rows for bulk loads (generate_catalog); the same
    permissions grant_team_permissions gives one product at a time."""
    permissions = list(
        Permission.objects.filter(
            content_type__app_label="catalog", codename__in=[perm.split(".")[1] for perm in TEAM_PRODUCT_PERMISSIONS]
        )
    )
    return [
        DataProductGroupObjectPermission(content_object=product, group_id=product.owner_team.group_id, permission=permission)
        for product in products
        for permission in permissions
    ]


@transaction.atomic
def create_product(
    *,
    by,
    domain: Domain,
    owner_team: Team,
    slug: str,
    name: str,
    summary: str,
    tags: Iterable[str] = (),
    ports: Iterable[PortSpec] | None = None,
    inputs: Iterable["InputSpec"] | None = None,
    product_owner=None,
    **attributes,
) -> DataProduct:
    """Create a draft (or, with status=..., a product in any starting status)
    owned by `owner_team`, whose members get view and change permissions.
    `by` must be a member of that team or a superuser; they become the product
    owner unless `product_owner` is given."""
    _check_may_assign_team(by, owner_team)
    if attributes.get("status", DataProduct.Status.DRAFT) not in (DataProduct.Status.DRAFT, DataProduct.Status.PUBLISHED):
        raise CatalogError("A new data product starts as a draft or published.", field="status")
    if DataProduct.objects.filter(slug=slug).exists():
        raise CatalogError(f"A data product with the slug {slug!r} already exists.", field="slug")
    product = DataProduct(
        domain=domain,
        owner_team=owner_team,
        slug=slug,
        name=name,
        summary=summary,
        product_owner=product_owner or (by if by.is_authenticated and not by.is_anonymous else None),
        **attributes,
    )
    product.full_clean(exclude=["product_owner"])
    product.save()
    _set_tags(product, tags)
    if ports is not None:
        set_output_ports(product, ports=ports)
    grant_team_permissions(product)
    if inputs is not None:
        set_product_inputs(product, by=by, inputs=inputs)
    return product


UPDATABLE_FIELDS = {
    "name",
    "summary",
    "description",
    "domain",
    "owner_team",
    "kind",
    "version",
    "classification",
    "contains_pii",
    "terms_of_use",
    "documentation_url",
    "product_owner",
}


@transaction.atomic
def update_product(
    product: DataProduct,
    *,
    by,
    tags: Iterable[str] | None = None,
    ports: Iterable[PortSpec] | None = None,
    inputs: Iterable["InputSpec"] | None = None,
    status: str | None = None,
    **changes,
) -> DataProduct:
    """Change `product`'s descriptive fields, tags, output ports, declared inputs and status.
    A status change must follow the lifecycle (TransitionError otherwise); a
    new owning team must be one `by` belongs to, and receives the team
    permissions (the old team loses them). The slug and address never change."""
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        raise CatalogError(f"{', '.join(sorted(unknown))} cannot be changed.", field=sorted(unknown)[0])
    product = DataProduct.objects.select_for_update().get(pk=product.pk)
    before = {"owner_team": product.owner_team.slug, "status": product.status, "classification": product.classification, "contains_pii": product.contains_pii}
    team_changed = "owner_team" in changes and changes["owner_team"].pk != product.owner_team_id
    if team_changed:
        _check_may_assign_team(by, changes["owner_team"])
    for name, value in changes.items():
        setattr(product, name, value)
    if status is not None and status != product.status:
        _apply_status(product, status)
    product.full_clean(exclude=["product_owner"])
    product.save()
    if tags is not None:
        _set_tags(product, tags)
    if ports is not None:
        set_output_ports(product, ports=ports)
    if team_changed:
        grant_team_permissions(product)
    if inputs is not None:
        set_product_inputs(product, by=by, inputs=inputs)
    _audit_governance_changes(product, before, by=by)
    return product


def _audit_governance_changes(product: DataProduct, before: dict, *, by) -> None:
    """Changes that decide who may use a product, and how, go into the audit trail."""
    from audit import trail

    after = {"owner_team": product.owner_team.slug, "status": product.status, "classification": product.classification, "contains_pii": product.contains_pii}
    actions = {"owner_team": "product.owner_changed", "status": "product.status_changed", "classification": "product.classification_changed", "contains_pii": "product.classification_changed"}
    changed: dict[str, dict] = {}
    for name, action in actions.items():
        if before[name] != after[name]:
            changed.setdefault(action, {})[name] = {"from": before[name], "to": after[name]}
    for action, payload in changed.items():
        trail.record(action, actor=by, obj=product, product=product, payload=payload)


def _apply_status(product: DataProduct, status: str) -> None:
    check_transition(product, status)
    product.status = status


def check_transition(product: DataProduct, status: str) -> None:
    """Raise CatalogError (TransitionError for a refused step) unless `product`
    may move from its current status to `status`. Forms call it to show the
    refusal on the field before anything is saved."""
    if status not in DataProduct.Status.values:
        raise CatalogError(f"{status!r} is not a lifecycle status.", field="status")
    if status not in DataProduct.TRANSITIONS[product.status]:
        allowed = ", ".join(product.allowed_next_statuses()) or "none"
        raise TransitionError(
            f"A {product.status} product cannot become {status} (allowed next: {allowed}).", field="status"
        )


@transaction.atomic
def change_status(product: DataProduct, *, by, status: str) -> DataProduct:
    """Move `product` along its lifecycle (draft → published → deprecated → retired)."""
    return update_product(product, by=by, status=status)


@transaction.atomic
def set_output_ports(product: DataProduct, *, ports: Iterable[PortSpec]) -> list[OutputPort]:
    """Replace `product`'s output ports and their schemas with `ports`. Ports
    are matched by name, so a kept port keeps its id (and, later, its samples)
    and its lineage node, renamed to follow the port's location. A removed
    port's node stays in the graph as an external dataset, named by its
    product and port rather than its location (forget_port_location)."""
    ports = list(ports)
    if len(ports) > MAX_PORTS:
        raise CatalogError(f"A product can have at most {MAX_PORTS} output ports.", field="output_ports")
    names = [port.name for port in ports]
    if len(set(names)) != len(names):
        raise CatalogError("Output port names must be unique within a product.", field="output_ports")
    product.output_ports.exclude(name__in=names).delete()
    saved = []
    for spec in ports:
        if len(spec.fields) > MAX_FIELDS_PER_PORT:
            raise CatalogError(f"Port {spec.name!r} has more than {MAX_FIELDS_PER_PORT} fields.", field="output_ports")
        field_names = [f.name for f in spec.fields]
        if len(set(field_names)) != len(field_names):
            raise CatalogError(f"Field names must be unique within port {spec.name!r}.", field="output_ports")
        port, _ = OutputPort.objects.update_or_create(
            product=product,
            name=spec.name,
            defaults={
                "port_type": spec.port_type,
                "format": spec.format,
                "location": spec.location,
                "version": spec.version,
                "description": spec.description,
            },
        )
        port.full_clean()
        port.fields.all().delete()
        schema = [
            SchemaField(
                port=port,
                position=position,
                name=f.name,
                data_type=f.data_type,
                description=f.description,
                required=f.required,
                primary_key=f.primary_key,
                classification=f.classification,
                is_pii=f.is_pii,
            )
            for position, f in enumerate(spec.fields)
        ]
        for schema_field in schema:
            schema_field.full_clean(exclude=["port"])
        SchemaField.objects.bulk_create(schema)
        saved.append(port)
    sync_port_nodes(product)
    return saved


# --- lineage ---------------------------------------------------------------
#
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
def ingest_run_event(data, *, by) -> IngestResult:
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


def _unrecorded_datasets(event: openlineage.RunEvent, *, by) -> set[DatasetIdentity]:
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
    unrecorded = {dataset.identity for dataset in event.outputs if dataset.identity in ports and ports[dataset.identity].product.owner_team_id not in team_ids}
    unrecorded |= {dataset.identity for dataset in event.inputs if dataset.identity in ports and ports[dataset.identity].product_id not in visible}
    return unrecorded


def _record_event_edges(event: openlineage.RunEvent, nodes: dict[DatasetIdentity, LineageNode]) -> int:
    """Record the event's edges between the datasets in `nodes` (the others
    are not recorded: _unrecorded_datasets). Returns the number of edges the
    event names, recorded or not, so the answer is the same either way."""
    named = {(source.identity, output.identity) for output in event.outputs for source in event.inputs if source.identity != output.identity}
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
def set_product_inputs(product: DataProduct, *, by, inputs: Iterable[InputSpec]) -> list[LineageEdge]:
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


def _declared_input_nodes(spec: InputSpec, path: str, *, product: DataProduct, visible, by) -> set[int]:
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


# --- service level objectives ----------------------------------------------------


class SLOError(CatalogError):
    pass


SLO_FIELDS = ("indicator", "name", "description", "operator", "threshold", "unit", "target", "window_days", "port")
MAX_SLOS_PER_PRODUCT = 30
MAX_ID = 2**63 - 1  # the largest key a BigAutoField holds


def _check_may_edit(by, product: DataProduct, what: str) -> None:
    if not (by.is_authenticated and by.has_perm("catalog.change_dataproduct", product)):
        raise NotTeamMember(f"Only members of the owning team can {what}.")


def validate_slo(slo: ServiceLevelObjective) -> None:
    """Fill the indicator's defaults and check the objective makes sense; SLOError names the field."""
    if slo.indicator not in ServiceLevelObjective.Indicator.values:
        raise SLOError(f"{slo.indicator!r} is not an indicator; use one of {', '.join(ServiceLevelObjective.Indicator.values)}.", field="indicator")
    default_operator, default_unit = slo_rules.INDICATOR_DEFAULTS[slo.indicator]
    slo.operator = slo.operator or default_operator
    if slo.unit is None:
        slo.unit = default_unit
    if slo.operator not in ServiceLevelObjective.Operator.values:
        raise SLOError("The comparison is lte (at most) or gte (at least).", field="operator")
    allowed = slo_rules.INDICATOR_UNITS[slo.indicator]
    if slo.unit not in allowed:
        words = ", ".join(f"'{unit}'" if unit else "none" for unit in map(str, allowed))
        raise SLOError(f"{slo.get_indicator_display()} is measured in {words}, not {slo.unit or 'no unit'!r}.", field="unit")
    if slo.indicator == ServiceLevelObjective.Indicator.CUSTOM and not slo.name.strip():
        raise SLOError("Name a custom indicator, e.g. \"duplicate rate\".", field="name")
    for name in ("threshold", "target"):
        value = getattr(slo, name)
        if not slo_rules.is_number(value):
            raise SLOError(f"The {name} must be a number.", field=name)
    if problem := slo_rules.impossible_value(slo.threshold, unit=slo.unit):
        raise SLOError(problem, field="threshold")
    if not 0 < slo.target <= 100:
        raise SLOError("The target attainment is a percentage above 0 and at most 100, e.g. 99.5.", field="target")
    if isinstance(slo.window_days, bool) or not isinstance(slo.window_days, int) or not 1 <= slo.window_days <= slo_rules.MAX_WINDOW_DAYS:
        raise SLOError(f"The window is 1 to {slo_rules.MAX_WINDOW_DAYS} days.", field="window_days")
    if slo.port_id is not None and slo.port.product_id != slo.product_id:
        raise SLOError("The output port must be one of this product's.", field="port")
    slo.full_clean(exclude=["product", "port", "unit"])


@transaction.atomic
def define_slo(product: DataProduct, *, by, indicator: str, threshold: float, target: float, window_days: int = 28,
               operator: str = "", unit: str | None = None, name: str = "", description: str = "", port: OutputPort | None = None) -> ServiceLevelObjective:
    """Add a service level objective to `product` (owning team or admins).
    Operator and unit default to the indicator's (freshness: ≤ hours). The
    product's status is recomputed: a new SLO has no data yet."""
    _check_may_edit(by, product, "change this product's objectives")
    if product.slos.count() >= MAX_SLOS_PER_PRODUCT:
        raise SLOError(f"A product can have at most {MAX_SLOS_PER_PRODUCT} objectives.", field="indicator")
    slo = ServiceLevelObjective(
        product=product, port=port, indicator=indicator, threshold=threshold, target=target, window_days=window_days,
        operator=operator, unit=unit, name=name.strip(), description=description,
    )
    validate_slo(slo)
    slo.save()
    refresh_slo_statuses(product_ids=[product.pk])
    slo.refresh_from_db()
    return slo


@transaction.atomic
def update_slo(slo: ServiceLevelObjective, *, by, **changes) -> ServiceLevelObjective:
    """Change an objective. Stored measurements follow: a new unit of the
    same kind converts their values, and a new threshold, comparison or unit
    judges them all again, so history is read against the promise as it is now."""
    unknown = set(changes) - set(SLO_FIELDS)
    if unknown:
        raise SLOError(f"{', '.join(sorted(unknown))} cannot be changed.", field=sorted(unknown)[0])
    slo = ServiceLevelObjective.objects.select_for_update().select_related("product").get(pk=slo.pk)
    _check_may_edit(by, slo.product, "change this product's objectives")
    before = (slo.unit, slo.operator, slo.threshold)
    if "indicator" in changes and changes["indicator"] != slo.indicator:
        # A different indicator takes its own defaults unless they are given.
        changes.setdefault("operator", "")
        changes.setdefault("unit", None)
    for name, value in changes.items():
        setattr(slo, name, value.strip() if name == "name" else value)
    validate_slo(slo)
    slo.save()
    if slo.unit != before[0]:
        try:
            factor = slo_rules.convert(1.0, from_unit=before[0], to_unit=slo.unit)
        except slo_rules.UnitMismatch as error:
            if slo.measurements.exists():
                raise SLOError(f"{error} Its measurements would lose their meaning; create a new objective instead.", field="unit") from None
            factor = 1.0
        slo.measurements.update(value=F("value") * factor)
    if (slo.unit, slo.operator, slo.threshold) != before:
        good = Q(value__lte=slo.threshold) if slo.operator == ServiceLevelObjective.Operator.AT_MOST else Q(value__gte=slo.threshold)
        slo.measurements.update(good=Case(When(good, then=Value(True)), default=Value(False)))
    refresh_slo_statuses(product_ids=[slo.product_id])
    slo.refresh_from_db()
    return slo


@transaction.atomic
def delete_slo(slo: ServiceLevelObjective, *, by) -> None:
    """Remove an objective and its measurements; the product's status is recomputed."""
    _check_may_edit(by, slo.product, "change this product's objectives")
    product_id = slo.product_id
    slo.delete()
    refresh_slo_statuses(product_ids=[product_id])


@dataclass
class MeasurementsResult:
    received: int
    stored: int
    duplicates: int
    slos: list[ServiceLevelObjective]


@dataclass(frozen=True)
class Measurement:
    """One measurement of a batch, its shape already checked (by
    catalog.serializers.MeasurementSerializer in the API)."""

    slo: int
    measured_at: datetime
    value: float
    unit: str | None = None


def _judged(measurement: Measurement, slo: ServiceLevelObjective | None, now: datetime) -> tuple[float, dict[str, list[str]]]:
    """The value of `measurement` in its objective's unit, and what the rules
    refuse in it by field: an objective `by` may not measure (None), a time
    out of range, a unit of another kind, a value the indicator cannot have."""
    problems: dict[str, list[str]] = {}
    value = float(measurement.value)
    if slo is None:
        problems["slo"] = [f"No SLO {measurement.slo} among your teams' data products."]
    if problem := slo_rules.measurement_time_problem(measurement.measured_at, now=now):
        problems["measured_at"] = [problem]
    if slo is None:
        return value, problems
    if measurement.unit is not None:
        try:
            value = slo_rules.convert(value, from_unit=measurement.unit, to_unit=slo.unit)
        except slo_rules.UnitMismatch as error:
            problems["unit"] = [f"{error} This SLO is measured in {slo.unit or 'no unit'}."]
            return value, problems
    if problem := slo_rules.impossible_value(value, unit=slo.unit):
        problems["value"] = [problem]
    return value, problems


@transaction.atomic
def record_measurements(
    rows: Sequence[Measurement | Mapping | None], *, by, now: datetime | None = None, refused: Mapping[int, dict] | None = None
) -> MeasurementsResult:
    """Store a batch of measurements pushed by a pipeline of the owning team,
    judging each against its SLO's threshold, then recompute the statuses
    (which may notify a breach). Each row is a Measurement, or a mapping of
    its fields (`measured_at` an aware datetime), its shape already checked;
    `refused` holds the shape errors of the rows that failed that check, by
    index (their place in `rows` holds None). This function keeps the rules:
    the batch size, who may measure which objective, the time bounds, units
    and values (catalog.slo), and duplicates.
    All or nothing: any invalid row refuses the batch with SLOError, whose
    `details` name every bad row and field. A measurement for an SLO and
    time already stored is a duplicate and changes nothing (idempotent);
    rows may arrive late and in any order."""
    now = now or timezone.now()
    limit = settings.SLO_MEASUREMENT_BATCH
    if not rows:
        raise SLOError("The batch is empty.", field="rows")
    if len(rows) > limit:
        raise SLOError(f"Send at most {limit:,} measurements at a time; this batch has {len(rows):,}.", field="rows")
    refused = refused or {}
    checked = {
        index: row if isinstance(row, Measurement) else Measurement(**row) for index, row in enumerate(rows) if index not in refused
    }
    # Ids beyond a 64-bit key name no objective; the database could not even compare them.
    ids = {row.slo for row in checked.values() if 1 <= row.slo <= MAX_ID}
    # One query for the objectives `by` may measure (their teams' products), not a permission check per objective.
    slos = {slo.pk: slo for slo in writable_slos(by).filter(pk__in=ids)}
    errors: dict[str, dict] = {str(index): problems for index, problems in refused.items()}
    measurements: dict[tuple[int, datetime], SLOMeasurement] = {}
    duplicates = 0
    for index, row in checked.items():
        slo = slos.get(row.slo)
        value, problems = _judged(row, slo, now)
        if problems:
            errors[str(index)] = problems
            continue
        key = (slo.pk, row.measured_at)
        if key in measurements:
            duplicates += 1
            continue
        measurements[key] = SLOMeasurement(slo=slo, measured_at=row.measured_at, value=value, good=slo_rules.judge(slo, value))
    if errors:
        errors = dict(sorted(errors.items(), key=lambda item: int(item[0])))
        raise SLOError(
            f"{len(errors)} of {len(rows)} measurement{'s' if len(rows) != 1 else ''} {'is' if len(errors) == 1 else 'are'} invalid; nothing was stored.",
            field="rows", details=errors,
        )
    stored = SLOMeasurement.objects.filter(
        slo_id__in={slo_id for slo_id, _ in measurements}, measured_at__in={when for _, when in measurements}
    ).values_list("slo_id", "measured_at")
    for key in stored:
        if measurements.pop(key, None) is not None:
            duplicates += 1
    # ignore_conflicts: a concurrent batch with the same measurement stores it once.
    SLOMeasurement.objects.bulk_create(measurements.values(), ignore_conflicts=True)
    touched = sorted({slo.product_id for slo in slos.values()})
    refresh_slo_statuses(product_ids=touched, now=now)
    affected = ServiceLevelObjective.objects.filter(pk__in=slos).order_by("pk")
    return MeasurementsResult(received=len(rows), stored=len(measurements), duplicates=duplicates, slos=list(affected))


def refresh_slo_statuses(*, product_ids: Iterable[int] | None = None, now: datetime | None = None, batch_size: int = 500) -> list[int]:
    """Recompute and store the status of the SLOs of these products (all
    products when None) and of the products themselves, reindex products
    whose status changed, and notify the owners and live grant holders of a
    product that has just turned breached (once per breach, in the outbox).
    Returns the ids of the products that turned breached. The periodic task
    runs it for all products: time passing changes statuses too."""
    now = now or timezone.now()
    if product_ids is None:
        ids = list(DataProduct.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted(set(product_ids))
    breached: list[int] = []
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            breached += _refresh_slo_batch(ids[start : start + batch_size], now)
    return breached


def _refresh_slo_batch(product_ids: list[int], now: datetime) -> list[int]:
    # Lock the products first (in id order): two batches of measurements for
    # one product must not both see it turn breached and notify twice.
    before = dict(DataProduct.objects.select_for_update().filter(pk__in=product_ids).order_by("pk").values_list("pk", "slo_status"))
    slos = list(ServiceLevelObjective.objects.filter(product_id__in=product_ids))
    evaluations = slo_rules.evaluate_many(slos, now=now)
    per_product: dict[int, list[str]] = {pk: [] for pk in before}
    for slo in slos:
        evaluation = evaluations[slo.pk]
        slo.status, slo.good_count, slo.total_count = evaluation.status, evaluation.good, evaluation.total
        slo.attainment, slo.budget_remaining, slo.status_computed_at = evaluation.attainment, evaluation.budget_remaining, now
        per_product[slo.product_id].append(evaluation.status)
    ServiceLevelObjective.objects.bulk_update(
        slos, ["status", "good_count", "total_count", "attainment", "budget_remaining", "status_computed_at"], batch_size=500
    )
    changed: dict[str, list[int]] = {}
    for pk, statuses in per_product.items():
        status = slo_rules.product_status(statuses)
        if status != before[pk]:
            changed.setdefault(status, []).append(pk)
    for status, pks in changed.items():
        DataProduct.objects.filter(pk__in=pks).update(slo_status=status)  # update(): not a change of the product's content
    if changed:
        from .search.indexing import schedule_indexing

        schedule_indexing(pk for pks in changed.values() for pk in pks)
    breached = sorted(changed.get(SLOStatus.BREACHED, []))
    if breached:
        _notify_breaches(breached, slos, now=now)
    return breached


def _notify_breaches(product_ids: list[int], slos: list[ServiceLevelObjective], *, now: datetime) -> None:
    from notifications.models import Notification
    from notifications.services import notify
    from access_requests.queries import consumers_of, product_owners

    for product in DataProduct.objects.filter(pk__in=product_ids).order_by("pk"):
        missed = [slo for slo in slos if slo.product_id == product.pk and slo.status == SLOStatus.BREACHED]
        recipients = [*product_owners(product), product.product_owner, *(grant.user for grant in consumers_of(product, now=now))]
        notify(
            recipients,
            kind=Notification.Kind.SLO_BREACHED,
            context={"product": product, "missed": missed},
            url=reverse("catalog:product_slos", args=[product.slug]),
            now=now,
        )


# --- samples ---------------------------------------------------------------------


@transaction.atomic
def upload_sample(port: OutputPort, *, by, content: bytes, filename: str = "", format: str = "") -> Sample:
    """Store sample rows for `port` from a CSV or JSON upload (owning team or
    admins), replacing any before. The rows are checked against the port's
    schema: SLOError-like CatalogError on field "file" lists every problem
    with its row. Sensitive columns are stored as given and masked when shown."""
    _check_may_edit(by, port.product, "upload samples of this product")
    try:
        header, rows, from_text = samples.read_upload(content, filename=filename, format=format)
        columns, values = samples.validate_rows(header, rows, port.fields.order_by("position", "name"), from_text=from_text)
    except samples.SampleInvalid as error:
        raise CatalogError(str(error), field="file", details=error.problems) from None
    sample, _ = Sample.objects.update_or_create(
        port=port, defaults={"columns": columns, "rows": values, "source_name": filename[:200], "uploaded_by": by if by.is_authenticated else None}
    )
    return sample


@transaction.atomic
def delete_sample(port: OutputPort, *, by) -> None:
    _check_may_edit(by, port.product, "remove samples of this product")
    Sample.objects.filter(port=port).delete()
