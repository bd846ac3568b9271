"""/metrics: Prometheus's text format, read back with prometheus_client's own
parser; requests counted by route name, search timed per backend, the
outbox and the unanchored audit events read at scrape time; and who may
read them."""

import pytest
from django.db import connection, transaction
from prometheus_client.parser import text_string_to_metric_families

from tests.factories import Mesh, ProductFactory, UserFactory, submit

pytestmark = pytest.mark.django_db

TOKEN = "a-metrics-token-of-at-least-thirty-two-characters"


def scrape(client, **headers) -> dict[str, list]:
    """Each metric family's samples, by family name."""
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    return {family.name: family.samples for family in text_string_to_metric_families(response.content.decode())}


def value(families: dict, sample_name: str, **labels) -> float:
    """The sample's value, 0 when it has not been recorded yet."""
    for samples in families.values():
        for sample in samples:
            if sample.name == sample_name and all(sample.labels.get(key) == wanted for key, wanted in labels.items()):
                return sample.value
    return 0.0


def test_metrics_parse_and_name_every_documented_metric(client):
    client.get("/accounts/login/")

    families = scrape(client)

    assert {
        "marketplace_http_requests",
        "marketplace_http_request_duration_seconds",
        "marketplace_search_duration_seconds",
        "marketplace_search_fallbacks",
        "marketplace_outbox_undelivered_notifications",
        "marketplace_outbox_oldest_undelivered_age_seconds",
        "marketplace_audit_events_unanchored",
    } <= set(families)


def test_requests_are_counted_and_timed_by_method_route_name_and_status(client):
    product = ProductFactory(slug="listening-sessions")
    client.force_login(UserFactory())
    before = scrape(client)

    assert client.get(f"/products/{product.slug}/").status_code == 200
    assert client.get(f"/products/{product.slug}/").status_code == 200
    assert client.get("/products/no-such-product/").status_code == 404

    after = scrape(client)
    labels = {"method": "GET", "route": "catalog:product"}
    counted = "marketplace_http_requests_total"
    assert value(after, counted, **labels, status="200") - value(before, counted, **labels, status="200") == 2
    assert value(after, counted, **labels, status="404") - value(before, counted, **labels, status="404") == 1
    timed = "marketplace_http_request_duration_seconds_count"
    assert value(after, timed, **labels, status="200") - value(before, timed, **labels, status="200") == 2
    # The route's name, never the raw path: a slug would make a series per product.
    assert not any("listening-sessions" in str(sample.labels) for samples in after.values() for sample in samples)


def test_a_path_no_route_matches_is_counted_as_unmatched(client):
    before = scrape(client)

    client.get("/no/such/page/")

    after = scrape(client)
    labels = {"method": "GET", "route": "unmatched", "status": "404"}
    assert value(after, "marketplace_http_requests_total", **labels) - value(before, "marketplace_http_requests_total", **labels) == 1


def test_an_invented_method_is_counted_as_other(client):
    before = scrape(client)

    client.generic("BREW", "/accounts/login/")

    after = scrape(client)
    counted = "marketplace_http_requests_total"
    assert value(after, counted, method="other", route="login") - value(before, counted, method="other", route="login") == 1


def test_search_latency_is_recorded_for_the_backend_that_answered(client):
    ProductFactory(name="Royalty statements")
    client.force_login(UserFactory())
    backend = {"sqlite": "sqlite", "postgresql": "postgresql"}[connection.vendor]
    labels = {"backend": backend, "outcome": "answered"}
    before = scrape(client)

    assert client.get("/api/v1/search/", {"q": "royalty"}).status_code == 200
    assert client.get("/api/v1/search/suggest/", {"q": "roy"}).status_code == 200

    after = scrape(client)
    timed = "marketplace_search_duration_seconds_count"
    assert value(after, timed, **labels, operation="search") - value(before, timed, **labels, operation="search") == 1
    assert value(after, timed, **labels, operation="suggest") - value(before, timed, **labels, operation="suggest") == 1


def test_the_outbox_backlog_counts_notifications_not_yet_delivered(client):
    mesh = Mesh()
    before = scrape(client)

    with transaction.atomic():
        submit(mesh)  # notifies the owner; the e-mail would go after the test's transaction commits, which it never does

    after = scrape(client)
    undelivered = "marketplace_outbox_undelivered_notifications"
    assert value(after, undelivered) - value(before, undelivered) >= 1
    assert value(after, "marketplace_outbox_oldest_undelivered_age_seconds") >= 0


def test_audit_events_after_the_latest_checkpoint_are_counted_until_one_is_signed(client):
    from audit import checkpoints

    mesh = Mesh()
    with transaction.atomic():
        submit(mesh)  # audited: request.submitted
    assert value(scrape(client), "marketplace_audit_events_unanchored") >= 1

    checkpoints.write_checkpoint()

    families = scrape(client)
    assert value(families, "marketplace_audit_events_unanchored") == 0
    assert value(families, "marketplace_audit_latest_checkpoint_timestamp_seconds") > 0


# --- who may read them ----------------------------------------------------------


def test_without_a_token_a_loopback_scraper_may_read_metrics(client, settings):
    settings.METRICS_TOKEN = ""

    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200


def test_without_a_token_another_address_is_refused(client, settings):
    settings.METRICS_TOKEN = ""

    response = client.get("/metrics", REMOTE_ADDR="10.1.2.3")

    assert response.status_code == 403
    assert "METRICS_TOKEN" in response.content.decode()


def test_without_a_token_a_request_through_a_proxy_on_this_host_is_refused(client, settings):
    settings.METRICS_TOKEN = ""

    for header in ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP"):
        assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", **{header: "203.0.113.9"}).status_code == 403, header


def test_with_a_token_only_its_bearer_may_read_metrics_from_anywhere(client, settings):
    settings.METRICS_TOKEN = TOKEN

    refused = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    wrong = client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer not-the-token")
    allowed = client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert refused.status_code == 401
    assert refused["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert wrong.status_code == 401
    assert allowed.status_code == 200
    assert "marketplace_http_requests_total" in allowed.content.decode()


def test_a_short_metrics_token_stops_the_start_naming_it():
    import subprocess
    import sys

    from tests.marketplace.test_deploy_check import BASE_DIR, clean_environment

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=clean_environment() | {"METRICS_TOKEN": "short"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "METRICS_TOKEN must be at least 32 characters" in result.stderr
