"""An owner publishes a product with two output ports and their schema
fields from nothing, in Debian's Chromium (rows added with htmx, no reload);
then a consumer finds the ports and fields on the product's page."""

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.test_browse import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_creates_a_product_with_two_ports_and_fields_and_a_consumer_sees_them(browser: Browser, live_server, demo_mesh):
    alice_context = browser.new_context()
    page = alice_context.new_page()
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/products/new/")

    page.locator("#id_name").fill("Listening sessions")
    page.locator("#id_slug").fill("listening-sessions")
    page.locator("#id_summary").fill("One row per listening session.")
    page.locator("#id_domain").select_option(index=1)
    page.locator("#id_owner_team").select_option(index=1)
    page.locator("#id_status").select_option("published")
    # at phone width the port and field rows stack: the form is no wider than the screen
    page.set_viewport_size({"width": 375, "height": 800})
    form = page.locator("form.stacked-form")
    assert form.evaluate("f => f.getBoundingClientRect().right <= window.innerWidth && f.scrollWidth <= f.clientWidth")
    page.set_viewport_size({"width": 1280, "height": 900})

    # the first port, with the empty field row the page starts with and one added with htmx
    page.locator("#id_port-0-name").fill("sessions")
    page.locator("#id_port-0-format").fill("Parquet")
    page.locator("#id_port-0-description").fill("One row per session.")
    page.locator("#id_port-0-fields-0-name").fill("session_id")
    page.locator("#id_port-0-fields-0-data_type").fill("string")
    page.locator("#id_port-0-fields-0-required").check()
    page.locator("#id_port-0-fields-0-primary_key").check()
    page.locator("#port-row-0").get_by_role("button", name="Add a field").click()
    page.locator("#id_port-0-fields-1-name").fill("listener_id")
    page.locator("#id_port-0-fields-1-data_type").fill("string")
    page.locator("#id_port-0-fields-1-is_pii").check()
    expect(page.locator("#id_port-0-fields-TOTAL_FORMS")).to_have_value("2")

    # a second port, added with htmx: what was typed above stays (no reload)
    page.get_by_role("button", name="Add a port").click()
    expect(page.locator("#id_port-1-name")).to_be_visible()
    expect(page.locator("#id_port-0-name")).to_have_value("sessions")
    expect(page.locator("#id_port-TOTAL_FORMS")).to_have_value("2")
    page.locator("#id_port-1-name").fill("events")
    page.locator("#id_port-1-port_type").select_option("stream")
    page.locator("#id_port-1-fields-0-name").fill("event_id")
    page.locator("#id_port-1-fields-0-data_type").fill("string")

    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("Created Listening sessions.")).to_be_visible()
    alice_context.close()

    # a consumer sees both ports and their schemas
    bob_context = browser.new_context()
    bob = bob_context.new_page()
    sign_in(bob, live_server, "bob")
    bob.goto(f"{live_server.url}/products/listening-sessions/")
    sessions = bob.locator("article.port", has=bob.get_by_role("heading", name="sessions"))
    events = bob.locator("article.port", has=bob.get_by_role("heading", name="events"))
    expect(sessions).to_contain_text("One row per session.")
    expect(sessions).to_contain_text("Parquet")
    expect(sessions.locator("table")).to_contain_text("session_id")
    expect(sessions.locator("table")).to_contain_text("listener_id")
    expect(events).to_contain_text("Stream")
    expect(events.locator("table")).to_contain_text("event_id")
    bob_context.close()


def test_at_phone_width_an_owner_nests_fields_in_an_object_and_an_array_and_a_consumer_sees_the_nested_schema(
    browser: Browser, live_server, demo_mesh
):
    alice_context = browser.new_context(viewport={"width": 375, "height": 800})
    page = alice_context.new_page()
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/products/new/")
    page.locator("#id_name").fill("Customer orders")
    page.locator("#id_slug").fill("customer-orders")
    page.locator("#id_summary").fill("Every order with its delivery address and lines.")
    page.locator("#id_domain").select_option(index=1)
    page.locator("#id_owner_team").select_option(index=1)
    page.locator("#id_status").select_option("published")

    def add_field(port: int, index: int, name: str, *, physical: str = "", logical: str = "", nested_in: str = "") -> None:
        if index > 0:
            page.locator(f"#port-row-{port}").get_by_role("button", name="Add a field").click()
        prefix = f"#id_port-{port}-fields-{index}"
        page.locator(f"{prefix}-name").fill(name)
        if physical:
            page.locator(f"{prefix}-data_type").fill(physical)
        if logical:
            page.locator(f"{prefix}-logical_type").select_option(logical)
        if nested_in:
            page.locator(f"{prefix}-parent").fill(nested_in)

    # the first port: an object with a nested field, and an array of objects
    page.locator("#id_port-0-name").fill("orders")
    add_field(0, 0, "order_id", physical="uuid", logical="string")
    add_field(0, 1, "address", logical="object")
    add_field(0, 2, "street", physical="string", nested_in="address")
    add_field(0, 3, "lines", logical="array")
    add_field(0, 4, "sku", physical="varchar(20)", logical="string", nested_in="lines")
    expect(page.locator("#id_port-0-fields-TOTAL_FORMS")).to_have_value("5")

    # a second port, added with htmx, placed first with its position
    page.get_by_role("button", name="Add a port").click()
    expect(page.locator("#id_port-1-name")).to_be_visible()
    expect(page.locator("#id_port-0-fields-4-name")).to_have_value("sku")  # no reload: what was typed stays
    page.locator("#id_port-1-name").fill("order-events")
    page.locator("#id_port-1-port_type").select_option("stream")
    page.locator("#id_port-1-ORDER").fill("1")
    page.locator("#id_port-0-ORDER").fill("2")
    add_field(1, 0, "event_id", physical="string")
    form = page.locator("form.stacked-form")
    assert form.evaluate("f => f.getBoundingClientRect().right <= window.innerWidth && f.scrollWidth <= f.clientWidth")

    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("Created Customer orders.")).to_be_visible()
    alice_context.close()

    bob_context = browser.new_context(viewport={"width": 375, "height": 800})
    bob = bob_context.new_page()
    sign_in(bob, live_server, "bob")
    bob.goto(f"{live_server.url}/products/customer-orders/")
    expect(bob.locator("article.port h3")).to_have_count(2)
    expect(bob.locator("article.port h3").first).to_contain_text("order-events")  # the owner's order, not the alphabet's
    orders = bob.locator("article.port", has=bob.get_by_role("heading", name="orders", exact=False)).last
    street = orders.locator("tr.schema-depth-1", has_text="street")
    expect(street).to_contain_text("string")
    expect(orders.locator("tr.schema-depth-1", has_text="sku")).to_contain_text("varchar(20)")
    expect(orders.locator("tr.schema-depth-0", has_text="address")).to_contain_text("object")
    expect(orders.locator("tr.schema-depth-0", has_text="lines")).to_contain_text("array")
    rows = orders.locator("table.schema tbody th")
    expect(rows).to_have_text([re.compile(name) for name in ("order_id", "address", "street", "lines", "sku")])
    bob_context.close()
