"""Test session set-up.

- The database: SQLite by default; with `--postgres` the session starts a
  throwaway PostgreSQL cluster from the installed server binaries (initdb,
  pg_ctl) and runs the same suite against it.
- The browser: Playwright drives Debian's Chromium (/usr/bin/chromium).
- REQUIRE_SERVICES=1 (set by CI) turns "service missing" skips into failures.
"""

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.net import free_port

# Playwright's sync API runs an event loop in the test thread; Django's ORM
# calls in the same thread are safe here, so let them through.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def service_missing(message: str):
    """Skip, or fail when CI said every service must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} (REQUIRE_SERVICES=1: a missing service is a failure)", pytrace=False)
    pytest.skip(message)


def pytest_addoption(parser):
    parser.addoption(
        "--postgres", action="store_true", help="run against a throwaway PostgreSQL cluster started from the installed binaries"
    )


def pytest_report_header(config):
    database = "PostgreSQL (throwaway cluster)" if config.getoption("--postgres") else "SQLite"
    return [f"database: {database}; REQUIRE_SERVICES={int(REQUIRE_SERVICES)}"]


# --- PostgreSQL --------------------------------------------------------------


def _postgres_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


class PostgresCluster:
    """A PostgreSQL cluster in a temporary directory, for one test session."""

    def __init__(self):
        self.initdb = _postgres_binary("initdb")
        self.pg_ctl = _postgres_binary("pg_ctl")
        self.directory = Path(tempfile.mkdtemp(prefix="marketplace-pg-"))
        self.data = self.directory / "data"
        self.port = free_port()
        # initdb refuses to run as root: run the server as the postgres user then.
        self.run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres")
        self._run(self.initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        self._run(self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.directory / "server.log"), "-w", "start")

    def stop(self) -> None:
        subprocess.run([*self.run_as, self.pg_ctl, "-D", str(self.data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(self.directory, ignore_errors=True)

    def _run(self, *command: str) -> None:
        result = subprocess.run([*self.run_as, *command], capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {result.stderr or result.stdout}")

    def database_settings(self) -> dict:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "marketplace",
            "USER": "postgres",
            "PASSWORD": "",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "OPTIONS": {},
            "TEST": {"NAME": "test_marketplace"},
        }


@pytest.fixture(scope="session")
def postgres_cluster(request):
    if not (_postgres_binary("initdb") and _postgres_binary("pg_ctl")):
        service_missing("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    cluster = PostgresCluster()
    cluster.start()
    request.addfinalizer(cluster.stop)
    return cluster


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request):
    """With --postgres, point the default database at the session's cluster
    before pytest-django creates the test database. On SQLite, keep the test
    database in a file rather than in memory, so that another process (the
    Celery worker of tests/access_requests/test_tasks.py) sees what a
    committing test wrote."""
    from django.conf import settings
    from django.db import connections

    if not request.config.getoption("--postgres"):
        if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
            directory = tempfile.mkdtemp(prefix="marketplace-sqlite-")
            request.addfinalizer(lambda: shutil.rmtree(directory, ignore_errors=True))
            # The same dict the connection handler holds (see below).
            settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = os.path.join(directory, "test.sqlite3")
        return

    cluster = request.getfixturevalue("postgres_cluster")
    database = connections.configure_settings({"default": cluster.database_settings()})["default"]
    # Updated in place: Django's connection handler holds this very dict. A
    # connection opened before this point (by an import or a plugin) would keep
    # its SQLite wrapper, so drop it and let the next access build a new one.
    settings.DATABASES["default"].clear()
    settings.DATABASES["default"].update(database)
    connections.close_all()
    try:
        del connections["default"]
    except AttributeError:
        pass
    from django.db import connection

    assert connection.vendor == "postgresql", "the PostgreSQL pass must not run on SQLite"


def pytest_collection_modifyitems(config, items):
    """Each pass runs what belongs to it, and leaves the rest out (deselected,
    not skipped): tests marked `postgres` run in the `--postgres` pass only;
    the API fuzz test (marked `fuzz`) serves its own SQLite copy of the demo
    whatever the pass, so it runs once, in the SQLite pass."""
    on_postgres = config.getoption("--postgres")
    kept, left_out = [], []
    for item in items:
        elsewhere = item.get_closest_marker("fuzz") if on_postgres else item.get_closest_marker("postgres")
        (left_out if elsewhere else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


# --- Redis, Celery, SMTP -----------------------------------------------------


@pytest.fixture(scope="session")
def redis_server():
    """A real redis-server for the session, started from the installed binary."""
    from tests.services import RedisServer, redis_server_binary

    binary = redis_server_binary()
    if binary is None:
        service_missing("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer(binary)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def smtp_sink():
    """An SMTP server on loopback that keeps what it is sent: the outbox at
    the edge of the process, where a separate worker process sends real SMTP."""
    from tests.services import SmtpSink

    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def smtp_outbox(smtp_sink):
    """The SMTP sink, emptied for this test."""
    smtp_sink.clear()
    yield smtp_sink
    smtp_sink.clear()


@pytest.fixture(scope="session")
def celery_worker(redis_server, smtp_sink, django_db_setup, django_db_blocker):
    """A real Celery worker subprocess for the session: Redis as its broker,
    the test database (a file on SQLite, the cluster's test database on
    PostgreSQL) and the SMTP sink. It needs committed data: use it from
    transactional tests. Stopped before the test database is dropped."""
    from django.db import connection

    from tests.services import CeleryWorker, database_url

    worker = CeleryWorker(broker_url=redis_server.url(0), database_url=database_url(connection.settings_dict), smtp_port=smtp_sink.port)
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def celery_broker(redis_server):
    """This process's Celery app publishes to the session's Redis (the
    worker's queue) for this test instead of running tasks eagerly."""
    from tests.services import celery_publishing_to

    with celery_publishing_to(redis_server.url(0)) as app:
        yield app


# --- browser -----------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        service_missing(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- audit checkpoints ---------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def audit_signing_key(tmp_path_factory):
    """An Ed25519 key pair made for this session in a temporary directory, so
    the suite never reads or writes the developer's var/ demo key. Set in the
    environment too, for the worker and server subprocesses the suite starts.
    Returns the private key's path."""
    from django.test import override_settings

    from audit import checkpoints

    directory = tmp_path_factory.mktemp("audit-key")
    private_pem, public_pem = checkpoints.new_key_pair()
    (directory / "signing.pem").write_bytes(private_pem)
    (directory / "signing.pub").write_bytes(public_pem)
    values = {
        "AUDIT_SIGNING_KEY": "",
        "AUDIT_SIGNING_KEY_FILE": str(directory / "signing.pem"),
        "AUDIT_VERIFY_KEY": "",
        "AUDIT_VERIFY_KEY_FILE": str(directory / "signing.pub"),
    }
    saved_environment = {name: os.environ.get(name) for name in [*values, "AUDIT_CHECKPOINT_DIR"]}
    os.environ.update(values, AUDIT_CHECKPOINT_DIR=str(directory / "checkpoints"))
    with override_settings(**values):
        yield directory / "signing.pem"
    for name, value in saved_environment.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(autouse=True)
def audit_checkpoint_dir(settings, tmp_path_factory):
    """Each test starts without checkpoints: the "audit_checkpoints" storage
    is a directory of its own (created when the first checkpoint is written)."""
    import uuid

    location = tmp_path_factory.getbasetemp() / "audit-checkpoints" / uuid.uuid4().hex
    settings.STORAGES = {
        **settings.STORAGES,
        "audit_checkpoints": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": location}},
    }
    return location


@pytest.fixture(autouse=True)
def committing_tests_start_clean(request):
    """Tests that really commit (transactional_db, live_server) start as a
    fresh install would: an empty search index (its tables are not Django
    models, so the flush between such tests does not empty them), the
    default access policies (the flush removes what the migration wrote)
    and the audit triggers in place. After the test the triggers are
    dropped, so that the flush may empty the append-only audit table."""
    marker = request.node.get_closest_marker("django_db")
    commits = bool({"transactional_db", "live_server"} & set(request.fixturenames)) or bool(marker and marker.kwargs.get("transaction"))
    if not commits:
        yield
        return
    request.getfixturevalue("transactional_db")
    from django.core.cache import cache

    from access_requests.models import Policy
    from access_requests.policies import create_default_policies
    from audit import trail
    from search import engines as search

    search.database_backend().clear()
    cache.clear()  # the flush restarted the index generation that cached facet counts are keyed by
    create_default_policies(Policy)
    trail.create_triggers()
    yield
    trail.drop_triggers()


class IdentityProvider:
    """A real OpenID Connect provider (oidc-provider-mock) on loopback: the
    test sets a subject's claims, then authorizes that subject by hand."""

    def __init__(self, url: str):
        self.url = url

    def set_user(self, sub: str, claims: dict) -> None:
        import requests

        requests.put(f"{self.url}/users/{sub}", json=claims, timeout=5).raise_for_status()

    def authorize(self, authorization_url: str, sub: str) -> str:
        """Authorize `sub` at `authorization_url` (as the provider's form does);
        the URL the provider sends the browser back to."""
        import requests

        response = requests.post(authorization_url, data={"sub": sub}, allow_redirects=False, timeout=5)
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    def settings(self, team_roles: dict | None = None) -> dict:
        """The marketplace settings that turn single sign-on on against this provider."""
        return {
            "OIDC_ENABLED": True,
            "OIDC_PROVIDER_NAME": "Test IdP",
            "OIDC_RP_CLIENT_ID": "marketplace",
            "OIDC_RP_CLIENT_SECRET": "test-client-secret",
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.url}/oauth2/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.url}/oauth2/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.url}/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.url}/jwks",
            "OIDC_TEAM_ROLES": team_roles or {},
            "AUTHENTICATION_BACKENDS": [
                "axes.backends.AxesStandaloneBackend",
                "django.contrib.auth.backends.ModelBackend",
                "marketplace.oidc.IdentityProviderBackend",
                "guardian.backends.ObjectPermissionBackend",
            ],
        }


@pytest.fixture(scope="session")
def identity_provider():
    """oidc-provider-mock serving on a free loopback port for the session."""
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread() as server:
        yield IdentityProvider(f"http://localhost:{server.server_port}")
