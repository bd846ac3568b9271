"""ODPS (Open Data Product Standard) ↔ the catalog's data product: what an ODPS
document says about the product's columns, and the document written back with
the marketplace's current values. No writes here (contracts.services writes).

The rule for reading back: a mapped field of the stored document is rewritten
only when what the document says differs from the marketplace's value now, so
an unchanged product exports the document it was imported from, byte for byte
after normalisation."""

import re
from dataclasses import dataclass, field

from django.utils.text import slugify

from catalog.models import DataProduct, OutputPort
from catalog.tags import TagLimitError, clean_tags

API_VERSION = "v1.0.0"
OWNING_TEAM = "owningTeam"  # the customProperty naming the owning team's slug
SUMMARY_CHARS = 280  # DataProduct.summary's max_length

# ODPS status → lifecycle status. "proposed" and "draft" are both drafts here.
STATUSES = {
    "proposed": DataProduct.Status.DRAFT,
    "draft": DataProduct.Status.DRAFT,
    "active": DataProduct.Status.PUBLISHED,
    "deprecated": DataProduct.Status.DEPRECATED,
    "retired": DataProduct.Status.RETIRED,
}
ODPS_STATUS = {
    DataProduct.Status.DRAFT: "draft",
    DataProduct.Status.PUBLISHED: "active",
    DataProduct.Status.DEPRECATED: "deprecated",
    DataProduct.Status.RETIRED: "retired",
}
ADDRESS = re.compile(r"^urn:dataproduct:[a-z0-9-]+:[a-z0-9]+(-[a-z0-9]+)*$")
UUID = re.compile(r"^[0-9a-f]{8}(-?[0-9a-f]{4}){3}-?[0-9a-f]{12}$", re.IGNORECASE)


@dataclass
class PortValues:
    """An outputPorts[] entry as the catalog holds it."""

    name: str  # the marketplace's name (see port_names)
    version: str
    port_type: str
    description: str
    contract_id: str
    index: int = -1  # its place in the document's outputPorts


@dataclass
class ProductValues:
    odps_id: str
    name: str
    status: str
    domain: str
    team: str  # a team slug from customProperties, or ""
    summary: str
    description: str
    tags: list[str] | None  # None: the document has no tags
    version: str | None
    ports: list[PortValues] | None = field(default_factory=list)  # None: no outputPorts, the ports stay as they are


def version_key(version: str) -> tuple:
    """Semver-ish order: "v2.0.0" after "1.10.0" after "1.9.0"; unreadable parts sort as text."""
    parts = re.findall(r"\d+|[A-Za-z]+", str(version))
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in parts)


def _major(version: str) -> str:
    found = re.search(r"\d+", str(version))
    return found.group() if found else slugify(str(version)) or "0"


def port_names(entries: list[dict]) -> list[str]:
    """The marketplace's port name for each outputPorts[] entry. ODPS keys a port
    by name and version, the marketplace by name alone: of several versions of
    one name, the newest keeps the name and the others become `<name>-v<major>`
    (or `<name>-v<version>` when two of them share a major), so every version
    stays importable and none is refused."""
    names = [str(entry.get("name", "")).strip() for entry in entries]
    result = list(names)
    groups: dict[str, list[int]] = {}
    for index, name in enumerate(names):
        groups.setdefault(name, []).append(index)
    for name, indexes in groups.items():
        if len(indexes) == 1:
            continue
        newest = max(indexes, key=lambda i: (version_key(entries[i].get("version", "")), i))
        older = [i for i in indexes if i != newest]
        majors = [_major(entries[i].get("version", "")) for i in older]
        for i, major in zip(older, majors):
            suffix = (
                major
                if majors.count(major) == 1
                else re.sub(r"[^0-9a-z]+", "-", str(entries[i].get("version", "")).lower()).strip("-") or str(i)
            )
            result[i] = f"{name}-v{suffix}"
    return result


def port_type(odps_type: str) -> str:
    """ODPS leaves an output port's type free ("tables", "file", "topic"): the nearest catalog type."""
    text = str(odps_type or "").lower()
    for words, kind in (
        (("stream", "topic", "kafka", "queue", "event"), OutputPort.PortType.STREAM),
        (("api", "rest", "http", "graphql"), OutputPort.PortType.API),
        (("file", "object", "bucket", "s3", "blob"), OutputPort.PortType.FILES),
    ):
        if any(word in text for word in words):
            return kind
    return OutputPort.PortType.TABLE


ODPS_PORT_TYPE = {
    OutputPort.PortType.TABLE: "tables",
    OutputPort.PortType.FILES: "files",
    OutputPort.PortType.STREAM: "topic",
    OutputPort.PortType.API: "api",
}


def custom_property(document: dict, name: str):
    for entry in document.get("customProperties") or []:
        if isinstance(entry, dict) and entry.get("property") == name:
            return entry.get("value")
    return None


def derive(document: dict) -> ProductValues:
    """What a (valid) ODPS document says about the product."""
    description = document.get("description") or {}
    purpose = str(description.get("purpose") or "").strip()
    name = str(document.get("name") or document["id"]).strip()
    entries = [entry for entry in document.get("outputPorts") or []]
    names = port_names(entries)
    tags = document.get("tags")
    team = custom_property(document, OWNING_TEAM)
    return ProductValues(
        odps_id=str(document["id"]),
        name=name[:120],
        status=STATUSES.get(str(document.get("status", "")).lower(), DataProduct.Status.DRAFT),
        domain=str(document.get("domain") or "").strip(),
        team=str(team).strip() if team else "",
        summary=(purpose or name)[:SUMMARY_CHARS],
        description=purpose,
        tags=[str(tag) for tag in tags] if isinstance(tags, list) else None,
        version=str(document["version"])[:30] if document.get("version") is not None else None,
        ports=None
        if "outputPorts" not in document
        else [
            PortValues(
                name=names[index][:120],
                version=str(entry.get("version", ""))[:30],
                port_type=port_type(entry.get("type", "")),
                description=str(entry.get("description") or ""),
                contract_id=str(entry.get("contractId") or ""),
                index=index,
            )
            for index, entry in enumerate(entries)
        ],
    )


def slug_for(document: dict) -> str:
    """The id when it already reads as a slug (not a UUID), the product part of
    a marketplace address (urn:dataproduct:<domain>:<product>, what export
    writes for a product never imported), else the name, slugified."""
    odps_id = str(document.get("id", ""))
    if ADDRESS.match(odps_id):
        return odps_id.rsplit(":", 1)[1]
    if odps_id and slugify(odps_id) == odps_id and not UUID.match(odps_id) and len(odps_id) <= 80:
        return odps_id
    return slugify(str(document.get("name") or odps_id))[:80].strip("-") or "data-product"


def domain_matches(reference: str, domain) -> bool:
    return reference.lower() in (domain.slug.lower(), domain.name.lower())


def _same_tags(names: list[str] | None, product_tags: list[str]) -> bool:
    if names is None:
        return not product_tags
    try:
        return clean_tags(names) == product_tags
    except TagLimitError:
        return False


# --- writing back ----------------------------------------------------------


def overlay(document: dict, product: DataProduct, *, contract_ids: dict[int, str]) -> dict:
    """`document` (a stored ODPS document) with `product`'s current values written
    over the fields that differ from what the document says. `contract_ids` maps
    a port's pk to its current contract's id."""
    document = {**document}
    said = derive(document)
    if said.name != product.name:
        document["name"] = product.name
    if said.status != product.status:
        document["status"] = ODPS_STATUS[product.status]
    if not said.domain or not domain_matches(said.domain, product.domain):
        document["domain"] = product.domain.slug
    if said.team and said.team != product.owner_team.slug:
        document["customProperties"] = [
            {**entry, "value": product.owner_team.slug} if isinstance(entry, dict) and entry.get("property") == OWNING_TEAM else entry
            for entry in document.get("customProperties") or []
        ]
    if said.description != product.description or said.summary != product.summary:
        description = {**(document.get("description") or {})}
        description["purpose"] = product.description or product.summary
        document["description"] = description
    tags = sorted(tag.name for tag in product.tags.all())
    if not _same_tags(said.tags, tags):
        document["tags"] = tags
    if said.version != product.version and not (said.version is None and product.version == "1.0.0"):
        document["version"] = product.version
    ports = _overlay_ports(document.get("outputPorts") or [], said.ports or [], product, contract_ids)
    if ports or "outputPorts" in document:
        document["outputPorts"] = ports
    return document


def _port_entry(port: OutputPort, contract_id: str) -> dict:
    entry = {"name": port.name, "version": port.version, "type": ODPS_PORT_TYPE.get(port.port_type, "tables")}
    if port.description:
        entry["description"] = port.description
    if contract_id:
        entry["contractId"] = contract_id
    return entry


def _overlay_ports(entries: list[dict], said: list[PortValues], product: DataProduct, contract_ids: dict[int, str]) -> list[dict]:
    ports = {port.name: port for port in product.output_ports.all()}
    result = []
    for values in said:
        port = ports.pop(values.name, None)
        if port is None:
            continue  # removed in the marketplace since
        entry = {**entries[values.index]}
        if values.version != port.version:
            entry["version"] = port.version
        if values.port_type != port.port_type:
            entry["type"] = ODPS_PORT_TYPE[port.port_type]
        if values.description != port.description:
            entry["description"] = port.description
        current = contract_ids.get(port.pk, "")
        if current and current != values.contract_id:
            entry["contractId"] = current
        result.append(entry)
    result.extend(_port_entry(port, contract_ids.get(port.pk, "")) for port in ports.values())
    return result


def build(product: DataProduct, *, contract_ids: dict[int, str]) -> dict:
    """An ODPS document for a product never imported."""
    document = {
        "apiVersion": API_VERSION,
        "kind": "DataProduct",
        "id": product.address,
        "name": product.name,
        "version": product.version,
        "status": ODPS_STATUS[product.status],
        "domain": product.domain.slug,
        "description": {"purpose": product.description or product.summary},
        "customProperties": [{"property": OWNING_TEAM, "value": product.owner_team.slug}],
    }
    tags = sorted(tag.name for tag in product.tags.all())
    if tags:
        document["tags"] = tags
    ports = [_port_entry(port, contract_ids.get(port.pk, "")) for port in product.output_ports.all()]
    if ports:
        document["outputPorts"] = ports
    return document
