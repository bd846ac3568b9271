from pathlib import Path

EXAMPLES = Path(__file__).parent / "examples"

# Upstream examples their own schema refuses: the path of the first problem
# named, and why (README in examples/). Every other example round-trips.
REFUSED_EXAMPLES = {
    # Invalid on purpose: undefined properties at every level.
    "odcs-v3.0.2/strict-schema-test-invalid.odcs.yaml": "schema[0]",
    # The example disagrees with its own schema: v3.0.2 has exclusiveMinimum/Maximum as booleans.
    "odcs-v3.0.2/all-data-types.odcs.yaml": "schema[0].properties[1].logicalTypeOptions.exclusiveMinimum",
    # The example's completeness check has no `rule`, which the v3.0.2 schema requires of a library check.
    "odcs-v3.0.2/column-completeness.odcs.yaml": "schema[0].properties[0].quality[0]",
    # Two columns say `tag: [...]`, a key the standard does not have (it is `tags`).
    "odcs-v3.0.0/postgresql-adventureworks-contract.odcs.yaml": "schema[1].properties[1]",
}


def example(relative: str) -> bytes:
    return (EXAMPLES / relative).read_bytes()


def all_examples() -> list[str]:
    """Every vendored example, as `<standard>-<apiVersion>/<file>`."""
    return sorted(str(path.relative_to(EXAMPLES)) for path in EXAMPLES.glob("*/*.yaml"))
