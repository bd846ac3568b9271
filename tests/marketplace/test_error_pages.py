"""The product's own 404, 403 and 500 pages (the demo runs with DEBUG off,
as the tests do): the site's layout, helpful links, the right status, and
nothing of Django's debug page."""

import re
import subprocess
from pathlib import Path

import pytest
from django.test import Client, RequestFactory
from django.urls import path

from marketplace import errors
from marketplace.urls import urlpatterns as site_urlpatterns
from tests.factories import ProductFactory, UserFactory

BASE_DIR = Path(__file__).resolve().parents[2]

DEBUG_PAGE_MARKS = ("Traceback", "URLconf", "Django tried these URL patterns", "DEBUG = True", "technical_500")


def page_is_the_products_own(html: str) -> None:
    assert 'class="site-header"' in html  # base.html's frame
    assert "marketplace/app" in html  # its stylesheet
    for mark in DEBUG_PAGE_MARKS:
        assert mark not in html, mark


def boom(request):
    raise RuntimeError("a bug in a view")


# This module is also the URL configuration of the tests marked below: the site's, plus a view that fails.
urlpatterns = [path("boom/", boom), path("api/v1/boom/", boom), *site_urlpatterns]
handler500 = "marketplace.errors.server_error"


@pytest.mark.django_db
def test_a_missing_page_is_the_styled_404_with_a_way_on(client):
    client.force_login(UserFactory())

    response = client.get("/no/such/page/")

    assert response.status_code == 404
    html = response.content.decode()
    page_is_the_products_own(html)
    assert "Nothing here" in html
    assert 'action="/search/"' in html
    assert 'href="/products/"' in html


@pytest.mark.django_db
def test_a_missing_page_asks_a_signed_out_visitor_to_sign_in(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    html = response.content.decode()
    page_is_the_products_own(html)
    assert 'href="/accounts/login/?next=/no/such/page/"' in html


@pytest.mark.django_db
def test_a_refused_page_is_the_styled_403_saying_how_to_get_access(client):
    product = ProductFactory()
    client.force_login(UserFactory())

    response = client.get(f"/products/{product.slug}/edit/")

    assert response.status_code == 403
    html = response.content.decode()
    page_is_the_products_own(html)
    assert "You may not do that" in html
    assert "Request access" in html


@pytest.mark.django_db
def test_a_form_without_its_csrf_token_is_the_styled_403(client):
    csrf_checking = Client(enforce_csrf_checks=True)

    response = csrf_checking.post("/accounts/login/", {"username": "bob", "password": "demo"})

    assert response.status_code == 403
    html = response.content.decode()
    page_is_the_products_own(html)
    assert "That form could not be sent" in html


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_an_error_in_a_view_is_the_styled_500():
    client = Client(raise_request_exception=False)

    response = client.get("/boom/")

    assert response.status_code == 500
    html = response.content.decode()
    page_is_the_products_own(html)
    assert "Something went wrong on our side" in html
    assert "a bug in a view" not in html


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_an_error_under_the_api_is_a_json_500():
    client = Client(raise_request_exception=False)

    response = client.get("/api/v1/boom/")

    assert response.status_code == 500
    assert response.json() == {"detail": "Server error. It has been logged; try again in a moment."}


def test_the_500_page_renders_without_the_database():
    # No django_db mark: any query would fail this test. The database may be what failed.
    response = errors.server_error(RequestFactory().get("/products/"))

    assert response.status_code == 500
    page_is_the_products_own(response.content.decode())


@pytest.mark.urls("tests.marketplace.urls_without_home")
def test_a_500_page_that_cannot_render_falls_back_to_plain_html():
    response = errors.server_error(RequestFactory().get("/products/"))

    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert 'class="site-header"' not in html


def test_make_run_serves_the_demo_with_debug_off():
    """`make run`'s server gets DEBUG=false (and a secret key), so the demo
    shows these pages, never Django's debug page."""
    result = subprocess.run(["make", "--dry-run", "--always-make", "run"], cwd=BASE_DIR, capture_output=True, text=True, timeout=60)

    serving = [line for line in result.stdout.splitlines() if "manage.py runserver" in line]
    assert len(serving) == 1, result.stdout + result.stderr
    assert re.search(r"(^|\s)DEBUG=false\s", serving[0])
    assert "SECRET_KEY=" in serving[0]
