"""The headers every response carries (Content-Security-Policy,
Permissions-Policy, Referrer-Policy), and the pages keep to the policy:
no inline script or style in any template. The browser's own verdict is in
tests/browser/test_content_security_policy.py."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'self'; object-src 'none'"
)


def directives(header: str) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else "" for part in header.split("; ")}


@pytest.fixture
def signed_in() -> Client:
    client = Client()
    client.force_login(UserFactory())
    return client


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/", "/products/", "/search/?q=x", "/api/v1/products/", "/api/schema/", "/no-such-page/"]
)
def test_every_response_carries_the_content_security_policy(signed_in, path):
    response = signed_in.get(path)

    assert directives(response["Content-Security-Policy"]) == directives(POLICY)


def test_the_policy_allows_no_inline_script_or_style():
    policy = directives(Client().get("/accounts/login/")["Content-Security-Policy"])

    for directive in ("default-src", "script-src", "style-src"):
        assert "unsafe-inline" not in policy[directive]
        assert "unsafe-eval" not in policy[directive]


def test_every_response_carries_the_permissions_policy_and_the_referrer_policy(signed_in):
    for response in (Client().get("/accounts/login/"), signed_in.get("/"), signed_in.get("/api/v1/products/")):
        permissions = dict(item.split("=", 1) for item in response["Permissions-Policy"].split(", "))
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            assert permissions[feature] == "()"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"


def test_the_api_docs_load_their_start_up_script_from_a_file(signed_in):
    page = signed_in.get("/api/docs/")
    script_url = re.search(r'<script src="([^"]*script=[^"]*)"', page.content.decode()).group(1)
    script = signed_in.get(script_url.replace("&amp;", "&"))

    body = page.content.decode()
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body) is None  # no inline script
    assert directives(page["Content-Security-Policy"])["script-src"] == "'self'"
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_only_the_api_docs_and_the_browsable_api_allow_inline_styles(signed_in):
    docs = directives(signed_in.get("/api/docs/")["Content-Security-Policy"])
    browsable = directives(signed_in.get("/api/v1/products/", HTTP_ACCEPT="text/html")["Content-Security-Policy"])
    json = directives(signed_in.get("/api/v1/products/")["Content-Security-Policy"])
    home = directives(signed_in.get("/")["Content-Security-Policy"])

    assert docs["style-src"] == browsable["style-src"] == "'self' 'unsafe-inline'"
    assert docs["script-src"] == browsable["script-src"] == "'self'"
    assert json["style-src"] == home["style-src"] == "'self'"


# --- the markup keeps to the policy ---------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"javascript:", re.IGNORECASE)


def our_templates() -> list[Path]:
    return sorted((BASE_DIR / "templates").rglob("*.html"))


@pytest.mark.parametrize("template", our_templates(), ids=lambda path: str(path.relative_to(BASE_DIR / "templates")))
def test_no_template_has_inline_script_style_or_event_handlers(template):
    text = template.read_text()

    assert INLINE_SCRIPT.findall(text) == []
    assert INLINE_STYLE.findall(text) == []
    assert EVENT_HANDLER.findall(text) == []
    assert JAVASCRIPT_URL.findall(text) == []


def test_rendered_pages_with_svg_charts_and_graphs_have_no_inline_style():
    call_command("load_demo", force=True, verbosity=0)  # SLO charts and lineage graphs with data
    client = Client()
    client.force_login(User.objects.get(username="alice"))
    pages = [
        "/",
        "/products/play-events/",
        "/products/play-events-daily/lineage/?depth=10",
        "/products/play-events/slos/",
        "/search/?q=play",
    ]

    for path in pages:
        response = client.get(path)
        body = response.content.decode()
        assert response.status_code == 200, path
        if "lineage" in path or "slos" in path:
            assert "<svg" in body, path  # the drawing that could carry style attributes is there
        assert INLINE_SCRIPT.findall(body) == [], path
        assert INLINE_STYLE.findall(body) == [], path
        assert EVENT_HANDLER.findall(body) == [], path


def test_htmx_does_not_add_its_own_inline_style():
    """htmx inserts a <style> for its request indicators unless told not to,
    which the policy would refuse."""
    base = (BASE_DIR / "templates" / "base.html").read_text()

    assert '"includeIndicatorStyles":false' in base.replace(" ", "")


def test_the_policy_is_set_from_one_setting():
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["script-src"] == ["'self'"]
