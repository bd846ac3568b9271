"""Following a product in Chromium: the Follow box swaps in place (htmx), and fits a 375 px screen."""

import pytest
from playwright.sync_api import Page, expect

from catalog.models import Follow
from tests.browser.test_browse import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_consumer_follows_a_product_on_a_phone_and_the_box_updates_in_place(page: Page, live_server, demo_mesh):
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, live_server, "bob")
    page.goto(f"{live_server.url}/domains/media-player/")
    page.locator(".product-card h3 a").first.click()
    box = page.locator("#follow-box")
    before = box.locator("#follower-count").inner_text()
    url = page.url

    box.get_by_role("button", name="Follow", exact=True).click()

    expect(box.get_by_role("button", name="Unfollow")).to_be_visible()
    expect(box.locator("#follower-count")).not_to_have_text(before)
    assert page.url == url
    assert Follow.objects.filter(user__username="bob").count() == 1
    right = box.evaluate("box => Math.max(...[box, ...box.querySelectorAll('*')].map(e => e.getBoundingClientRect().right))")
    assert right <= 375

    box.get_by_role("button", name="Unfollow").click()
    expect(box.get_by_role("button", name="Follow", exact=True)).to_be_visible()
    assert not Follow.objects.filter(user__username="bob").exists()
