"""Signing in through the identity provider in Chromium, end to end: the
marketplace's button, the provider's own page, and back signed in."""

import pytest
from playwright.sync_api import Page, expect

from catalog.models import TeamMembership
from marketplace.models import SignInIdentity
from tests.factories import TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_person_signs_in_through_the_provider_on_a_phone_and_gets_their_team(page: Page, live_server, settings, identity_provider):
    for name, value in identity_provider.settings({"playback-owners": ("playback", "owner")}).items():
        setattr(settings, name, value)
    TeamFactory(slug="playback", name="Playback")
    identity_provider.set_user("sub-grace", {"preferred_username": "grace", "given_name": "Grace", "groups": ["playback-owners"]})
    page.set_viewport_size({"width": 375, "height": 800})

    page.goto(f"{live_server.url}/accounts/login/")
    button = page.get_by_role("link", name="Sign in with Test IdP")
    assert button.bounding_box()["x"] + button.bounding_box()["width"] <= 375
    button.click()

    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
    page.get_by_placeholder("sub").fill("sub-grace")
    page.get_by_role("button", name="Authorize").click()

    expect(page.get_by_role("heading", name="Find the data your work needs")).to_be_visible()
    assert page.url.startswith(live_server.url)
    user = SignInIdentity.objects.get(subject="sub-grace").user
    assert user.username == "grace"
    assert list(TeamMembership.objects.filter(user=user).values_list("team__slug", "role")) == [("playback", "owner")]
