"""Reading and validating ODPS and ODCS documents against the vendored schemas."""

import pytest
import yaml

from contracts import standards
from contracts.standards import DescriptorInvalid
from tests.contracts.conftest import REFUSED_EXAMPLES, all_examples, example

REFUSED = REFUSED_EXAMPLES
ALL_EXAMPLES = all_examples()
VALID_EXAMPLES = [name for name in ALL_EXAMPLES if name not in REFUSED]


def problems(document) -> list[dict]:
    with pytest.raises(DescriptorInvalid) as raised:
        standards.validate(document)
    return raised.value.problems


@pytest.mark.parametrize("name", VALID_EXAMPLES)
def test_every_valid_upstream_example_validates(name):
    standards.validate(standards.parse(example(name)))


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_upstream_examples_their_schema_refuses_are_refused_naming_the_path(name):
    paths = [problem["path"] for problem in problems(standards.parse(example(name)))]

    assert paths[0] == REFUSED[name]


def test_there_are_examples_of_each_standard_that_validate():
    assert {name.split("/")[0] for name in VALID_EXAMPLES} == {
        "odcs-v3.0.0",
        "odcs-v3.0.1",
        "odcs-v3.0.2",
        "odcs-v3.1.0",
        "odcs-v3.2.0",
        "odps-v0.9.0",
        "odps-v1.1.0",
    }
    assert len(VALID_EXAMPLES) == len(ALL_EXAMPLES) - len(REFUSED) >= 33


def test_a_bad_logical_type_is_named_by_its_path_and_rule():
    document = standards.parse(example("odcs-v3.0.2/table-column-description.odcs.yaml"))
    document["schema"][0]["properties"].append({"name": "amount", "logicalType": "money"})
    index = len(document["schema"][0]["properties"]) - 1

    found = problems(document)

    assert [problem["path"] for problem in found] == [f"schema[0].properties[{index}].logicalType"]
    assert found[0]["rule"].startswith("'money' is not one of ['string'")


def test_every_problem_is_reported_sorted_by_path():
    document = standards.parse(example("odcs-v3.0.2/table-column-description.odcs.yaml"))
    document["status"] = 7
    document["schema"][0]["properties"][0]["logicalType"] = "money"

    paths = [problem["path"] for problem in problems(document)]

    assert paths == ["schema[0].properties[0].logicalType", "status"]


def test_the_error_reads_file_path_and_rule():
    document = {"apiVersion": "v3.1.0", "kind": "DataContract", "id": "x", "version": "1.0.0", "status": "active", "schema": 3}

    with pytest.raises(DescriptorInvalid) as raised:
        standards.validate(document, file="orders.odcs.yaml")

    assert raised.value.problems == [{"file": "orders.odcs.yaml", "path": "schema", "rule": "3 is not of type 'array'"}]
    assert str(raised.value) == "orders.odcs.yaml: schema: 3 is not of type 'array'"
    assert raised.value.field == "schema"


def test_an_unknown_kind_is_a_problem_at_kind():
    assert problems({"kind": "DataSet", "apiVersion": "v1.0.0"})[0]["path"] == "kind"


def test_an_unknown_api_version_is_a_problem_at_api_version_naming_the_supported_ones():
    found = problems({"kind": "DataProduct", "apiVersion": "v1.2.0", "id": "x", "status": "active"})

    assert found == [
        {"file": "", "path": "apiVersion", "rule": "DataProduct apiVersion 'v1.2.0' is not supported (supported: v0.9.0, v1.0.0, v1.1.0)."}
    ]


def test_odcs_v3_0_2_is_accepted_though_its_schema_file_stops_at_v3_0_1():
    document = standards.parse(example("odcs-v3.0.2/column-accuracy.odcs.yaml"))

    assert document["apiVersion"] == "v3.0.2"
    standards.validate(document)


def test_an_odps_v0_9_0_example_validates_as_v1_0_0_too():
    document = standards.parse(example("odps-v0.9.0/customer-data-product.odps.yaml"))
    document["apiVersion"] = "v1.0.0"

    standards.validate(document)


def test_the_v1_1_0_examples_become_v1_0_0_documents_without_their_new_fields():
    simple = standards.parse(example("odps-v1.1.0/simple-data-product.odps.yaml"))
    deprecated = standards.parse(example("odps-v1.1.0/deprecated-data-product.odps.yaml"))
    simple["apiVersion"] = deprecated["apiVersion"] = "v1.0.0"
    for section in ("inputPorts", "outputPorts", "managementPorts"):
        for port in deprecated.get(section, []):
            port.pop("deprecated", None)

    standards.validate(simple)
    standards.validate(deprecated)


def test_yaml_dates_become_the_iso_strings_json_would_hold():
    document = standards.parse(b"kind: DataProduct\nday: 2023-01-15\nat: 2023-01-15T10:30:00Z\n")

    assert document == {"kind": "DataProduct", "day": "2023-01-15", "at": "2023-01-15T10:30:00Z"}


def test_json_is_read_as_well_as_yaml():
    assert standards.parse(b'{"kind": "DataContract", "schema": []}') == {"kind": "DataContract", "schema": []}


@pytest.mark.parametrize(
    "text",
    [b"- a list\n- of things\n", b"just text", b"key: [unclosed", b"\xff\xfe\x00bad", b""],
)
def test_anything_but_a_mapping_is_refused_at_the_top(text):
    with pytest.raises(DescriptorInvalid) as raised:
        standards.parse(text, file="bad.yaml")

    assert raised.value.problems[0]["path"] == ""
    assert raised.value.problems[0]["file"] == "bad.yaml"


def test_deep_nesting_is_refused():
    with pytest.raises(DescriptorInvalid, match="nests deeper"):
        standards.parse(b"a: " + b"[" * 200 + b"]" * 200)


def test_very_deep_nesting_is_refused_without_exhausting_the_parser():
    with pytest.raises(DescriptorInvalid):
        standards.parse(b"[" * 100_000)


def test_yaml_aliases_are_refused():
    text = yaml.safe_dump({"a": 1}) + "b: &x [1, 2]\nc: *x\n"

    with pytest.raises(DescriptorInvalid, match="aliases"):
        standards.parse(text)


def test_an_oversized_document_is_refused():
    with pytest.raises(DescriptorInvalid, match="larger than"):
        standards.parse(b"a: " + b"x" * (standards.MAX_DOCUMENT_BYTES + 1))


def test_the_digest_does_not_depend_on_key_order():
    assert standards.digest({"a": 1, "b": [1, 2]}) == standards.digest({"b": [1, 2], "a": 1})
    assert standards.digest({"a": 1}) != standards.digest({"a": 2})


def test_a_well_formed_but_very_deep_document_is_refused_at_once():
    with pytest.raises(DescriptorInvalid, match="nests deeper"):
        standards.parse(b"[" * 100_000 + b"]" * 100_000)
