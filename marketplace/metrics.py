"""Metrics in Prometheus's text format at /metrics (README, "Health, readiness
and metrics").

- Requests: a count and a latency histogram by method, route and status.
  The route is the URL pattern's name (`catalog:product`), never the
  raw path, whose slugs and ids would make a series per product.
- Search latency per backend: search.engines times each backend it asks.
- Gauges read at scrape time, one cheap query each: the outbox's
  undelivered notifications, and audit events no signed checkpoint covers yet.

Under gunicorn each worker is a process of its own. With
PROMETHEUS_MULTIPROC_DIR set (deploy/gunicorn.conf.py sets it) counters and
histograms are kept in files there, and a scrape answered by any worker sums
every worker's. Without it (runserver, tests) the process's own registry is read.

Who may read them: with METRICS_TOKEN set, a request bearing it
(`Authorization: Bearer <token>`), from anywhere; without it, only a
scraper on this machine talking to the server directly (a loopback address
and no proxy's forwarding header). A proxy on the same host also connects
from loopback, but adds X-Forwarded-For (README, "The proxy"), so the public
is refused even then.
"""

import hmac
import ipaddress
import logging
import os
import time
from datetime import datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, disable_created_metrics, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder

from audit import checkpoints
from notifications import queries as notification_queries

logger = logging.getLogger(__name__)

# No `_created` series beside each counter: multiprocess mode has none, and
# one scrape should read the same whichever server answers it.
disable_created_metrics()

# Up to 200 ms in fine steps: the p95 target at 20 concurrent clients.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "marketplace_http_requests",
    "HTTP requests answered, by method, route name and status code.",
    ["method", "route", "status"],
)
REQUEST_DURATION = Histogram(
    "marketplace_http_request_duration_seconds",
    "Time from the request reaching Django to its response, by method, route name and status code.",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)

# Any other method a client invents is counted as one value, not a series each.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_name(request: HttpRequest) -> str:
    """The label for the request's route: the URL pattern's view name, or
    what answered before URL resolution (a static file, a redirect, a 404)."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name  # a pattern without a name: its namespace and the view's dotted path
    if request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return "static"
    return "unmatched"


class RequestMetricsMiddleware:
    """Counts and times every request that reaches the app (the probes
    answered above it are not counted: they would drown the rest)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        method = request.method if request.method in METHODS else "other"
        labels = {"method": method, "route": route_name(request), "status": str(response.status_code)}
        REQUESTS.labels(**labels).inc()
        REQUEST_DURATION.labels(**labels).observe(time.perf_counter() - started)
        return response


class BacklogCollector:
    """Gauges computed when scraped. A query that fails (the database is
    away) leaves its gauges out of this scrape rather than failing it; the
    request counts still tell what happened."""

    def collect(self):
        now = timezone.now()
        try:
            undelivered, oldest = notification_queries.outbox_backlog()
        except Exception:
            logger.warning("Metrics: the outbox backlog could not be read.", exc_info=True)
        else:
            yield GaugeMetricFamily(
                "marketplace_outbox_undelivered_notifications",
                "Notifications written and not yet delivered by e-mail (the outbox's backlog).",
                value=undelivered,
            )
            yield GaugeMetricFamily(
                "marketplace_outbox_oldest_undelivered_age_seconds",
                "Age of the oldest notification not yet delivered; 0 when none waits.",
                value=(now - oldest).total_seconds() if oldest else 0,
            )
        try:
            unanchored, latest = checkpoints.events_not_anchored()
        except Exception:
            logger.warning("Metrics: the audit chain's head or its latest checkpoint could not be read.", exc_info=True)
        else:
            yield GaugeMetricFamily(
                "marketplace_audit_events_unanchored",
                "Audit events appended after the latest signed checkpoint (not yet anchored outside the database).",
                value=unanchored,
            )
            if latest is not None:
                yield GaugeMetricFamily(
                    "marketplace_audit_latest_checkpoint_timestamp_seconds",
                    "When the latest audit checkpoint was signed (Unix time).",
                    value=datetime.fromisoformat(latest.created_at).timestamp(),
                )


class _ProcessRegistry:
    """This process's own metrics, for a scrape without multiprocess mode."""

    def collect(self):
        return REGISTRY.collect()


def registry() -> CollectorRegistry:
    """What one scrape reads: every worker's counters (multiprocess mode) or
    this process's, and the gauges computed now."""
    scrape = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(scrape)
    else:
        scrape.register(_ProcessRegistry())
    scrape.register(BacklogCollector())
    return scrape


def _is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False


FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def may_read_metrics(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(credentials.strip().encode(), token.encode())
    return _is_loopback(request.META.get("REMOTE_ADDR")) and not any(header in request.META for header in FORWARDING_HEADERS)


def metrics(request: HttpRequest) -> HttpResponse:
    if not may_read_metrics(request):
        if settings.METRICS_TOKEN:
            response = HttpResponse("A bearer token (METRICS_TOKEN) is needed for /metrics.\n", status=401, content_type="text/plain")
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
        return HttpResponse(
            "/metrics answers loopback scrapers only; set METRICS_TOKEN to scrape it from elsewhere.\n",
            status=403,
            content_type="text/plain",
        )
    encoder, content_type = choose_encoder(request.META.get("HTTP_ACCEPT", ""))
    return HttpResponse(encoder(registry()), content_type=content_type)
