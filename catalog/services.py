"""Every write to the catalog, one named function each.

HTML views, API views, the admin and the management commands call these;
none of them repeats a rule written here.
"""

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from audit import trail
from core.errors import Conflict, Forbidden, ServiceError
from core.users import User
from notifications.services import notify

from . import schema_changes, signals
from .models import (
    DataProduct,
    DataProductGroupObjectPermission,
    Domain,
    Follow,
    LogicalType,
    OutputPort,
    PortVersion,
    ScheduledPortChange,
    SchemaField,
    Tag,
    Team,
    TeamMembership,
)
from .queries import can_edit, is_team_member, visible_product_or_404
from .tags import TagLimitError, clean_tags

# What the owning team's members may do with their products (object permissions).
TEAM_PRODUCT_PERMISSIONS = ("catalog.view_dataproduct", "catalog.change_dataproduct")
MAX_PORTS = 50
MAX_FIELDS_PER_PORT = 500  # counting nested fields
MAX_FIELD_DEPTH = 6  # a top-level field is at depth 1


class CatalogError(ServiceError):
    """A refused change to the catalog. `field` names the input it is about, when there is one."""


class TransitionError(CatalogError, Conflict):
    """A lifecycle change the product's current status does not allow."""


class NotTeamMember(CatalogError, Forbidden):
    pass


class BreakingChange(CatalogError, Conflict):
    """A change that breaks a port's consumers, without a major version bump or the owner's confirmation.
    `changes` maps each port name to its breaking differences."""

    def __init__(self, message: str, *, changes: dict[str, list[str]], field: str | None = "output_ports"):
        super().__init__(message, field=field)
        self.changes = changes


@dataclass
class FieldSpec:
    """One schema field as set_output_ports takes it. `fields` are its nested
    fields: an object's properties, or the properties of an array's items (an
    array of scalars has none; its data_type says what the items are, e.g.
    array<string>). A dataclass all the way down, so dataclasses.asdict keeps it."""

    name: str
    data_type: str
    description: str = ""
    required: bool = False
    primary_key: bool = False
    classification: str = ""
    is_pii: bool = False
    logical_type: str = ""
    fields: list["FieldSpec"] = dataclass_field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict) -> "FieldSpec":
        """The FieldSpec that dataclasses.asdict turned into `data`, nested fields included."""
        return cls(**_known_keys(cls, data), fields=[cls.from_dict(child) for child in data.get("fields") or []])


@dataclass
class PortSpec:
    """One output port as set_output_ports takes it; a list of them keeps the ports' order."""

    name: str
    port_type: str = OutputPort.PortType.TABLE
    format: str = ""
    location: str = ""
    version: str = "1.0.0"
    description: str = ""
    fields: list[FieldSpec] = dataclass_field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict) -> "PortSpec":
        """The PortSpec that dataclasses.asdict turned into `data` (e.g. stored as JSON), nested fields included."""
        return cls(**_known_keys(cls, data), fields=[FieldSpec.from_dict(f) for f in data.get("fields") or []])


def _known_keys(cls, data: dict) -> dict:
    """`data` without `fields` and without keys `cls` no longer has (stored
    specs outlive changes to the dataclasses; a key they gained takes its default)."""
    known = {spec_field.name for spec_field in dataclasses.fields(cls)} - {"fields"}
    return {key: value for key, value in data.items() if key in known}


def field_specs_of(fields: Iterable[SchemaField]) -> list[FieldSpec]:
    """The FieldSpecs of a port's saved fields (all of one port, any order), nested as saved."""
    children: dict[int | None, list[SchemaField]] = {}
    for f in sorted(fields, key=lambda f: (f.position, f.name)):
        children.setdefault(f.parent_id, []).append(f)

    def tree(parent_id) -> list[FieldSpec]:
        return [
            FieldSpec(
                name=f.name,
                data_type=f.data_type,
                description=f.description,
                required=f.required,
                primary_key=f.primary_key,
                classification=f.classification,
                is_pii=f.is_pii,
                logical_type=f.logical_type,
                fields=tree(f.pk),
            )
            for f in children.get(parent_id, [])
        ]

    return tree(None)


def port_spec_of(port: OutputPort) -> PortSpec:
    """The PortSpec that saves `port` as it is (prefetch its `fields` when doing many)."""
    return PortSpec(
        name=port.name,
        port_type=port.port_type,
        format=port.format,
        location=port.location,
        version=port.version,
        description=port.description,
        fields=field_specs_of(port.fields.all()),
    )


# --- popularity ------------------------------------------------------------


# --- teams -----------------------------------------------------------------


def create_team(*, name: str, slug: str, description: str = "", contact_email: str = "") -> Team:
    """Create a team and the auth group its object permissions are given to."""
    return Team.objects.create(name=name, slug=slug, description=description, contact_email=contact_email)


def add_team_member(team: Team, *, user: User, role: str = TeamMembership.Role.DEVELOPER) -> TeamMembership:
    """Make `user` a member of `team` with `role` (or change their role). The
    membership signal adds them to the team's group, so they may edit its products."""
    membership, _ = TeamMembership.objects.update_or_create(team=team, user=user, defaults={"role": role})
    return membership


@dataclass(frozen=True)
class MembershipChanges:
    """What `sync_memberships` changed: (team slug, role) pairs, and the stewards group."""

    added: list[tuple[str, str]] = dataclass_field(default_factory=list)
    removed: list[tuple[str, str]] = dataclass_field(default_factory=list)
    steward: bool | None = None  # True: made a steward, False: no longer one, None: unchanged


@transaction.atomic
def sync_memberships(
    user: User, *, roles: dict[str, str], managed_teams: Iterable[str], steward: bool | None, source: str
) -> MembershipChanges:
    """Make `user`'s memberships of the `managed_teams` (slugs) exactly
    `roles` (slug -> owner or developer), and their membership of the
    stewards group `steward` (None leaves it alone). Memberships of teams
    outside `managed_teams` are left as they are; slugs that name no team
    are skipped. Each team joined, left or changed role, and each change of
    steward standing, writes an audit event naming `source` (e.g. the
    identity provider whose claims asked for it), in this transaction."""
    managed = set(managed_teams) | set(roles)
    teams = {team.slug: team for team in Team.objects.filter(slug__in=managed)}
    current = {m.team.slug: m for m in TeamMembership.objects.filter(user=user, team__slug__in=managed).select_related("team")}
    changes = MembershipChanges()
    for slug, membership in sorted(current.items()):
        if roles.get(slug) != membership.role:
            membership.delete()
            changes.removed.append((slug, membership.role))
            trail.record(
                "team.member_removed",
                actor=user,
                obj=membership.team,
                payload={"user": user.get_username(), "role": membership.role, "source": source},
            )
    for slug, role in sorted(roles.items()):
        team = teams.get(slug)
        if team is None or (slug in current and current[slug].role == role):
            continue
        TeamMembership.objects.create(team=team, user=user, role=role)
        changes.added.append((slug, role))
        trail.record("team.member_added", actor=user, obj=team, payload={"user": user.get_username(), "role": role, "source": source})
    if steward is not None:
        stewards, _ = Group.objects.get_or_create(name=settings.STEWARDS_GROUP)
        is_steward = user.groups.filter(pk=stewards.pk).exists()
        if steward != is_steward:
            (user.groups.add if steward else user.groups.remove)(stewards)
            changes = dataclasses.replace(changes, steward=steward)
            trail.record(
                "steward.added" if steward else "steward.removed",
                actor=user,
                obj=stewards,
                payload={"user": user.get_username(), "source": source},
            )
    return changes


# --- products --------------------------------------------------------------


def _check_may_assign_team(by: User, team: Team) -> None:
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
    DataProductGroupObjectPermission.objects.filter(content_object=product).exclude(group=product.owner_team.group).filter(
        permission__codename__in=[perm.split(".")[1] for perm in TEAM_PRODUCT_PERMISSIONS]
    ).delete()
    for perm in TEAM_PRODUCT_PERMISSIONS:
        assign_perm(perm, product.owner_team.group, product)


def team_permission_rows(products: Iterable[DataProduct]) -> list[DataProductGroupObjectPermission]:
    """Unsaved permission rows for bulk loads (generate_catalog); the same
    permissions grant_team_permissions gives one product at a time."""
    permissions = list(
        Permission.objects.filter(content_type__app_label="catalog", codename__in=[perm.split(".")[1] for perm in TEAM_PRODUCT_PERMISSIONS])
    )
    return [
        DataProductGroupObjectPermission(content_object=product, group_id=product.owner_team.group_id, permission=permission)
        for product in products
        for permission in permissions
    ]


@transaction.atomic
def create_product(
    *,
    by: User,
    domain: Domain,
    owner_team: Team,
    slug: str,
    name: str,
    summary: str,
    tags: Iterable[str] = (),
    ports: Iterable[PortSpec] | None = None,
    product_owner: User | None = None,
    confirm_breaking: bool = False,
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
    # The model's check constraints restate its choices, which clean_fields checks;
    # validating them again would cost a query each.
    product.full_clean(exclude=["product_owner"], validate_constraints=False)
    product.save()
    _set_tags(product, tags)
    if ports is not None:
        set_output_ports(product, ports=ports, by=by, confirm_breaking=confirm_breaking, new_product=True)
    grant_team_permissions(product)
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
    by: User,
    tags: Iterable[str] | None = None,
    ports: Iterable[PortSpec] | None = None,
    status: str | None = None,
    confirm_breaking: bool = False,
    **changes,
) -> DataProduct:
    """Change `product`'s descriptive fields, tags, output ports and status.
    A status change must follow the lifecycle (TransitionError otherwise); a
    new owning team must be one `by` belongs to, and receives the team
    permissions (the old team loses them). The slug and address never change.
    Port changes follow set_output_ports' rule on breaking changes
    (`confirm_breaking`; removing a port needs the product's major version raised)."""
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        raise CatalogError(f"{', '.join(sorted(unknown))} cannot be changed.", field=sorted(unknown)[0])
    product = DataProduct.objects.select_for_update().get(pk=product.pk)
    version_before = product.version
    before = {
        "owner_team": product.owner_team.slug,
        "status": product.status,
        "classification": product.classification,
        "contains_pii": product.contains_pii,
    }
    team_changed = "owner_team" in changes and changes["owner_team"].pk != product.owner_team_id
    if team_changed:
        _check_may_assign_team(by, changes["owner_team"])
    for name, value in changes.items():
        setattr(product, name, value)
    if status is not None and status != product.status:
        _apply_status(product, status)
    # The model's check constraints restate its choices, which clean_fields checks;
    # validating them again would cost a query each.
    product.full_clean(exclude=["product_owner"], validate_constraints=False)
    product.save()
    if tags is not None:
        _set_tags(product, tags)
    if ports is not None:
        set_output_ports(product, ports=ports, by=by, confirm_breaking=confirm_breaking, product_version_before=version_before)
    if team_changed:
        grant_team_permissions(product)
    _audit_governance_changes(product, before, by=by)
    return product


def _audit_governance_changes(product: DataProduct, before: dict, *, by: User) -> None:
    """Changes that decide who may use a product, and how, go into the audit trail."""
    after = {
        "owner_team": product.owner_team.slug,
        "status": product.status,
        "classification": product.classification,
        "contains_pii": product.contains_pii,
    }
    actions = {
        "owner_team": "product.owner_changed",
        "status": "product.status_changed",
        "classification": "product.classification_changed",
        "contains_pii": "product.classification_changed",
    }
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
        raise TransitionError(f"A {product.status} product cannot become {status} (allowed next: {allowed}).", field="status")


@transaction.atomic
def change_status(product: DataProduct, *, by: User, status: str) -> DataProduct:
    """Move `product` along its lifecycle (draft → published → deprecated → retired)."""
    return update_product(product, by=by, status=status)


@transaction.atomic
def set_output_ports(
    product: DataProduct,
    *,
    ports: Iterable[PortSpec],
    by: User | None = None,
    confirm_breaking: bool = False,
    product_version_before: str | None = None,
    new_product: bool = False,
    scheduled: "ScheduledPortChange | None" = None,
) -> list[OutputPort]:
    """Replace `product`'s output ports and their schemas with `ports`. Ports
    are matched by name, so a kept port keeps its id (and, later, its samples)
    and its lineage node, renamed to follow the port's location. A removed
    port's node stays in the graph as an external dataset, named by its
    product and port rather than its location. Sends signals.ports_changed
    (lineage follows the ports' locations; lineage.signals).

    The ports keep the order of `ports` (OutputPort.position), and their
    fields the nesting and order of each PortSpec's FieldSpecs. The specs are
    checked first, in one pass (validate_port_specs: CatalogError naming the
    port and field path). A port whose snapshot is unchanged is not rewritten
    (at most moved); a port whose own attributes changed but not its fields
    keeps its fields; only a port whose fields changed has them replaced.

    Every port whose contract changed (catalog.schema_changes) gets a new
    PortVersion, with who (`by`) and when, and an audit event
    `port.contract_changed`; a removed port gets one too. A breaking change
    needs the port's major version raised (a removed port: the product's,
    from `product_version_before`), else BreakingChange is raised and nothing
    is written, unless `confirm_breaking`. Sends signals.contract_changed
    with the versions of ports that existed before (their consumers hear of it).
    The ports of a `new_product` (create_product) get their first versions
    without audit events: nobody relied on them yet. `scheduled` is the
    ScheduledPortChange being applied (apply_due_changes), passed on with the signal."""
    ports = list(ports)
    plan = plan_output_ports(product, ports=ports, confirm_breaking=confirm_breaking, product_version_before=product_version_before)
    before, after, changes, existing = plan.before, plan.after, plan.changes, plan.existing
    names = [port.name for port in ports]
    product.output_ports.exclude(name__in=names).delete()
    saved = []
    for position, spec in enumerate(ports):
        port = existing.get(spec.name)
        if port is not None and before[spec.name] == after[spec.name]:
            # Unchanged: left as it is (its fields keep their ids), only moved if the order changed.
            if port.position != position:
                port.position = position
                port.save(update_fields=["position"])
            saved.append(port)
            continue
        attributes = {
            "port_type": spec.port_type,
            "format": spec.format,
            "location": spec.location,
            "version": spec.version,
            "description": spec.description,
            "position": position,
        }
        if port is None:
            port = OutputPort.objects.create(product=product, name=spec.name, **attributes)
        else:
            for attribute, value in attributes.items():
                setattr(port, attribute, value)
            port.save()
            if before[spec.name]["fields"] == after[spec.name]["fields"]:
                saved.append(port)
                continue
            port.fields.all().delete()
        _write_fields(port, spec.fields)
        saved.append(port)
    versions = _record_versions(
        product, {port.name: port for port in saved}, before, after, changes, by=by, confirmed=confirm_breaking, audit=not new_product
    )
    signals.ports_changed.send(sender=DataProduct, product=product)
    announced = [version for version in versions if version.port_name in before]
    if announced:
        signals.contract_changed.send(sender=DataProduct, product=product, versions=announced, by=by, scheduled=scheduled)
    return saved


@dataclass
class PortsPlan:
    """What replacing a product's output ports with new ones would change
    (plan_output_ports): the contracts before and after, as snapshots by port
    name, and the classified changes of each port that changes."""

    before: dict[str, dict]
    after: dict[str, dict]
    changes: dict[str, "schema_changes.Change"]
    existing: dict[str, OutputPort] = dataclass_field(default_factory=dict)  # the ports now, by name

    @property
    def breaking(self) -> bool:
        return any(change.is_breaking for change in self.changes.values())

    def changes_as_json(self) -> dict[str, list[dict]]:
        return {name: change.as_list() for name, change in self.changes.items()}


def plan_output_ports(
    product: DataProduct, *, ports: list[PortSpec], confirm_breaking: bool = False, product_version_before: str | None = None
) -> PortsPlan:
    """Check `ports` as set_output_ports checks them before writing (the
    limits, unique names, and BreakingChange for a breaking change without a
    major version unless `confirm_breaking`), and classify what they change
    against `product`'s ports now. Writes nothing: set_output_ports and
    schedule_output_ports both start here."""
    validate_port_specs(ports)
    existing = {port.name: port for port in product.output_ports.prefetch_related("fields")}
    before = {name: schema_changes.snapshot(port) for name, port in existing.items()}
    after = {spec.name: schema_changes.spec_snapshot(spec) for spec in ports}
    changes = {
        name: schema_changes.classify(before.get(name), after.get(name)) for name in list(after) + [n for n in before if n not in after]
    }
    changes = {name: change for name, change in changes.items() if change}
    if not confirm_breaking:
        _refuse_unannounced_breaks(product, before, after, changes, product_version_before)
    return PortsPlan(before=before, after=after, changes=changes, existing=existing)


def validate_port_specs(ports: list[PortSpec]) -> None:
    """Check `ports` against the model's rules (lengths, choices, required
    values), the limits (MAX_PORTS; per port MAX_FIELDS_PER_PORT fields in all,
    nested MAX_FIELD_DEPTH deep) and unique names (ports within the product,
    fields among their siblings), before anything is written: one pass, no
    full_clean per row. Raises CatalogError (field "output_ports") naming the
    port and the field's path."""
    if len(ports) > MAX_PORTS:
        raise CatalogError(f"A product can have at most {MAX_PORTS} output ports.", field="output_ports")
    names = set()
    for spec in ports:
        label = f"Port `{spec.name}`"
        if not spec.name or not spec.name.strip():
            raise CatalogError("An output port needs a name.", field="output_ports")
        if spec.name in names:
            raise CatalogError(f"Output port names must be unique within a product; `{spec.name}` is given twice.", field="output_ports")
        names.add(spec.name)
        _check_length(label, "name", spec.name, 120)
        if spec.port_type not in OutputPort.PortType.values:
            allowed = ", ".join(OutputPort.PortType.values)
            raise CatalogError(f"{label}: type {spec.port_type!r} is not one of {allowed}.", field="output_ports")
        _check_length(label, "format", spec.format, 60)
        _check_length(label, "location", spec.location, 500)
        if not spec.version:
            raise CatalogError(f"{label}: give a version, e.g. 1.0.0.", field="output_ports")
        _check_length(label, "version", spec.version, 30)
        count = _check_fields(spec.name, spec.fields, path="", depth=1)
        if count > MAX_FIELDS_PER_PORT:
            raise CatalogError(f"{label} has {count} fields, nested ones included; at most {MAX_FIELDS_PER_PORT}.", field="output_ports")


def _check_length(label: str, attribute: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise CatalogError(f"{label}: the {attribute} is longer than {limit} characters.", field="output_ports")


def _check_fields(port_name: str, fields: list[FieldSpec], *, path: str, depth: int) -> int:
    """Check one level of fields (and below); return how many fields there are in all."""
    port_label = f"Port `{port_name}`"
    if depth > MAX_FIELD_DEPTH:
        raise CatalogError(
            f"{port_label}: fields nest at most {MAX_FIELD_DEPTH} deep; `{path.rstrip('.')}` goes deeper.", field="output_ports"
        )
    count, names = 0, set()
    for f in fields:
        if not f.name or not f.name.strip():
            where = f" in `{path.rstrip('.')}`" if path else ""
            raise CatalogError(f"{port_label}: a field{where} has no name.", field="output_ports")
        label = f"{port_label}, field `{path}{f.name}`"
        if f.name in names:
            within = f"`{path.rstrip('.')}` of port {port_name!r}" if path else f"port {port_name!r}"
            raise CatalogError(f"Field names must be unique within {within}.", field="output_ports")
        names.add(f.name)
        _check_length(label, "name", f.name, 120)
        if not f.data_type:
            raise CatalogError(f"{label}: give its type.", field="output_ports")
        _check_length(label, "type", f.data_type, 60)
        if f.classification and f.classification not in DataProduct.Classification.values:
            allowed = ", ".join(DataProduct.Classification.values)
            raise CatalogError(f"{label}: classification {f.classification!r} is not one of {allowed}.", field="output_ports")
        if f.logical_type and f.logical_type not in LogicalType.values:
            allowed = ", ".join(LogicalType.values)
            raise CatalogError(f"{label}: logical type {f.logical_type!r} is not one of {allowed}.", field="output_ports")
        if f.fields and f.logical_type not in (LogicalType.OBJECT, LogicalType.ARRAY):
            raise CatalogError(f"{label} has nested fields: give it the logical type object or array.", field="output_ports")
        nested = f"{path}{f.name}[]." if f.logical_type == LogicalType.ARRAY else f"{path}{f.name}."
        count += 1 + _check_fields(port_name, f.fields, path=nested, depth=depth + 1)
    return count


def _write_fields(port: OutputPort, specs: list[FieldSpec]) -> None:
    """Save `specs` as `port`'s fields: one bulk insert per depth, parents
    first; positions count depth first through the whole port."""
    rows: list[tuple[int, int | None, FieldSpec]] = []  # (depth, the parent's row, spec), depth first

    def walk(fields: list[FieldSpec], depth: int, parent: int | None) -> None:
        for spec in fields:
            rows.append((depth, parent, spec))
            walk(spec.fields, depth + 1, len(rows) - 1)

    walk(specs, 1, None)
    made: list[SchemaField | None] = [None] * len(rows)
    depth = 1
    while True:
        level = [index for index, row in enumerate(rows) if row[0] == depth]
        if not level:
            break
        objects = [
            SchemaField(
                port=port,
                parent=made[rows[index][1]] if rows[index][1] is not None else None,
                position=index,
                name=rows[index][2].name,
                data_type=rows[index][2].data_type,
                logical_type=rows[index][2].logical_type,
                description=rows[index][2].description,
                required=rows[index][2].required,
                primary_key=rows[index][2].primary_key,
                classification=rows[index][2].classification,
                is_pii=rows[index][2].is_pii,
            )
            for index in level
        ]
        SchemaField.objects.bulk_create(objects)
        for index, obj in zip(level, objects):
            made[index] = obj
        depth += 1


def _refuse_unannounced_breaks(
    product: DataProduct, before: dict, after: dict, changes: dict[str, "schema_changes.Change"], product_version_before: str | None
) -> None:
    unannounced: dict[str, list[str]] = {}
    advice = []
    for name, change in changes.items():
        if not change.is_breaking:
            continue
        if name in after:
            old_version, new_version = before[name]["version"], after[name]["version"]
            if schema_changes.major_raised(old_version, new_version):
                continue
            unannounced[name] = change.breaking
            advice.append(f"raise port `{name}`'s version to {schema_changes.next_major(old_version)}")
        else:
            if product_version_before is not None and schema_changes.major_raised(product_version_before, product.version):
                continue
            unannounced[name] = change.breaking
            advice.append(f"raise the product's version to {schema_changes.next_major(product_version_before or product.version)}")
    if unannounced:
        described = "; ".join(
            f"{', '.join(texts)}" if texts[0].startswith("port ") else f"port `{name}`: {', '.join(texts)}"
            for name, texts in unannounced.items()
        )
        raise BreakingChange(
            f"This change breaks the contract its consumers rely on ({described}). "
            f"A breaking change needs a new major version: {', and '.join(dict.fromkeys(advice))}; or confirm the breaking change.",
            changes=unannounced,
        )


def _record_versions(product, saved, before, after, changes, *, by, confirmed, audit) -> list[PortVersion]:
    now = timezone.now()
    changed_by = by if by is not None and by.is_authenticated else None
    versions = []
    for name, change in changes.items():
        removed = name not in after
        version = PortVersion.objects.create(
            port=None if removed else saved[name],
            product=product,
            port_name=name,
            version=before[name]["version"] if removed else after[name]["version"],
            snapshot={} if removed else after[name],
            changes=change.as_list(),
            breaking=change.is_breaking,
            removed=removed,
            changed_by=changed_by,
            changed_at=now,
        )
        versions.append(version)
        if not audit:
            continue
        trail.record(
            "port.contract_changed",
            actor=by,
            obj=version,
            product=product,
            payload={
                "port": name,
                "version": version.version,
                "breaking": change.is_breaking,
                "confirmed": bool(confirmed and change.is_breaking),
                "changes": change.as_list(),
            },
            at=now,
        )
    return versions


# --- following a product -----------------------------------------------------


def follow_product(product: DataProduct, *, user: User) -> Follow:
    """Make `user` follow `product`: they hear of its contract changes,
    published or scheduled, as its grant holders do. Only a product `user`
    may see (catalog.queries.visible_product_or_404: Http404 otherwise, the
    answer a missing product gets). Following twice keeps the first follow."""
    visible_product_or_404(user, product.slug)
    follow, _ = Follow.objects.get_or_create(user=user, product=product)
    return follow


def unfollow_product(product: DataProduct, *, user: User) -> bool:
    """Stop `user` following `product`; True when they did follow it.
    Unfollowing twice, or a product one no longer sees, changes nothing more."""
    deleted, _ = Follow.objects.filter(user=user, product=product).delete()
    return bool(deleted)


# --- port changes with an effective date ---------------------------------------
#
# A scheduled change is told to the port's consumers (live grant holders and
# followers, access_requests.receivers) when it is scheduled, and again when
# it takes effect (set_output_ports' contract_changed). At its date it is
# planned again against the ports as they are then: it is applied only if it
# still makes exactly the changes consumers were told of. If the ports were
# changed in between (or the change is refused now), it is marked failed, the
# person who scheduled it and the product owner are told why, and so are the
# consumers (the change they were told of will not happen): schedule it again.
# A product has at most one pending scheduled change; cancel it to schedule another.

MAX_SCHEDULED_CHANGES_PER_RUN = 500


class ScheduleConflict(CatalogError, Conflict):
    """A scheduled change that its state, or the product's, does not allow (409)."""


def port_specs_from_json(data: list[dict]) -> list[PortSpec]:
    """Output ports stored as JSON (dataclasses.asdict of PortSpec) as
    PortSpecs again, nested fields and all (PortSpec.from_dict)."""
    return [PortSpec.from_dict(item) for item in data]


@transaction.atomic
def schedule_output_ports(
    product: DataProduct,
    *,
    ports: Iterable[PortSpec],
    effective_at: datetime,
    by: User,
    confirm_breaking: bool = False,
    product_version_before: str | None = None,
) -> ScheduledPortChange:
    """Schedule `product`'s output ports to become `ports` at `effective_at`.
    `by` must be allowed to edit the product (NotTeamMember otherwise). The
    ports are checked as set_output_ports checks them (plan_output_ports: the
    same limits, and BreakingChange unless a major version is raised or
    `confirm_breaking`); `effective_at` must be in the future (CatalogError
    naming effective_at); a change that changes nothing, or a product that
    already has a pending scheduled change, is refused. Writes the
    ScheduledPortChange and an audit event `port.change_scheduled`, and sends
    signals.contract_change_scheduled: the affected ports' live grant holders
    and the product's followers are told now, with the changes and the date."""
    now = timezone.now()
    product = DataProduct.objects.select_for_update().get(pk=product.pk)
    if not can_edit(by, product):
        raise NotTeamMember("Only members of the owning team can schedule changes to this product's output ports.")
    if effective_at is None or timezone.is_naive(effective_at):
        raise CatalogError("Give the date and time the change takes effect, with its time zone.", field="effective_at")
    if effective_at <= now:
        raise CatalogError("The date the change takes effect must be in the future; leave it empty to publish now.", field="effective_at")
    pending = product.scheduled_port_changes.filter(status=ScheduledPortChange.Status.PENDING).first()
    if pending is not None:
        raise ScheduleConflict(
            f"Changes to this product's output ports are already scheduled for {pending.effective_at:%Y-%m-%d %H:%M %Z}: "
            "cancel them (History tab) before scheduling others."
        )
    ports = list(ports)
    plan = plan_output_ports(product, ports=ports, confirm_breaking=confirm_breaking, product_version_before=product_version_before)
    if not plan.changes:
        raise CatalogError("These output ports are the ones the product has now: there is nothing to schedule.", field="output_ports")
    change = ScheduledPortChange.objects.create(
        product=product,
        ports=[dataclasses.asdict(spec) for spec in ports],
        changes=plan.changes_as_json(),
        breaking=plan.breaking,
        confirm_breaking=bool(confirm_breaking),
        product_version_before=product_version_before or "",
        effective_at=effective_at,
        created_by=by if by.is_authenticated else None,
        created_at=now,
    )
    trail.record(
        "port.change_scheduled",
        actor=by,
        obj=change,
        product=product,
        payload={
            "effective_at": effective_at.isoformat(),
            "breaking": change.breaking,
            "confirmed": bool(confirm_breaking and change.breaking),
            "changes": change.changes,
        },
        at=now,
    )
    signals.contract_change_scheduled.send(sender=DataProduct, change=change, by=by)
    return change


@transaction.atomic
def cancel_scheduled_change(change: ScheduledPortChange, *, by: User) -> ScheduledPortChange:
    """Cancel a pending scheduled change (ScheduleConflict when it is no longer
    pending). `by` must be allowed to edit the product. Writes an audit event
    `port.change_cancelled` and sends signals.scheduled_change_withdrawn: those
    told of the change hear that it will not happen."""
    change = ScheduledPortChange.objects.select_for_update().select_related("product").get(pk=change.pk)
    if not can_edit(by, change.product):
        raise NotTeamMember("Only members of the owning team can cancel a scheduled change.")
    if change.status != ScheduledPortChange.Status.PENDING:
        raise ScheduleConflict(f"This change is {change.get_status_display().lower()}: only a pending change can be cancelled.")
    now = timezone.now()
    change.status, change.cancelled_at, change.cancelled_by = ScheduledPortChange.Status.CANCELLED, now, by
    change.save(update_fields=["status", "cancelled_at", "cancelled_by"])
    trail.record(
        "port.change_cancelled",
        actor=by,
        obj=change,
        product=change.product,
        payload={"effective_at": change.effective_at.isoformat()},
        at=now,
    )
    signals.scheduled_change_withdrawn.send(sender=DataProduct, change=change, by=by)
    return change


def apply_due_changes(now: datetime | None = None) -> tuple[int, int]:
    """Apply every pending scheduled change whose date has come (the beat
    task), each in its own transaction, through set_output_ports as the
    person who scheduled it (so its versions, audit events and the consumers'
    contract_changed notices follow, saying it is now in effect). A change
    that no longer does what consumers were told (see above) is marked
    failed instead, audited (`port.change_failed`), and its owner told.
    Running it twice applies nothing twice. Returns (applied, failed)."""
    now = now or timezone.now()
    due = ScheduledPortChange.objects.filter(status=ScheduledPortChange.Status.PENDING, effective_at__lte=now)
    applied = failed = 0
    for change_id in list(due.order_by("effective_at", "pk").values_list("pk", flat=True)[:MAX_SCHEDULED_CHANGES_PER_RUN]):
        outcome = _apply_scheduled_change(change_id, now=now)
        applied += outcome == ScheduledPortChange.Status.APPLIED
        failed += outcome == ScheduledPortChange.Status.FAILED
    return applied, failed


@transaction.atomic
def _apply_scheduled_change(change_id: int, *, now: datetime) -> str | None:
    change = (
        ScheduledPortChange.objects.select_for_update(of=("self",))  # not the nullable created_by's row
        .select_related("created_by")
        .filter(pk=change_id, status=ScheduledPortChange.Status.PENDING)
        .first()
    )
    if change is None:
        return None  # applied or cancelled meanwhile
    product = DataProduct.objects.select_for_update().get(pk=change.product_id)
    arguments = {"confirm_breaking": change.confirm_breaking, "product_version_before": change.product_version_before or None}
    try:
        with transaction.atomic():  # a refusal below leaves nothing of the attempt behind
            specs = port_specs_from_json(change.ports)
            plan = plan_output_ports(product, ports=specs, **arguments)
            if plan.changes_as_json() != change.changes:
                raise CatalogError(
                    "The output ports were changed after this change was scheduled: applied now, it would not make "
                    "the changes consumers were told of."
                )
            set_output_ports(product, ports=specs, by=change.created_by, scheduled=change, **arguments)
    except (CatalogError, ValidationError, TypeError) as error:
        reason = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        change.status, change.failure = ScheduledPortChange.Status.FAILED, reason
        change.save(update_fields=["status", "failure"])
        trail.record("port.change_failed", obj=change, product=product, payload={"reason": reason}, at=now)
        owners = [change.created_by, product.product_owner]
        notify(owners, kind="contract.change_failed", context={"product": product, "change": change}, url=_history_url(product), now=now)
        signals.scheduled_change_withdrawn.send(sender=DataProduct, change=change, by=None)
        return change.status
    change.status, change.applied_at = ScheduledPortChange.Status.APPLIED, now
    change.save(update_fields=["status", "applied_at"])
    trail.record("port.change_applied", actor=change.created_by, obj=change, product=product, payload={"changes": change.changes}, at=now)
    return change.status


def _history_url(product: DataProduct) -> str:
    return reverse("catalog:product_history", args=[product.slug])
