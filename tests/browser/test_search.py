"""Searching in Debian's Chromium: suggestions as you type, a facet, a hit."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.test_browse import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_consumer_searches_uses_a_facet_and_opens_a_hit(page: Page, live_server):
    call_command("load_demo", force=True, verbosity=0)
    sign_in(page, live_server, "bob")

    box = page.get_by_label("Search data products").first
    box.fill("recomend")
    expect(page.locator("#site-suggestions a").first).to_be_visible()
    expect(page.locator("#site-suggestions")).to_contain_text("Recommendations")
    box.press("Enter")

    expect(page.locator(".result-count")).to_contain_text("for “recomend”")
    page.locator(".facet-value", has_text="Recommendations").first.click()
    expect(page.locator(".facet-value.selected", has_text="Recommendations")).to_be_visible()
    assert "domain=recommendations" in page.url

    first_hit = page.locator(".hit h3 a").first
    name = first_hit.inner_text()
    first_hit.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def test_search_works_without_javascript(browser, live_server):
    call_command("load_demo", force=True, verbosity=0)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "erin")

    page.get_by_label("Search data products").first.fill("play evnts")
    page.get_by_label("Search data products").first.press("Enter")

    expect(page.locator(".hit h3 a").first).to_be_visible()
    assert "Play Events" in [link.inner_text() for link in page.locator(".hit h3 a").all()[:3]]
    context.close()
