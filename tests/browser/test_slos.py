"""A consumer judges whether a product keeps its promises, and reads its
sample rows, in Debian's Chromium driven by Playwright."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browse import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_consumer_finds_a_breached_product_and_reads_its_slo_history(page: Page, live_server, demo_mesh):
    sign_in(page, live_server, "erin")

    # the search page's SLO facet narrows the hits to breached products
    page.goto(f"{live_server.url}/search/?q=errors")
    page.locator(".facet", has_text="SLO status").get_by_role("link", name="Breached").click()
    hit = page.locator(".hit", has_text="Playback Errors")
    expect(hit.locator(".badge-slo-breached")).to_have_text("✗ SLO breached")
    hit.get_by_role("link", name="Playback Errors").click()

    # the product page says so, and the SLO tab shows why
    expect(page.locator(".page-head .badge-slo-breached")).to_be_visible()
    page.get_by_role("link", name="SLOs", exact=True).click()
    expect(page.get_by_role("heading", name="Service level objectives")).to_be_visible()
    breached = page.locator("article.slo", has=page.locator(".badge-slo-breached"))
    expect(breached.first).to_contain_text("Error budget left")
    expect(breached.first.locator("svg[role=img]")).to_be_visible()
    expect(breached.first.locator("rect.bar-missed").first).to_be_attached()  # hatched days below the target

    breached.first.get_by_text("Daily figures").click()
    expect(breached.first.locator("table.slo-history")).to_contain_text("below target")


def test_consumer_sees_personal_sample_columns_masked_and_the_owner_sees_them(browser, live_server, demo_mesh):
    product = f"{live_server.url}/products/play-events/"
    views = {}
    for username in ("erin", "alice"):
        context = browser.new_context()
        page = context.new_page()
        sign_in(page, live_server, username)
        page.goto(product)
        views[username] = (context, page)

    erin = views["erin"][1]
    sample = erin.locator(".sample", has_text="Sample rows").last
    header = sample.locator("thead th", has_text="ip_address")
    expect(header.locator(".badge-masked")).to_have_text("masked")
    expect(sample.locator("td.masked-value").first).to_have_text("•••")
    expect(erin.get_by_text("198.51.100.12")).to_have_count(0)

    alice = views["alice"][1]
    sample = alice.locator(".sample", has_text="Sample rows").last
    expect(sample.locator("thead th", has_text="ip_address").locator(".badge-pii")).to_have_text("sensitive")
    expect(sample.locator("td.masked-value")).to_have_count(0)
    expect(sample).to_contain_text("198.51.100.12")
    for context, _page in views.values():
        context.close()
