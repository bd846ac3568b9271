"""A consumer reads a product's data contract roles and its "Support & team" at
phone width, picks a role in the request form, and the approver the role names
finds the request in their inbox (Debian's Chromium)."""

import pytest
from playwright.sync_api import Browser, expect

from catalog.models import DataProduct
from contracts import services, standards
from core.users import User
from tests.browser.test_browse import sign_in
from tests.contracts.conftest import example

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_roles_and_support_show_at_phone_width_and_a_role_routes_the_request(browser: Browser, live_server, demo_mesh):
    alice = User.objects.get(username="alice")
    product = DataProduct.objects.filter(owner_team__memberships__user=alice, status="published").order_by("slug").first()
    port = product.output_ports.order_by("name").first()
    document = standards.parse(example("odcs-v3.1.0/full-example.odcs.yaml"))
    document["name"] = port.name
    document["roles"][0]["firstLevelApprovers"] = "ivan"
    services.import_document(document, by=alice, product=product)

    bob_context = browser.new_context(viewport={"width": 375, "height": 800})
    page = bob_context.new_page()
    sign_in(page, live_server, "bob")
    page.goto(f"{live_server.url}{product.get_absolute_url()}")
    expect(page.get_by_role("heading", name="Support & team")).to_be_visible()
    expect(page.get_by_role("link", name="#product-help")).to_have_attribute("href", "https://aidaug.slack.com/archives/C05UZRSBKLY")
    expect(page.get_by_text("past member")).to_be_visible()
    expect(page.get_by_role("heading", name="Access roles")).to_be_visible()
    # both sections are no wider than the screen (the team table scrolls inside its own box)
    for section in (page.locator("section.support-team"), page.locator("section.access-roles")):
        assert section.evaluate("s => s.getBoundingClientRect().right <= window.innerWidth && s.scrollWidth <= s.clientWidth")

    page.goto(f"{live_server.url}/products/{product.slug}/request-access/")
    page.get_by_label("Purpose").fill("Monthly listening report for the label partners.")
    page.get_by_label("Data contract role").select_option(label=f"microstrategy_user_opr (output port {port.name}, read access)")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_text("Data contract role", exact=True)).to_be_visible()
    bob_context.close()

    ivan_context = browser.new_context()
    page = ivan_context.new_page()
    sign_in(page, live_server, "ivan")
    page.goto(f"{live_server.url}/access/inbox/")
    expect(page.get_by_text("role microstrategy_user_opr")).to_be_visible()
    ivan_context.close()
