"""A new consumer's first visit, in Debian's Chromium driven by Playwright."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Find the data your work needs")).to_be_visible()


def test_consumer_signs_in_browses_a_domain_opens_a_product_and_reads_its_schema(page: Page, live_server, demo_mesh):
    sign_in(page, live_server, "bob")

    page.get_by_role("link", name="Domains").click()
    page.get_by_role("link", name="Media Player").first.click()
    expect(page.get_by_role("heading", name="Media Player", level=1)).to_be_visible()

    page.locator(".product-card h3 a").first.click()
    expect(page.get_by_role("heading", name="Output ports and schema")).to_be_visible()
    schema = page.locator("table.schema").first
    expect(schema).to_be_visible()
    assert schema.locator("tbody tr").count() >= 1
    expect(page.get_by_text("shown once you have access to this product").first).to_be_visible()
    expect(page.locator("code.address")).to_contain_text("urn:dataproduct:media-player:")


def test_filters_update_the_list_in_place(page: Page, live_server, demo_mesh):
    sign_in(page, live_server, "erin")
    page.get_by_role("link", name="Products").click()
    total = page.locator(".result-count").inner_text()

    page.get_by_label("Classification").select_option("restricted")

    expect(page.locator(".result-count")).not_to_have_text(total)
    assert "classification=restricted" in page.url
    for badge in page.locator(".product-card .badge-class-restricted").all():
        expect(badge).to_have_text("Restricted")


def test_owner_edits_a_product_and_sees_the_change(page: Page, live_server, demo_mesh):
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/domains/media-player/")
    page.locator(".product-card h3 a").first.click()
    page.get_by_role("link", name="Edit").click()

    page.get_by_label("Summary").fill("Edited in the browser by its owner.")
    page.get_by_role("button", name="Save changes").click()

    expect(page.get_by_text("Edited in the browser by its owner.")).to_be_visible()
