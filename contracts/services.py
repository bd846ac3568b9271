"""Importing and exporting descriptors: ODPS documents describe data products,
ODCS documents their output ports' data contracts.

An import reads and validates the whole document before anything is written,
then writes through the catalog's, lineage's and SLOs' own services in one
transaction: a refusal at any step leaves nothing behind. An export is the
stored document with the marketplace's current values written over the
fields it maps (contracts.odps, contracts.odcs), so export → import of an
unchanged product changes nothing.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from access_requests import services as access_services
from access_requests.queries import usable_port_ids
from audit import trail
from catalog import schema_changes
from catalog import services as catalog_services
from catalog.models import DataProduct, Domain, OutputPort, PortVersion, Team
from catalog.queries import can_edit, teams_of, visible_products
from catalog.services import PortSpec
from core.errors import Forbidden, ServiceError
from core.users import User
from lineage import services as lineage_services
from slos import services as slo_services

from . import odcs, odps, people, standards
from .models import ContractBinding, PortContract, ProductDescriptor
from .standards import ODCS, ODPS, DescriptorInvalid

__all__ = [
    "DescriptorInvalid",
    "DescriptorRefused",
    "DescriptorForbidden",
    "ImportResult",
    "descriptor_files",
    "import_document",
    "import_tree",
    "export_odps",
    "export_odcs",
]

DESCRIPTOR_SUFFIXES = (".yaml", ".yml", ".json")


class DescriptorRefused(ServiceError):
    """A valid document the marketplace will not take: an unknown domain, no
    owning team, a slug clash, a change the importer may not make. `field`
    names the document's path when there is one; `file` the file."""

    def __init__(self, message: str, *, field: str | None = None, file: str = ""):
        super().__init__(message, field=field)
        self.file = file

    @property
    def problems(self) -> list[dict]:
        return [{"file": self.file, "path": self.field or "", "rule": str(self)}]


class DescriptorForbidden(DescriptorRefused, Forbidden):
    """The importer may not change the product or port the document describes (HTTP 403)."""


@dataclass
class ImportResult:
    """One file's import. `problems` ({"file", "path", "rule"}) is set, and
    `product` may be None, when the file was refused (import_tree only;
    import_document raises instead). `warnings` are what was imported but
    needs a look: a role's approver who is no marketplace user or team."""

    product: DataProduct | None
    created: bool = False
    changed: bool = False
    messages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    file: str = ""
    kind: str = ""
    problems: list[dict] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.problems)


# Where a catalog service's refusal lands in an ODPS / ODCS document.
ODPS_PATHS = {
    "slug": "id",
    "name": "name",
    "summary": "description.purpose",
    "description": "description.purpose",
    "owner_team": "customProperties",
    "domain": "domain",
    "tags": "tags",
    "status": "status",
    "version": "version",
    "output_ports": "outputPorts",
    "inputs": "inputPorts",
}
ODCS_PATHS = {"output_ports": "schema", "location": "servers", "threshold": "slaProperties", "unit": "slaProperties"}


def _refusal(error: Exception, *, paths: dict[str, str], file: str) -> DescriptorRefused:
    if isinstance(error, ValidationError):
        name, messages = next(iter(error.message_dict.items())) if hasattr(error, "error_dict") else ("", error.messages)
        message, where = " ".join(messages), name
    else:
        message, where = str(error), getattr(error, "field", None) or ""
    path = paths.get(where.split(".")[0], where) if where else None
    cls = DescriptorForbidden if isinstance(error, Forbidden) else DescriptorRefused
    return cls(message, field=path or None, file=file)


def _check_signed_in(by: User) -> None:
    if not by.is_authenticated:
        raise DescriptorForbidden("Sign in to import descriptors.")


# --- import ----------------------------------------------------------------


def import_document(data, *, by: User, filename: str = "", product: DataProduct | None = None) -> ImportResult:
    """Import one ODPS or ODCS document (YAML or JSON bytes/text, or a parsed
    mapping). With `product`, the document must describe that product (ODPS)
    or one of its ports (ODCS). Validates first (DescriptorInvalid, nothing
    written); a refusal after that (DescriptorRefused, DescriptorForbidden)
    rolls back every write. Writes the product, ports, fields, SLOs and
    declared inputs through their services, the stored document, and an audit
    event `descriptor.imported`. The same document twice: the second changes
    nothing and says "unchanged"."""
    _check_signed_in(by)
    document = standards.parse(data, file=filename)
    standards.validate(document, file=filename)
    return _import_valid(document, by=by, filename=filename, product=product)


def _import_valid(
    document: dict, *, by: User, filename: str, product: DataProduct | None, found: list[OutputPort] | None = None
) -> ImportResult:
    """import_document for a parsed and validated document, in a transaction
    of its own (a savepoint inside import_tree's batch). `found`: the ports an
    ODCS document's id leads to (ports_with_contract), when the caller has them."""
    paths = ODPS_PATHS if document["kind"] == ODPS else ODCS_PATHS
    try:
        with transaction.atomic():
            if document["kind"] == ODPS:
                return _import_odps(document, by=by, filename=filename, product=product)
            return _import_odcs(document, by=by, filename=filename, product=product, found=found)
    except DescriptorRefused as error:
        error.file = error.file or filename
        raise
    except (ServiceError, ValidationError) as error:
        raise _refusal(error, paths=paths, file=filename) from error
    except IntegrityError as error:
        # Two imports of one new product or contract at once: the second loses the race.
        raise DescriptorRefused(
            "Another change to the same product or contract was saved at the same time; import again.", file=filename
        ) from error


def _find_domain(reference: str) -> Domain | None:
    return Domain.objects.filter(Q(slug__iexact=reference) | Q(name__iexact=reference) | Q(slug=slugify(reference))).first()


def _resolve_domain(values: odps.ProductValues, *, by: User, team: Team, current: DataProduct | None) -> Domain:
    if not values.domain:
        if current is not None:
            return current.domain
        raise DescriptorRefused("Name the product's domain (`domain`: a domain's slug or name).", field="domain")
    if current is not None and odps.domain_matches(values.domain, current.domain):
        return current.domain
    domain = _find_domain(values.domain)
    if domain is not None:
        return domain
    if not by.is_superuser:
        raise DescriptorRefused(f"Domain {values.domain!r} does not exist; an admin may import it to create it.", field="domain")
    slug = slugify(values.domain)[:80].strip("-")
    if not slug:
        raise DescriptorRefused(f"Domain {values.domain!r} has no letters or digits to make a slug of.", field="domain")
    return Domain.objects.create(name=values.domain[:120], slug=slug, owner_team=team)


def _resolve_team(values: odps.ProductValues, *, by: User, current: DataProduct | None) -> Team:
    if values.team:
        team = Team.objects.filter(slug=values.team).first()
        if team is None:
            raise DescriptorRefused(f"There is no team {values.team!r} (customProperties {odps.OWNING_TEAM}).", field="customProperties")
        return team
    if current is not None:
        return current.owner_team
    teams = list(teams_of(by)[:2])
    if len(teams) == 1:
        return teams[0]
    how = f"name the owning team in customProperties: - property: {odps.OWNING_TEAM}, value: <team slug>"
    reason = "you belong to several teams" if teams else "you belong to no team"
    raise DescriptorRefused(f"Which team owns this product? {reason.capitalize()}: {how}.", field="customProperties")


def _port_specs(product: DataProduct | None, ports: list[odps.PortValues] | None) -> list[PortSpec] | None:
    """The ports an ODPS document lists, keeping what it does not say (location,
    format, fields) from the port of that name, when there is one. None (the
    ports stay as they are) for a document without outputPorts."""
    if ports is None:
        return None
    existing = (
        {port.name: catalog_services.port_spec_of(port) for port in product.output_ports.prefetch_related("fields")} if product else {}
    )
    specs = []
    for values in ports:
        kept = existing.get(values.name) or PortSpec(values.name)
        specs.append(
            replace(kept, port_type=values.port_type, version=values.version, description=values.description, fields=list(kept.fields))
        )
    return specs


def _status_path(start: str, goal: str) -> list[str] | None:
    """The lifecycle steps from `start` to `goal` (draft → published → deprecated → retired)."""
    paths, seen = [[start]], {start}
    while paths:
        path = paths.pop(0)
        if path[-1] == goal:
            return path[1:]
        for step in sorted(DataProduct.TRANSITIONS[path[-1]]):
            if step not in seen:
                seen.add(step)
                paths.append([*path, step])
    return None


def _move_status(product: DataProduct, status: str, *, by: User) -> DataProduct:
    steps = _status_path(product.status, status)
    if steps is None:
        raise DescriptorRefused(f"A {product.status} product cannot become {status}.", field="status")
    for step in steps:
        product = catalog_services.change_status(product, by=by, status=step)
    return product


def _target_product(values: odps.ProductValues, product: DataProduct | None) -> tuple[DataProduct | None, ProductDescriptor | None]:
    descriptor = ProductDescriptor.objects.select_related("product").filter(odps_id=values.odps_id).first()
    if product is None:
        return (descriptor.product if descriptor else None), descriptor
    if descriptor is not None and descriptor.product_id != product.pk:
        raise DescriptorRefused(f"ODPS id {values.odps_id!r} describes another data product.", field="id")
    own = ProductDescriptor.objects.filter(product=product).first()
    if own is not None and own.odps_id != values.odps_id:
        raise DescriptorRefused(f"This product was imported from ODPS id {own.odps_id!r}, not {values.odps_id!r}.", field="id")
    return product, own


def _import_odps(document: dict, *, by: User, filename: str, product: DataProduct | None) -> ImportResult:
    values = odps.derive(document)
    for port_values in values.ports or []:
        if not port_values.name:
            raise DescriptorRefused("An output port needs a name.", field=f"outputPorts[{port_values.index}].name")
    product, descriptor = _target_product(values, product)
    if product is not None and not can_edit(by, product):
        raise DescriptorForbidden("Only members of the owning team can change this product.", field="id")
    digest = standards.digest(document)
    if descriptor is not None and descriptor.digest == digest:
        return ImportResult(product, messages=[f"{product.slug}: unchanged."], file=filename, kind=ODPS)
    team = _resolve_team(values, by=by, current=product)
    domain = _resolve_domain(values, by=by, team=team, current=product)
    specs = _port_specs(product, values.ports)
    attributes = {"name": values.name, "summary": values.summary, "description": values.description, "domain": domain, "owner_team": team}
    if values.version is not None:
        attributes["version"] = values.version
    created = product is None
    if created:
        slug = odps.slug_for(document)
        if DataProduct.objects.filter(slug=slug).exists():
            raise DescriptorRefused(
                f"A data product with the slug {slug!r} already exists (made from this document's id or name).", field="id"
            )
        first = DataProduct.Status.DRAFT if values.status == DataProduct.Status.DRAFT else DataProduct.Status.PUBLISHED
        product = catalog_services.create_product(by=by, slug=slug, tags=values.tags or (), ports=specs, status=first, **attributes)
    else:
        # A product's first descriptor describes it as it is meant to be: a
        # port it drops is not a breaking change to refuse. Later ones follow the rule.
        product = catalog_services.update_product(
            product,
            by=by,
            tags=values.tags if values.tags is not None else (),
            ports=specs,
            confirm_breaking=descriptor is None,
            **attributes,
        )
    if product.status != values.status:
        product = _move_status(product, values.status, by=by)
    messages = [f"{product.slug}: {'created' if created else 'updated'}."]
    messages += _declare_inputs(document, product, by=by)
    now = timezone.now()
    stored = {"odps_id": values.odps_id, "document": document, "digest": digest, "imported_by": by, "imported_at": now}
    new = descriptor is None  # _target_product found none for the product
    if new:
        descriptor = ProductDescriptor.objects.create(product=product, **stored)
    else:
        for name, value in stored.items():
            setattr(descriptor, name, value)
        descriptor.save(update_fields=list(stored))
    _bind_contracts(descriptor, product, new=new)
    trail.record(
        "descriptor.imported",
        actor=by,
        obj=descriptor,
        product=product,
        payload={"kind": ODPS, "id": values.odps_id, "file": filename, "created": created},
    )
    return ImportResult(product, created=created, changed=True, messages=messages, file=filename, kind=ODPS)


def _declare_inputs(document: dict, product: DataProduct, *, by: User) -> list[str]:
    """inputPorts[].contractId → the product's declared inputs, when a port of a
    product `by` can see carries that contract; others stay in the document."""
    specs, kept = [], 0
    visible = visible_products(by)
    for entry in document.get("inputPorts") or []:
        ports = [port for port in ports_with_contract(str(entry.get("contractId", ""))) if port.product_id != product.pk]
        ports = [port for port in ports if visible.filter(pk=port.product_id).exists()]
        if ports:
            specs.append(lineage_services.InputSpec(product=ports[0].product.slug, port=ports[0].name))
        else:
            kept += 1
    messages = []
    if specs:
        lineage_services.set_product_inputs(product, by=by, inputs=specs)
        messages.append(f"{product.slug}: {len(specs)} input(s) declared from inputPorts.")
    if kept:
        messages.append(f"{product.slug}: {kept} input port(s) name no contract of a product in the marketplace; kept in the descriptor.")
    return messages


def ports_with_contract(contract_id: str) -> list[OutputPort]:
    """Ports whose contract has this id: those a contract was imported into,
    then those an imported ODPS document names it for."""
    return _ports_with_contracts([contract_id]).get(contract_id, [])


def _ports_with_contracts(contract_ids: Iterable[str]) -> dict[str, list[OutputPort]]:
    """ports_with_contract for several ids at once, in two queries."""
    contract_ids = {contract_id for contract_id in contract_ids if contract_id}
    if not contract_ids:
        return {}
    found: dict[str, dict[int, OutputPort]] = {}
    for contract in PortContract.objects.select_related("port__product").filter(contract_id__in=contract_ids):
        found.setdefault(contract.contract_id, {}).setdefault(contract.port_id, contract.port)
    bindings = ContractBinding.objects.select_related("port__product").filter(contract_id__in=contract_ids).order_by("pk")
    for binding in bindings:
        found.setdefault(binding.contract_id, {}).setdefault(binding.port_id, binding.port)
    return {contract_id: list(ports.values()) for contract_id, ports in found.items()}


def _bind_contracts(descriptor: ProductDescriptor, product: DataProduct, *, new: bool = False) -> None:
    """Index the contract ids `descriptor` names for `product`'s ports
    (ports_with_contract looks them up), replacing the ones it named before
    (a `new` descriptor named none)."""
    entries = descriptor.document.get("outputPorts") or []
    names = odps.port_names(entries)
    ports = {port.name: port for port in product.output_ports.filter(name__in=names)}
    if not new:
        descriptor.bindings.all().delete()
    ContractBinding.objects.bulk_create(
        ContractBinding(descriptor=descriptor, port=ports[name], contract_id=str(entry["contractId"]))
        for name, entry in zip(names, entries)
        if entry.get("contractId") and name in ports
    )


def _target_port(document: dict, *, by: User, product: DataProduct | None, found: list[OutputPort] | None = None) -> OutputPort:
    """The port an ODCS document lands on. `found`: ports_with_contract of its id, when the caller has it."""
    contract_id = str(document["id"])
    ports = ports_with_contract(contract_id) if found is None else found
    if product is not None:
        ports = [port for port in ports if port.product_id == product.pk]
        if not ports:
            named = product.output_ports.filter(name=str(document.get("name", ""))).first()
            only = list(product.output_ports.all()[:2])
            ports = [named] if named else only if len(only) == 1 else []
        return ports[0] if ports else _add_port_for(document, product, by=by)
    editable = [port for port in ports if can_edit(by, port.product)]
    if not ports:
        raise DescriptorRefused(
            f"No output port carries contract {contract_id!r}: import the product's ODPS descriptor (naming it as an "
            f"output port's contractId) first, or upload the contract on the product, which adds it as a new output port.",
            field="id",
        )
    if not editable:
        raise DescriptorForbidden("Only members of the owning team can change this port's contract.", field="id")
    if len(editable) > 1:
        names = ", ".join(sorted(f"{port.product.slug}/{port.name}" for port in editable))
        raise DescriptorRefused(f"Several ports carry contract {contract_id!r} ({names}): upload it on one product.", field="id")
    return editable[0]


def _add_port_for(document: dict, product: DataProduct, *, by: User) -> OutputPort:
    """A contract uploaded on `product` that none of its ports carries (by id,
    by `name`, or as its only port) becomes a new output port, named after the
    contract (`name`, else its one schema object's name, else its id); the
    import then gives it the contract's schema, location and SLOs."""
    if not can_edit(by, product):
        raise DescriptorForbidden("Only members of the owning team can add an output port to this product.", field="id")
    objects = document.get("schema") or []
    candidates = [document.get("name"), objects[0].get("name") if len(objects) == 1 else None, document["id"]]
    name = next(str(candidate).strip() for candidate in candidates if candidate and str(candidate).strip())[:120]
    port = product.output_ports.filter(name=name).first()
    if port is not None:
        return port
    version = str(document.get("version", ""))
    specs = [catalog_services.port_spec_of(existing) for existing in product.output_ports.prefetch_related("fields")]
    specs.append(PortSpec(name=name, version=version if schema_changes.major(version) is not None and len(version) <= 30 else "1.0.0"))
    catalog_services.set_output_ports(product, ports=specs, by=by)
    return product.output_ports.get(name=name)


def _set_contract_ports(document: dict, port: OutputPort, specs: list[PortSpec], *, by: User, current: PortContract | None) -> None:
    """Write `specs` (port's changed by the contract `document`, the others as they are)."""
    # A breaking change needs the contract's `version` to go up a major
    # number from the port's current contract (or the port's version).
    # The first contract a port takes defines it rather than changes it.
    previous = current.version if current is not None else port.version
    confirmed = current is None or schema_changes.major_raised(previous, str(document.get("version", "")))
    try:
        catalog_services.set_output_ports(port.product, ports=specs, by=by, confirm_breaking=confirmed)
    except catalog_services.BreakingChange as error:
        texts = "; ".join(text for texts in error.changes.values() for text in texts)
        raise DescriptorRefused(
            f"This contract breaks what the port's consumers rely on ({texts}): raise its version from {previous} "
            f"to {schema_changes.next_major(previous)} to publish a breaking change.",
            field="version",
        ) from error


def _apply_contract(document: dict, port: OutputPort, *, by: User, current: PortContract | None) -> list[str]:
    """Write what the contract `document` says of `port` (`current`: the port's current contract, if any)."""
    product = port.product
    new_fields, new_location = odcs.fields(document), odcs.location(document)
    if new_fields is not None or new_location is not None:
        # Every port of the product goes to set_output_ports (it replaces the
        # whole list); the others as they are, so they compare equal and stay untouched.
        specs = [catalog_services.port_spec_of(existing) for existing in product.output_ports.prefetch_related("fields")]
        index = next(i for i, spec in enumerate(specs) if spec.name == port.name)
        current_spec = specs[index]
        specs[index] = replace(
            current_spec,
            fields=new_fields if new_fields is not None else current_spec.fields,
            location=new_location if new_location is not None else current_spec.location,
        )
        if schema_changes.spec_snapshot(specs[index]) != schema_changes.spec_snapshot(current_spec):
            _set_contract_ports(document, port, specs, by=by, current=current)
    promised, messages = odcs.slos(document)
    objectives = {slo.indicator: slo for slo in port.slos.all()} if promised else {}
    for values in promised:
        try:
            slo = objectives.get(values.indicator)
            if slo is None:
                slo_services.define_slo(
                    product,
                    by=by,
                    port=port,
                    indicator=values.indicator,
                    threshold=values.threshold,
                    unit=values.unit,
                    target=odcs.DEFAULT_TARGET,
                    window_days=odcs.DEFAULT_WINDOW_DAYS,
                    description=f"From data contract {document['id']}.",
                )
            elif (slo.threshold, slo.unit) != (values.threshold, values.unit):
                slo_services.update_slo(slo, by=by, threshold=values.threshold, unit=values.unit)
        except ServiceError as error:
            cls = DescriptorForbidden if isinstance(error, Forbidden) else DescriptorRefused
            raise cls(str(error), field=f"slaProperties[{values.index}].value") from error
    return [f"{product.slug}/{port.name}: {message}" for message in messages]


def _import_odcs(
    document: dict, *, by: User, filename: str, product: DataProduct | None, found: list[OutputPort] | None = None
) -> ImportResult:
    unnamed = odcs.unnamed_properties(document)
    if unnamed:
        raise DescriptorRefused("A property needs a name: it becomes one of the port's fields.", field=unnamed[0])
    port = _target_port(document, by=by, product=product, found=found)
    if not can_edit(by, port.product):
        raise DescriptorForbidden("Only members of the owning team can change this port's contract.", field="id")
    version = str(document["version"])[:60]
    digest = standards.digest(document)
    # The port's contracts, newest first, in one query (their documents are not needed):
    # the one of this version, if any, and the current one.
    contracts = list(PortContract.objects.filter(port=port).order_by("-created_at", "-pk").defer("document"))
    existing = next((contract for contract in contracts if contract.version == version), None)
    where = f"{port.product.slug}/{port.name}"
    if existing is not None and existing.digest == digest and existing.contract_id == str(document["id"]):
        # The roles' approver names are resolved again: a person or team added since then now counts.
        resolved, warnings = _set_roles(document, port, existing, by=by, created=False) if document.get("roles") else (False, [])
        messages = [f"{where}: contract {version} unchanged" + ("; its roles' approvers resolved again." if resolved else ".")]
        return ImportResult(port.product, changed=resolved, messages=messages, warnings=warnings, file=filename, kind=ODCS)
    messages = _apply_contract(document, port, by=by, current=contracts[0] if contracts else None)
    now = timezone.now()
    if existing is None:
        contract = PortContract.objects.create(
            port=port, contract_id=str(document["id"]), version=version, document=document, digest=digest, created_by=by, created_at=now
        )
        messages.insert(0, f"{where}: contract {version} added.")
    else:
        # The same version again with other content: replaced in place for now
        # (versioning with breaking-change rules comes later).
        existing.contract_id, existing.document, existing.digest = str(document["id"]), document, digest
        existing.save(update_fields=["contract_id", "document", "digest"])
        contract = existing
        messages.insert(0, f"{where}: contract {version} updated.")
    _, warnings = _set_roles(document, port, contract, by=by, created=existing is None)
    trail.record(
        "descriptor.imported",
        actor=by,
        obj=contract,
        product=port.product,
        payload={"kind": ODCS, "id": contract.contract_id, "version": version, "port": port.name, "file": filename},
    )
    return ImportResult(port.product, changed=True, messages=messages, warnings=warnings, file=filename, kind=ODCS)


def _set_roles(document: dict, port: OutputPort, contract: PortContract, *, by: User, created: bool) -> tuple[bool, list[str]]:
    """The contract's `roles` become the port's (access_requests.PortRole),
    when it is the port's current contract (one just `created` is): an older
    version imported again does not take the routing back. Returns whether
    the port's roles changed, and a warning per approver name that resolves
    to no marketplace user or team."""
    if not created and _current_contracts([port]).get(port.pk) != contract:
        return False, []
    outcome = access_services.set_port_roles(port, people.role_specs(document), by=by)
    where = f"{port.product.slug}/{port.name}"
    return outcome.changed, [
        f"{where}: role {role!r}: {level} approver {name!r} is no marketplace user or team; kept, unresolved, "
        f"so the owners or stewards decide for it."
        for role, level, name in outcome.unresolved
    ]


def descriptor_files(paths: Iterable[Path | str]) -> list[Path]:
    """The files `paths` name: files as given, directories searched for
    .yaml, .yml and .json files, in name order."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in DESCRIPTOR_SUFFIXES)
        else:
            found.append(path)
    return found


def _read(path: Path) -> tuple[dict | None, list[dict]]:
    try:
        if path.stat().st_size > standards.MAX_DOCUMENT_BYTES:
            return None, [
                {"file": str(path), "path": "", "rule": f"The document is larger than {standards.MAX_DOCUMENT_BYTES // 1024} KB."}
            ]
        return standards.parse(path.read_bytes(), file=str(path)), []
    except OSError as error:
        return None, [{"file": str(path), "path": "", "rule": f"Cannot read the file: {error.strerror or error}"}]
    except DescriptorInvalid as error:
        return None, error.problems


# import_tree writes this many files in one transaction, each in a savepoint
# of its own (a refused file leaves nothing of itself): fewer commits, and one
# search-indexing task a batch rather than one a file. A batch holds the
# database's write lock (SQLite) and the audit trail's head row while it runs,
# a second or two.
BATCH_FILES = 50


@dataclass
class _Stored:
    """What the database holds of the documents one batch of files names, read
    in a few queries, so that an unchanged file is recognised, and a contract
    finds its port, without queries of their own. It only ever answers with
    what it read: an id written during the batch is forgotten, and its next
    file takes import_document's own path."""

    descriptors: dict[str, ProductDescriptor]  # by ODPS id, the product loaded
    ports: dict[str, list[OutputPort]]  # ports_with_contract, by contract id
    contracts: dict[tuple[int, str], PortContract]  # by (port id, version)
    forgotten: set[str] = field(default_factory=set)

    @classmethod
    def read(cls, documents: list[dict]) -> "_Stored":
        odps_ids = {str(document["id"]) for document in documents if document.get("kind") == ODPS and "id" in document}
        contract_ids = {str(document["id"]) for document in documents if document.get("kind") == ODCS and "id" in document}
        descriptors = ProductDescriptor.objects.select_related("product").defer("document").filter(odps_id__in=odps_ids)
        ports = _ports_with_contracts(contract_ids)
        port_ids = {port.pk for found in ports.values() for port in found}
        contracts = PortContract.objects.defer("document").filter(port_id__in=port_ids, contract_id__in=contract_ids)
        return cls(
            {descriptor.odps_id: descriptor for descriptor in descriptors} if odps_ids else {},
            ports,
            {(contract.port_id, contract.version): contract for contract in contracts} if port_ids else {},
        )

    def found(self, document: dict) -> list[OutputPort] | None:
        """The ports an ODCS document's id leads to; None once forgotten."""
        contract_id = str(document["id"])
        return None if contract_id in self.forgotten else self.ports.get(contract_id, [])

    def unchanged(self, document: dict, *, by: User, filename: str) -> ImportResult | None:
        """The result of importing `document` when it is the one stored, as
        import_document would say it; None when it may not be (a change, a
        refusal, an id written in this batch): import it."""
        identifier = str(document["id"])
        if identifier in self.forgotten:
            return None
        digest = standards.digest(document)
        if document["kind"] == ODPS:
            descriptor = self.descriptors.get(identifier)
            if descriptor is None or descriptor.digest != digest or not can_edit(by, descriptor.product):
                return None
            product = descriptor.product
            return ImportResult(product, messages=[f"{product.slug}: unchanged."], file=filename, kind=ODPS)
        editable = [port for port in self.ports.get(identifier, []) if can_edit(by, port.product)]
        if len(editable) != 1 or odcs.unnamed_properties(document):
            return None
        port, version = editable[0], str(document["version"])[:60]
        existing = self.contracts.get((port.pk, version))
        if existing is None or existing.digest != digest or existing.contract_id != identifier:
            return None
        where = f"{port.product.slug}/{port.name}"
        return ImportResult(port.product, messages=[f"{where}: contract {version} unchanged."], file=filename, kind=ODCS)

    def forget(self, document: dict) -> None:
        self.forgotten.add(str(document.get("id", "")))


def import_tree(paths: Iterable[Path | str], *, by: User, progress: Callable | None = None) -> list[ImportResult]:
    """Import every descriptor under `paths` (files or directories; see
    descriptor_files): ODPS files first, so that ODCS files find their ports by
    contract id. Each file is read and validated before anything of it is
    written, and imported in its own savepoint: a refused file is a result with
    `problems`, leaves nothing of itself, and the others go on. Files are
    written BATCH_FILES at a time in one transaction (an error that is no
    refusal, a bug, undoes the batch it happens in and stops the import).
    `progress(result)` is called after each file."""
    read = [(path, *_read(path)) for path in descriptor_files(paths)]
    order = {ODPS: 0, ODCS: 1}
    read.sort(key=lambda item: order.get(standards.kind_of(item[1] or {}), 2))
    results = []
    for batch in _batches(read):
        stored = _Stored.read([document for _, document, problems in batch if not problems])
        with transaction.atomic():
            for path, document, problems in batch:
                result = ImportResult(None, file=str(path), problems=problems) if problems else _import_read(document, path, stored, by=by)
                results.append(result)
                if progress is not None:
                    progress(result)
    return results


def _batches(read: list[tuple]) -> Iterable[list[tuple]]:
    """`read` in batches of at most BATCH_FILES files of one kind: the ODPS
    files of a batch write the ports its ODCS files would look up."""
    batch: list[tuple] = []
    for item in read:
        if batch and (len(batch) == BATCH_FILES or standards.kind_of(item[1] or {}) != standards.kind_of(batch[0][1] or {})):
            yield batch
            batch = []
        batch.append(item)
    if batch:
        yield batch


def _import_read(document: dict, path: Path, stored: _Stored, *, by: User) -> ImportResult:
    """import_document for a document import_tree has read."""
    filename = str(path)
    try:
        _check_signed_in(by)
        standards.validate(document, file=filename)
        result = stored.unchanged(document, by=by, filename=filename)
        if result is None:
            found = stored.found(document) if document["kind"] == ODCS else None
            stored.forget(document)
            result = _import_valid(document, by=by, filename=filename, product=None, found=found)
    except (DescriptorInvalid, DescriptorRefused) as error:
        return ImportResult(None, file=filename, kind=standards.kind_of(document), problems=error.problems)
    return result


# --- export ----------------------------------------------------------------


def _current_contracts(ports: Iterable[OutputPort]) -> dict[int, PortContract]:
    current: dict[int, PortContract] = {}
    for contract in PortContract.objects.filter(port__in=list(ports)).order_by("port_id", "-created_at", "-pk"):
        current.setdefault(contract.port_id, contract)
    return current


def export_odps(product: DataProduct, *, user) -> dict:
    """`product` as an ODPS document: the one it was imported from with the
    marketplace's current values written over, or one built from the catalog.
    Callers check that `user` may see the product."""
    contracts = _current_contracts(product.output_ports.all())
    contract_ids = {port_id: contract.contract_id for port_id, contract in contracts.items()}
    descriptor = ProductDescriptor.objects.filter(product=product).first()
    if descriptor is None:
        return odps.build(product, contract_ids=contract_ids)
    return odps.overlay(descriptor.document, product, contract_ids=contract_ids)


def export_odcs(port: OutputPort, *, user) -> dict:
    """`port`'s current data contract as an ODCS document (built from the port
    when none was imported). `servers` only for a `user` who may use the port."""
    show_servers = bool(usable_port_ids(user, port.product, [port.pk]))
    contract = _current_contracts([port]).get(port.pk)
    if contract is None:
        return odcs.build(port, show_servers=show_servers)
    document = odcs.overlay(contract.document, port, show_servers=show_servers)
    # The marketplace's version of the port, when a change after this contract
    # raised it past the document's (one from before does not rewrite it).
    latest = PortVersion.objects.filter(port=port, changed_at__gt=contract.created_at).order_by("-changed_at", "-pk").first()
    if latest is not None and (not document.get("version") or _semver(latest.version) > _semver(str(document["version"]))):
        document["version"] = latest.version
    return document


def _semver(version: str) -> tuple[int, ...]:
    """`2.1.0` → (2, 1, 0); what is not a number counts as 0 (a comparison, not a validation)."""
    core = version.strip().lstrip("vV").split("-")[0].split("+")[0]
    parts = [int(part) if part.isdigit() else 0 for part in core.split(".")[:3]]
    return tuple(parts + [0] * (3 - len(parts)))
