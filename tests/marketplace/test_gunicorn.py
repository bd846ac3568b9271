"""The production server starts from the committed configuration
(deploy/gunicorn.conf.py), as `make serve` starts it: several workers,
DEBUG off, the probes answering, and /metrics summing every worker's counts."""

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.net import free_port
from tests.services import database_url, wait_until

BASE_DIR = Path(__file__).resolve().parents[2]


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@contextmanager
def running_gunicorn(log: Path, **environment_overrides: str):
    """gunicorn with deploy/gunicorn.conf.py on a free loopback port, on the
    test database, with DEBUG off; stopped with TERM. Yields its base URL
    and process."""
    from django.db import connection

    port = free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marketplace.settings",
        "DEBUG": "false",
        "SECRET_KEY": "a-production-secret-key-for-the-gunicorn-test-" + "x" * 20,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url(connection.settings_dict),
        "CELERY_BROKER_URL": "",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
    }
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    environment.update(environment_overrides)
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"],
            cwd=BASE_DIR,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited at start:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            return get(base + "/healthz")[0] == 200
        except OSError:
            return False

    try:
        wait_until(answers, timeout=60, interval=0.2, message="gunicorn answering /healthz")
        yield base, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def gunicorn(django_db_setup, tmp_path):
    """Two workers of two threads."""
    log = tmp_path / "gunicorn.log"
    with running_gunicorn(log, WEB_CONCURRENCY="2", GUNICORN_THREADS="2") as (base, process):
        yield base, process, log


def test_gunicorn_serves_the_probes_with_the_committed_config(gunicorn):
    base, process, log = gunicorn

    assert get(base + "/healthz") == (200, b'{"status": "ok"}')
    status, body = get(base + "/readyz")
    assert status == 200, body
    assert b'"database": {"ok": true' in body
    output = log.read_text(errors="replace")
    assert "Using worker: gthread" in output
    assert output.count("Booting worker with pid") >= 2


def requests_counted(body: bytes, status: str) -> dict[str, float]:
    families = {family.name: family for family in text_string_to_metric_families(body.decode())}
    assert "marketplace_outbox_undelivered_notifications" in families
    counted: dict[str, float] = {}
    for sample in families["marketplace_http_requests"].samples:
        if sample.name == "marketplace_http_requests_total" and sample.labels["status"] == status:
            counted[sample.labels["route"]] = counted.get(sample.labels["route"], 0) + sample.value
    return counted


def test_gunicorn_metrics_sum_the_requests_of_every_worker(gunicorn):
    base, process, log = gunicorn

    for _ in range(12):
        assert get(base + "/api/v1/no-such-endpoint/")[0] == 404

    # Whichever worker answers a scrape, it reports all twelve: each worker
    # writes its counts to the multiprocess directory, and a scrape sums them.
    for _ in range(4):
        status, body = get(base + "/metrics")
        assert status == 200
        assert requests_counted(body, "404") == {"api:core.api.not_found": 12}
    workers = {line.split("pid=")[1].split()[0] for line in log.read_text(errors="replace").splitlines() if "pid=" in line}
    assert workers  # the access log (stdout) names the worker that served each request


def test_gunicorn_stops_gracefully_on_term(gunicorn):
    base, process, log = gunicorn

    process.send_signal(signal.SIGTERM)

    assert process.wait(timeout=40) == 0
    assert "Shutting down: Master" in log.read_text(errors="replace")


def test_replaced_workers_keep_their_counts_in_one_archive_not_a_file_each(django_db_setup, tmp_path):
    metrics_directory = tmp_path / "metrics"
    log = tmp_path / "gunicorn.log"
    with running_gunicorn(
        log,
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="1",
        GUNICORN_MAX_REQUESTS="5",
        GUNICORN_MAX_REQUESTS_JITTER="0",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_directory),
    ) as (base, process):
        for _ in range(20):
            wait_until(lambda: get(base + "/api/v1/no-such-endpoint/")[0] == 404, timeout=30, interval=0.2, message="a worker answering")

        def all_counted():
            status, body = get(base + "/metrics")
            return status == 200 and requests_counted(body, "404") == {"api:core.api.not_found": 20}

        wait_until(all_counted, timeout=30, interval=0.5, message="/metrics counting every request of every worker")
        histogram = next(
            family
            for family in text_string_to_metric_families(get(base + "/metrics")[1].decode())
            if family.name == "marketplace_http_request_duration_seconds"
        )
        timed = {(sample.name, sample.labels.get("le")): sample.value for sample in histogram.samples if sample.labels["status"] == "404"}
        assert timed[("marketplace_http_request_duration_seconds_count", None)] == 20
        assert timed[("marketplace_http_request_duration_seconds_bucket", "+Inf")] == 20
        # Four or more workers served them, one after another; their files are folded into the archives.
        assert log.read_text(errors="replace").count("Booting worker with pid") >= 4
        files = sorted(path.name for path in metrics_directory.glob("*.db"))
        assert "counter_archive.db" in files
        assert "histogram_archive.db" in files
        assert len([name for name in files if name.startswith("counter_")]) <= 2  # the archive and the live worker's
