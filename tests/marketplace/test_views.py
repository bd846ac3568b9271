import pytest
from django.db import connection

from access_requests.models import AccessRequest
from tests.factories import DomainFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_suite_runs_on_the_database_it_was_asked_for(request):
    expected = "postgresql" if request.config.getoption("--postgres") else "sqlite"

    assert connection.vendor == expected


def test_home_shows_domains_with_product_counts_newest_and_most_requested(client):
    domain = DomainFactory(name="Listener")
    popular = ProductFactory(domain=domain, name="Listener profiles")
    ProductFactory(domain=domain, name="Listening sessions")
    ProductFactory(domain=domain, name="Hidden draft", status="draft")
    bob = UserFactory(username="bob")
    AccessRequest.objects.create(requester=bob, product=popular, purpose="Churn model")
    client.force_login(bob)

    response = client.get("/")

    assert response.status_code == 200
    assert [(d.name, d.product_count) for d in response.context["domains"]] == [("Listener", 2)]
    assert [p.name for p in response.context["most_requested"]] == ["Listener profiles"]
    assert "Hidden draft" not in response.content.decode()
    assert "Listening sessions" in response.content.decode()


def test_home_has_empty_states_for_an_empty_catalog(client):
    client.force_login(UserFactory())

    html = client.get("/").content.decode()

    assert "No domains yet" in html
    assert "Nothing published yet" in html


def test_static_files_are_served(client):
    from django.contrib.staticfiles import finders

    assert finders.find("marketplace/app.css")
    assert finders.find("django_htmx/htmx-2.min.js")
