"""The product's own 404 page in Debian's Chromium, at phone width: the
site's frame and stylesheet, a search box that works, nothing wider than
the screen."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import ProductFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_missing_page_at_phone_width_is_styled_and_searches(page: Page, live_server):
    ProductFactory(name="Royalty statements")
    UserFactory(username="bob", password="demo")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("bob")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()

    response = page.goto(f"{live_server.url}/products/no-such-product/")

    assert response.status == 404
    expect(page.get_by_role("heading", name="Nothing here")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    # the stylesheet applied: the error box has the empty state's dashed border
    assert page.locator(".error-page").evaluate("e => getComputedStyle(e).borderStyle") == "dashed"
    page.get_by_role("search").last.get_by_role("searchbox").fill("royalty")
    page.get_by_role("search").last.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Royalty statements").first).to_be_visible()
