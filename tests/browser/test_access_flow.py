"""The whole access loop in Debian's Chromium: a consumer requests a
confidential product, its owner and a steward approve in their inboxes
(inline, with htmx), the consumer sees the port location, the owner revokes
on the Consumers tab, and the location is gone again."""

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_browse import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PURPOSE = "Measure how the autumn campaign changed listening, for the marketing review."
LOCATION = "kafka://events.streamly.internal/play-events.v2"
IP_ADDRESS = "198.51.100.12"  # a personal value of the demo's play-events-stream sample


@pytest.fixture
def browser_as(browser: Browser, live_server):
    """A signed-in page per person, each in its own browser context (own cookies)."""
    contexts = []

    def open_as(username: str) -> Page:
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        sign_in(page, live_server, username)
        return page

    yield open_as
    for context in contexts:
        context.close()


def approve_in_inbox(page: Page, live_server) -> None:
    page.get_by_role("link", name="Inbox").click()
    expect(page.get_by_role("heading", name="Requests awaiting your decision")).to_be_visible()
    row = page.locator(".inbox-row", has_text=PURPOSE)
    expect(row).to_contain_text("Play Events")
    row.get_by_label("Comment").fill("Fine for the campaign review.")
    row.get_by_role("button", name="Approve").click()
    # htmx swapped the row in place: the page did not reload.
    expect(page.locator(".inbox-row", has_text=PURPOSE)).to_contain_text("You approved this step")


def test_request_approve_twice_use_revoke_and_lose_access(browser_as, live_server, demo_mesh):
    product_url = f"{live_server.url}/products/play-events/"

    # bob asks for the confidential, personal product
    bob = browser_as("bob")
    bob.goto(product_url)
    expect(bob.get_by_text("shown once you have access to this product").first).to_be_visible()
    expect(bob.get_by_text(LOCATION)).to_have_count(0)
    expect(bob.locator(".sample-table .masked-value").first).to_have_text("•••")
    expect(bob.locator(".sample-table", has_text=IP_ADDRESS)).to_have_count(0)
    bob.get_by_role("link", name="Request access").click()
    expect(bob.get_by_text("Governance steward")).to_be_visible()
    bob.get_by_label("Purpose").fill(PURPOSE)
    bob.get_by_role("button", name="Send request").click()
    expect(bob.get_by_text("Your request for Play Events is sent")).to_be_visible()
    expect(bob.locator(".badge-request-pending")).to_have_text("Pending")
    bob.goto(product_url)
    expect(bob.get_by_text("Your request is pending")).to_be_visible()

    # alice approves as the product owner, then carol as the steward
    alice = browser_as("alice")
    approve_in_inbox(alice, live_server)
    expect(alice.locator(".inbox-row", has_text=PURPOSE)).to_contain_text("still awaits another approver")

    carol = browser_as("carol")
    approve_in_inbox(carol, live_server)
    expect(carol.locator(".inbox-row", has_text=PURPOSE)).to_contain_text("The request is approved")

    # bob now sees where the data lives
    bob.reload()
    expect(bob.get_by_text("You have access until")).to_be_visible()
    expect(bob.get_by_text(LOCATION)).to_be_visible()
    expect(bob.locator(".sample-table", has_text=IP_ADDRESS).first).to_be_visible()  # unmasked samples
    expect(bob.locator(".sample-table .masked-value")).to_have_count(0)
    expect(bob.locator(".bell .nav-count")).to_be_visible()

    # alice revokes on the Consumers tab
    alice.goto(product_url)
    alice.get_by_role("link", name="Consumers").click()
    row = alice.locator("tr", has_text="(bob)")
    row.get_by_label("Reason for revoking bob's access").fill("The campaign review is over.")
    row.get_by_role("button", name="Revoke").click()
    expect(alice.get_by_text("You revoked bob's access to Play Events")).to_be_visible()
    expect(alice.locator("tr", has_text="(bob)")).to_have_count(0)

    # and bob's access is gone on the very next request
    bob.reload()
    expect(bob.get_by_text(LOCATION)).to_have_count(0)
    expect(bob.get_by_text("shown once you have access to this product").first).to_be_visible()
    expect(bob.locator(".sample-table", has_text=IP_ADDRESS)).to_have_count(0)
    expect(bob.locator(".sample-table .masked-value").first).to_have_text("•••")
    expect(bob.get_by_role("link", name="Request access")).to_be_visible()
