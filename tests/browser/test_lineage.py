"""A consumer reads where a product's data comes from, in Debian's Chromium driven by Playwright."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browse import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_consumer_opens_the_lineage_tab_changes_the_depth_and_follows_a_node(page: Page, live_server, demo_mesh):
    sign_in(page, live_server, "bob")
    page.goto(f"{live_server.url}/products/play-events-daily/")

    page.get_by_role("link", name="Lineage").click()

    graph = page.locator("svg.lineage-graph")
    expect(graph).to_be_visible()
    expect(page.locator("g.lineage-current").first).to_be_visible()
    expect(page.locator("g.lineage-external").first).to_be_visible()
    nodes_at_depth_3 = page.locator(".lineage-link").count()

    page.get_by_label("Depth").fill("1")
    page.get_by_role("button", name="Show").click()

    expect(page).to_have_url(f"{live_server.url}/products/play-events-daily/lineage/?direction=both&depth=1")
    assert page.locator(".lineage-link").count() < nodes_at_depth_3
    expect(page.locator("g.lineage-external")).to_have_count(0)  # the operational systems are two hops away

    page.locator('.lineage-link[href^="/products/artist-payments/lineage/"]').first.click()

    expect(page.get_by_role("heading", name="Artist Payments", level=1)).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/products/artist-payments/lineage/?direction=both&depth=1")
    expect(page.get_by_role("table", name="Datasets")).to_contain_text("Play Events Daily")
