"""/healthz and /readyz: the process answers; the database and the broker
answer. Against the session's real database and a real redis-server."""

import pytest

from tests.net import SilentBroker, free_port


def test_healthz_answers_without_touching_the_database(client):
    # No django_db mark: pytest-django refuses any query, so this passes only if none is made.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readyz_checks_the_database_when_no_broker_is_configured(client, settings):
    settings.CELERY_BROKER_URL = ""

    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["failed"] == []
    assert list(body["checks"]) == ["database"]
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_readyz_is_ready_with_the_real_database_and_broker(client, settings, redis_server):
    settings.CELERY_BROKER_URL = redis_server.url(0)

    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {"database": True, "broker": True}


@pytest.mark.django_db
def test_readyz_is_503_naming_the_broker_when_nothing_listens_at_its_port(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unready"
    assert body["failed"] == ["broker"]
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is False
    assert "127.0.0.1" not in response.content.decode()  # the error's type only: the body is public


@pytest.mark.django_db
def test_readyz_gives_up_on_a_broker_that_never_answers_within_a_second(client, settings):
    broker = SilentBroker()
    settings.CELERY_BROKER_URL = broker.url(0)
    try:
        response = client.get("/readyz")
    finally:
        broker.close()

    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]
    assert response.json()["checks"]["broker"]["seconds"] < 1.5


@pytest.mark.django_db
def test_probes_answer_any_host_over_plain_http_in_production(client, settings):
    """A load balancer or a kubelet probes with its own Host header (an IP)
    and without TLS; the host check and the HTTPS redirect would refuse it."""
    settings.ALLOWED_HOSTS = ["marketplace.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    settings.CELERY_BROKER_URL = ""

    assert client.get("/healthz", HTTP_HOST="10.0.0.7:8000").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.0.0.7:8000").status_code == 200
    assert client.get("/", HTTP_HOST="10.0.0.7:8000").status_code == 400  # every other path is still checked


def test_probes_answer_get_and_head_only(client):
    response = client.post("/healthz")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert client.head("/healthz").status_code == 200
