"""Health and readiness probes (README, "Health, readiness and metrics").

- /healthz: the process answers. Touches nothing else, so a database outage
  never has a supervisor restart healthy workers.
- /readyz: the process can do its work: the database answers a query and,
  when CELERY_BROKER_URL is set, the broker accepts a connection. 200 with
  each check in a JSON body, or 503 naming the checks that failed.

ProbeMiddleware answers them (and /metrics) first thing, before the host
check, the HTTPS redirect, sessions and authentication: a load balancer or
kubelet probes over plain HTTP with a Host header of its own, and a probe
must be cheap.
"""

import logging
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from kombu import Connection
from redis.backoff import NoBackoff
from redis.retry import Retry

from . import metrics

logger = logging.getLogger(__name__)

# Seconds the broker check waits to connect and for Redis's answer. A probe
# is usually given 1 s or more; a silent broker must not hold it longer.
BROKER_CHECK_TIMEOUT = 0.5


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    """Redis (the broker the project runs) answers a PING, with short
    timeouts and no retry: redis-py retries a timed-out command three times
    by default, and kombu gives no way to turn that off. Another kind of
    broker is asked through kombu, for a connection."""
    if urlsplit(settings.CELERY_BROKER_URL).scheme in ("redis", "rediss"):
        client = redis.Redis.from_url(
            settings.CELERY_BROKER_URL,
            socket_connect_timeout=BROKER_CHECK_TIMEOUT,
            socket_timeout=BROKER_CHECK_TIMEOUT,
            retry=Retry(NoBackoff(), 0),
        )
        try:
            client.ping()
        finally:
            client.close()
        return
    broker = Connection(
        settings.CELERY_BROKER_URL,
        connect_timeout=BROKER_CHECK_TIMEOUT,
        transport_options={
            "socket_connect_timeout": BROKER_CHECK_TIMEOUT,
            "socket_timeout": BROKER_CHECK_TIMEOUT,
            "max_retries": 0,
        },
    )
    try:
        broker.connect()
    finally:
        broker.release()


def readiness_checks() -> dict[str, Callable[[], None]]:
    """The checks /readyz runs: the broker only where one is configured
    (without one, tasks run in-process)."""
    checks = {"database": check_database}
    if settings.CELERY_BROKER_URL:
        checks["broker"] = check_broker
    return checks


def run_checks(checks: dict[str, Callable[[], None]]) -> dict[str, dict]:
    """Each check's outcome and duration. A failure is named by its
    exception's type only: the body is public, and a message may hold a
    host name; the log has it whole."""
    results = {}
    for name, check in checks.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as error:
            logger.warning("Readiness check %s failed: %s: %s", name, type(error).__name__, error)
            results[name] = {"ok": False, "error": type(error).__name__}
        else:
            results[name] = {"ok": True}
        results[name]["seconds"] = round(time.perf_counter() - started, 4)
    return results


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def healthz(request: HttpRequest) -> HttpResponse:
    return _no_store(JsonResponse({"status": "ok"}))


def readyz(request: HttpRequest) -> HttpResponse:
    results = run_checks(readiness_checks())
    failed = [name for name, result in results.items() if not result["ok"]]
    body = {"status": "unready" if failed else "ready", "failed": failed, "checks": results}
    return _no_store(JsonResponse(body, status=503 if failed else 200))


PROBES = {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics.metrics}


class ProbeMiddleware:
    """Answers GET and HEAD of the probe paths before any other middleware
    (first in settings.MIDDLEWARE); every other request passes through."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        if probe is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = HttpResponse(status=405)
            response["Allow"] = "GET, HEAD"
            return response
        return probe(request)
