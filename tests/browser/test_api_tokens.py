"""The API tokens page in Chromium on a phone: create a token, see its secret once, revoke it."""

import pytest
from playwright.sync_api import Page, expect

from api_tokens.models import ApiToken
from tests.browser.test_browse import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_user_creates_and_revokes_a_token_on_a_phone(page: Page, live_server, demo_mesh):
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, live_server, "bob")
    page.get_by_title("your API tokens").click()
    expect(page.locator(".empty-state").first).to_contain_text("no API tokens")

    page.get_by_label("Name").fill("notebook")
    page.get_by_label("Read and write").check()
    page.get_by_role("button", name="Create token").click()

    secret = page.locator("#token-secret").input_value()
    assert secret.startswith("dpm_")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    expect(page.get_by_role("row", name="notebook")).to_contain_text("Read and write")

    page.reload()  # the secret was in that one answer only
    expect(page.locator("#token-secret")).to_have_count(0)

    page.get_by_role("button", name="Revoke notebook").click()
    expect(page.locator(".messages")).to_contain_text("revoked")
    assert not ApiToken.objects.filter(user__username="bob").exists()
