"""The Content-Security-Policy is enforced and nothing on the main pages
breaks it, in Debian's Chromium driven by Playwright.

Chromium reports every blocked script, style or image twice: as a
`securitypolicyviolation` event in the page (collected through an exposed
function) and as a console error. Either one fails the test."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browse import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber}`);
});
"""

OWNER_PAGES = [
    "/",
    "/products/",
    "/products/?classification=restricted&sort=name",
    "/products/play-events/",
    "/products/play-events/edit/",
    "/products/play-events/lineage/",
    "/products/play-events-daily/lineage/?direction=both&depth=3",
    "/products/play-events/slos/",
    "/products/play-events/consumers/",
    "/products/new/",
    "/domains/",
    "/domains/media-player/",
    "/search/?q=play",
    "/search/?q=recomendations",
    "/access/",
    "/access/inbox/",
    "/audit/",
    "/notifications/",
    "/api/v1/products/",  # DRF's browsable API
    "/admin/",
]


@pytest.fixture
def violations(page: Page) -> list[str]:
    found: list[str] = []

    def report(violation: str) -> None:
        found.append(violation)

    page.expose_function("reportViolation", report)
    page.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            found.append(f"{page.url} console: {message.text} at {message.location}")
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text
            else None
        ),
    )
    return found


def test_the_main_pages_break_no_rule_of_the_content_security_policy(page: Page, live_server, demo_mesh, violations):
    page.goto(f"{live_server.url}/accounts/login/")
    sign_in(page, live_server, "alice")

    for path in OWNER_PAGES:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        page.wait_for_load_state("networkidle")

    assert violations == [], "\n".join(violations)


def test_htmx_still_works_under_the_policy(page: Page, live_server, demo_mesh, violations):
    sign_in(page, live_server, "bob")

    page.locator("#site-search").press_sequentially("play", delay=30)
    expect(page.locator("#site-suggestions a").first).to_be_visible()
    page.goto(f"{live_server.url}/products/")
    total = page.locator(".result-count").inner_text()
    page.get_by_label("Classification").select_option("restricted")
    expect(page.locator(".result-count")).not_to_have_text(total)

    assert violations == [], "\n".join(violations)


def test_the_admin_works_under_the_policy(page: Page, live_server, demo_mesh, violations):
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()

    for path in [
        "/admin/catalog/dataproduct/",
        "/admin/catalog/dataproduct/?q=play",
        "/admin/axes/accessattempt/",
        "/admin/auth/user/1/change/",
    ]:
        assert page.goto(f"{live_server.url}{path}").status == 200, path
        page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/admin/catalog/dataproduct/")
    page.locator("#result_list tbody tr a").first.click()
    expect(page.locator("#content h1")).to_be_visible()

    assert violations == [], "\n".join(violations)


def test_the_api_docs_run_their_script_from_a_file_under_the_policy(page: Page, live_server, demo_mesh, violations):
    sign_in(page, live_server, "bob")

    response = page.goto(f"{live_server.url}/api/docs/")

    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy  # no inline script, even here
    expect(page.get_by_text("Data Product Marketplace API").first).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()  # the operations, read from /api/schema/
    page.locator(".opblock-summary").first.click()
    page.wait_for_load_state("networkidle")
    assert violations == [], "\n".join(violations)


def test_the_lockout_page_breaks_no_rule(page: Page, live_server, demo_mesh, violations):
    page.goto(f"{live_server.url}/accounts/login/")
    for _ in range(5):
        page.get_by_label("Username").fill("erin")
        page.get_by_label("Password").fill("wrong")
        page.get_by_role("button", name="Sign in").click()
        if page.get_by_role("heading", name="Signing in is locked for now").is_visible():
            break

    expect(page.get_by_role("heading", name="Signing in is locked for now")).to_be_visible()
    assert violations == [], "\n".join(violations)
