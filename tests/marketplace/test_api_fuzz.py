"""Schemathesis against the running API: the demo mesh in a throwaway SQLite
database, `manage.py runserver` on a free port, and `st run` on /api/schema/
as alice with a token. Every check, every phase (examples, coverage,
fuzzing, stateful), valid and invalid data, a fixed example budget and a
fixed seed. It must end with no failure.

The writes the fuzzer makes (products, objectives, requests, revocations)
land in the throwaway database, which is removed afterwards;
var/marketplace.sqlite3 is never touched.

Checks are configured in tests/marketplace/schemathesis.toml (why each
setting is there is written beside it)."""

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.net import free_port

PROJECT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")
ST = Path(sys.executable).with_name("st")
# Cases per operation and phase: the whole test takes about 2.5 minutes on two cores (50: 3.5).
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "25"))
SEED = os.environ.get("FUZZ_SEED", "20261207")

pytestmark = pytest.mark.fuzz


def _audit_keys() -> dict[str, str]:
    """A signing key pair for the server's audit checkpoints, made for this run."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return {"AUDIT_SIGNING_KEY": private.decode(), "AUDIT_VERIFY_KEY": public.decode()}


def _manage(env: dict, *arguments: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *arguments], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"manage.py {' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _wait_for(url: str, server: subprocess.Popen, *, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"runserver exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@pytest.fixture
def demo_server():
    """The demo mesh served from a throwaway database; yields (base URL, alice's token, its directory)."""
    directory = Path(tempfile.mkdtemp(prefix="marketplace-fuzz-"))
    env = {
        **os.environ,
        "DEBUG": "true",  # load_demo refuses to run otherwise
        "DATABASE_URL": f"sqlite:///{directory / 'fuzz.sqlite3'}",
        "AUDIT_CHECKPOINT_DIR": str(directory / "audit-checkpoints"),
        "CELERY_BROKER_URL": "",  # tasks run in the request
        "ELASTICSEARCH_URL": "",
        "SEARCH_BACKEND": "auto",
        "EMAIL_HOST": "",
        "LOG_LEVEL": "WARNING",
        **_audit_keys(),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    _manage(env, "migrate", "--no-input", "--verbosity", "0")
    _manage(env, "load_demo", "--verbosity", "0")
    token = _manage(env, "drf_create_token", "alice").split()[2]
    port = free_port()
    log = open(directory / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=PROJECT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/api/schema/", server)
        yield base, token, directory
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()
        subprocess.run(["rm", "-rf", str(directory)], check=False)


def test_the_api_answers_every_generated_request_as_its_schema_says(demo_server):
    base, token, directory = demo_server
    command = [
        str(ST),
        "--config-file",
        str(CONFIG),
        "run",
        f"{base}/api/schema/",
        "--header",
        f"Authorization: Token {token}",
        "--checks",
        "all",
        "--mode",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        SEED,
        "--generation-database",
        "none",
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--no-color",
    ]
    started = time.monotonic()
    result = subprocess.run(command, cwd=directory, capture_output=True, text=True, timeout=900)
    seconds = time.monotonic() - started
    server_log = (directory / "server.log").read_text(errors="replace")
    errors = "\n".join(line for line in server_log.splitlines() if "Error" in line or "Traceback" in line)
    # Generated values can be megabytes long: each line of the report is cut short.
    report = "\n".join(line[:400] for line in result.stdout.splitlines())
    assert result.returncode == 0, (
        f"schemathesis found failures ({seconds:.0f} s):\n{report[-40000:]}\n{result.stderr[-5000:]}\n"
        f"--- server errors ---\n{errors[-5000:]}"
    )
    assert "Internal Server Error" not in server_log, errors[-5000:]
