"""Small ODPS and ODCS documents for the interface tests (the upstream examples
are in examples/): a product of a team in a domain, its ports' contracts."""

import yaml

from contracts import standards


def descriptor(odps_id: str, *, domain, team, name: str = "Orders daily", ports=("daily",), **changes) -> dict:
    """An ODPS v1.0.0 document for `odps_id` (also the product's slug), owned by `team`,
    each port's contract id `<odps_id>-<port>`."""
    document = {
        "apiVersion": "v1.0.0",
        "kind": "DataProduct",
        "id": odps_id,
        "name": name,
        "status": "active",
        "domain": domain.slug,
        "version": "1.0.0",
        "description": {"purpose": "The day's orders, one row per order line."},
        "customProperties": [{"property": "owningTeam", "value": team.slug}],
        "outputPorts": [{"name": port, "version": "1.0.0", "type": "tables", "contractId": contract_id(odps_id, port)} for port in ports],
    }
    document.update(changes)
    return document


def contract_id(odps_id: str, port: str) -> str:
    return f"{odps_id}-{port}"


def contract(odps_id: str, port: str = "daily", *, logical_type: str = "number", **changes) -> dict:
    """An ODCS v3.1.0 contract of `port`: two columns and a PostgreSQL server."""
    document = {
        "apiVersion": "v3.1.0",
        "kind": "DataContract",
        "id": contract_id(odps_id, port),
        "name": f"{odps_id} {port}",
        "version": "1.0.0",
        "status": "active",
        "servers": [
            {
                "server": "production",
                "type": "postgresql",
                "host": "db.internal.example",
                "port": 5432,
                "database": "sales",
                "schema": "orders",
            }
        ],
        "schema": [
            {
                "name": "order_lines",
                "logicalType": "object",
                "physicalType": "table",
                "properties": [
                    {"name": "order_id", "logicalType": "string", "physicalType": "varchar(36)", "primaryKey": True, "required": True},
                    {"name": "amount", "logicalType": logical_type, "physicalType": "numeric(12,2)"},
                ],
            }
        ],
    }
    document.update(changes)
    return document


def as_yaml(document: dict) -> bytes:
    return yaml.safe_dump(document, sort_keys=False).encode()


def check(document: dict) -> dict:
    """`document`, after making sure the standard accepts it (a test of a refusal must not pass by accident)."""
    standards.validate(standards.parse(document))
    return document
