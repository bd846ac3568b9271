"""A tool nobody here wrote agrees: every contract the demo mesh exports passes
`datacontract lint` (datacontract-cli, run as users run it: the console
script, one process per file), and every exported ODPS and ODCS document
validates against the standards' own JSON Schemas vendored in contracts/schemas."""

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from catalog.models import DataProduct, OutputPort
from contracts import services, standards

pytestmark = pytest.mark.django_db

# The console script beside this interpreter (the venv's bin/), else the one on PATH.
DATACONTRACT = shutil.which("datacontract", path=str(Path(sys.executable).parent)) or shutil.which("datacontract")


@pytest.fixture(scope="module")
def demo_exports(django_db_setup, django_db_blocker, tmp_path_factory) -> dict[str, Path]:
    """The demo mesh loaded once for the module (rolled back at the end), every
    product exported as ODPS and every port as ODCS by the demo's admin, as
    YAML files in a temporary directory: {file name: path}."""
    directory = tmp_path_factory.mktemp("demo-exports")
    files: dict[str, Path] = {}
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast_hashing, transaction.atomic():
        call_command("load_demo", force=True, stdout=StringIO())
        admin = User.objects.get(username="admin")
        for product in DataProduct.objects.order_by("slug"):
            path = directory / f"{product.slug}.odps.yaml"
            path.write_text(yaml.safe_dump(services.export_odps(product, user=admin), sort_keys=False, allow_unicode=True))
            files[path.name] = path
        for port in OutputPort.objects.select_related("product").order_by("product__slug", "name"):
            path = directory / f"{port.product.slug}.{port.name}.odcs.yaml"
            path.write_text(yaml.safe_dump(services.export_odcs(port, user=admin), sort_keys=False, allow_unicode=True))
            files[path.name] = path
        transaction.set_rollback(True)
    return files


def _contracts(files: dict[str, Path]) -> list[Path]:
    return [path for name, path in files.items() if name.endswith(".odcs.yaml")]


def _lint(path: Path) -> subprocess.CompletedProcess:
    # COLUMNS: the tool draws a table as wide as the terminal; wide enough to read its findings whole.
    return subprocess.run(
        [DATACONTRACT, "lint", str(path)], capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "200"}
    )


def test_the_demo_mesh_exports_a_contract_for_every_port_and_a_descriptor_for_every_product(demo_exports):
    contracts = _contracts(demo_exports)
    assert len(contracts) >= 20
    assert len(demo_exports) - len(contracts) >= 10


@pytest.mark.skipif(DATACONTRACT is None, reason="datacontract-cli is a test dependency: pip install -e '.[test]'")
def test_datacontract_cli_lints_every_exported_contract_of_the_demo_mesh_clean(demo_exports):
    contracts = _contracts(demo_exports)
    # Each run starts the tool afresh (about a second); two at a time on this 2-core machine.
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = dict(zip(contracts, pool.map(_lint, contracts)))
    failures = [
        f"--- {path.name}: exit {run.returncode}\n{run.stdout}{run.stderr}"
        for path, run in runs.items()
        # Clean: exit 0 and the tool's own verdict, which it gives only with no failure and no warning.
        if run.returncode != 0 or "Data contract is valid." not in run.stdout
    ]
    assert not failures, f"{len(failures)} of {len(runs)} contracts fail `datacontract lint`:\n" + "\n".join(failures)


def test_every_exported_descriptor_and_contract_of_the_demo_mesh_is_valid_against_the_standards_schema(demo_exports):
    problems = {}
    for name, path in demo_exports.items():
        document = standards.parse(path.read_bytes(), file=name)
        assert standards.kind_of(document) == (standards.ODCS if name.endswith(".odcs.yaml") else standards.ODPS)
        try:
            standards.validate(document, file=name)
        except standards.DescriptorInvalid as invalid:
            problems[name] = invalid
    assert not problems, "\n".join(str(invalid.with_file(name)) for name, invalid in problems.items())
