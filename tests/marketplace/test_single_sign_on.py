"""Signing in through an OpenID Connect provider (a real one on loopback):
users are created and updated, and the provider's groups set teams and
stewardship at every sign-in, audited."""

import json
from urllib.parse import urlsplit

import pytest
import requests
from django.contrib.auth.models import Group
from django.urls import reverse

from audit.models import AuditEvent
from catalog.models import TeamMembership
from marketplace.models import SignInIdentity
from tests.factories import TeamFactory, UserFactory
from tests.marketplace.test_deploy_check import clean_environment, manage, production_setting
from tests.net import free_port

pytestmark = pytest.mark.django_db

TEAM_ROLES = {
    "listener-owners": ("listener", "owner"),
    "listener-developers": ("listener", "developer"),
    "finance-developers": ("finance", "developer"),
}


@pytest.fixture
def sso(settings, identity_provider):
    for name, value in identity_provider.settings(TEAM_ROLES).items():
        setattr(settings, name, value)
    return identity_provider


@pytest.fixture
def teams():
    return {slug: TeamFactory(slug=slug, name=slug.title()) for slug in ("listener", "finance", "payments")}


def sign_in(client, provider, sub: str, claims: dict, next_url: str = ""):
    """The whole code flow: the marketplace sends the browser to the provider,
    the provider authorizes `sub`, the callback signs them in."""
    provider.set_user(sub, claims)
    response = client.get(reverse("oidc_authentication_init") + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302
    callback = urlsplit(provider.authorize(response["Location"], sub))
    assert callback.path == reverse("oidc_authentication_callback")
    return client.get(f"{callback.path}?{callback.query}")


def memberships(user) -> set[tuple[str, str]]:
    return set(TeamMembership.objects.filter(user=user).values_list("team__slug", "role"))


def test_the_sign_in_page_offers_the_provider_only_when_it_is_configured(client, settings, identity_provider):
    assert "Sign in with" not in client.get(reverse("login")).content.decode()
    assert client.get(reverse("oidc_authentication_init")).status_code == 404

    for name, value in identity_provider.settings().items():
        setattr(settings, name, value)
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with Test IdP" in page
    assert 'name="password"' in page  # local accounts stay


def test_a_first_sign_in_creates_the_user_with_the_teams_and_stewardship_the_groups_claim_gives(client, sso, teams):
    response = sign_in(
        client,
        sso,
        "sub-ada",
        {
            "preferred_username": "ada",
            "email": "ada@example.org",
            "given_name": "Ada",
            "family_name": "Lovelace",
            "groups": ["listener-owners", "finance-developers", "stewards", "unmapped"],
        },
        next_url="/search/",
    )

    assert response.status_code == 302 and response["Location"] == "/search/"
    identity = SignInIdentity.objects.get(subject="sub-ada")
    user = identity.user
    assert (user.username, user.email, user.get_full_name()) == ("ada", "ada@example.org", "Ada Lovelace")
    assert not user.has_usable_password()
    assert memberships(user) == {("listener", "owner"), ("finance", "developer")}
    assert user.groups.filter(name="stewards").exists()
    assert user.groups.filter(name="team:listener").exists()
    assert client.get(reverse("home")).wsgi_request.user == user
    added = AuditEvent.objects.filter(action="team.member_added").order_by("sequence")
    assert [(event.payload["user"], event.payload["role"]) for event in added] == [("ada", "developer"), ("ada", "owner")]
    assert AuditEvent.objects.filter(action="steward.added", payload__user="ada").count() == 1


def test_a_team_removed_at_the_provider_is_lost_at_the_next_sign_in_and_audited(client, sso, teams):
    sign_in(client, sso, "sub-bo", {"preferred_username": "bo", "groups": ["listener-owners", "finance-developers", "stewards"]})
    user = SignInIdentity.objects.get(subject="sub-bo").user
    # A membership given here by hand, in a team the mapping does not name, stays.
    TeamMembership.objects.create(team=teams["payments"], user=user, role="developer")
    client.logout()

    sign_in(client, sso, "sub-bo", {"preferred_username": "bo", "email": "bo@example.org", "groups": ["listener-developers"]})

    user.refresh_from_db()
    assert SignInIdentity.objects.count() == 1
    assert user.email == "bo@example.org"
    assert memberships(user) == {("listener", "developer"), ("payments", "developer")}
    assert not user.groups.filter(name__in=["stewards", "team:finance"]).exists()
    removed = {(event.object_id, event.payload["role"]) for event in AuditEvent.objects.filter(action="team.member_removed")}
    assert removed == {(str(teams["finance"].pk), "developer"), (str(teams["listener"].pk), "owner")}
    assert AuditEvent.objects.filter(action="steward.removed", payload__user="bo").count() == 1
    assert AuditEvent.objects.filter(action="team.member_removed", payload__source="sign-in through Test IdP").count() == 2


def test_a_provider_user_named_like_a_local_account_gets_a_username_of_their_own(client, sso, teams):
    local = UserFactory(username="carol", email="carol@example.org")

    sign_in(client, sso, "sub-carol", {"preferred_username": "carol", "email": "carol@example.org", "groups": ["listener-owners"]})

    user = SignInIdentity.objects.get(subject="sub-carol").user
    assert user != local and user.username == "carol-2"
    assert memberships(local) == set()


def test_a_refused_authorization_is_a_message_on_the_sign_in_page_not_an_error(client, sso):
    sso.set_user("sub-dan", {"preferred_username": "dan"})
    response = client.get(reverse("oidc_authentication_init"))
    callback = urlsplit(requests.post(response["Location"], data={"action": "deny"}, allow_redirects=False, timeout=5).headers["Location"])

    response = client.get(f"{callback.path}?{callback.query}", follow=True)

    assert response.status_code == 200
    assert "did not succeed" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_local_accounts_still_sign_in_with_a_password_when_single_sign_on_is_on(client, sso):
    UserFactory(username="erin")
    response = client.post(reverse("login"), {"username": "erin", "password": "secret-password"})
    assert response.status_code == 302
    assert Group.objects.filter(name="stewards").count() <= 1


def test_a_locked_out_address_cannot_sign_in_through_the_provider_either(client, sso, settings):
    settings.SIGNIN_ADDRESS_FAILURE_LIMIT = 2
    for username in ("nobody-1", "nobody-2"):
        client.post(reverse("login"), {"username": username, "password": "wrong"})

    response = sign_in(client, sso, "sub-mallory", {"preferred_username": "mallory", "groups": ["stewards"]})

    assert response.status_code == 429
    assert not SignInIdentity.objects.filter(subject="sub-mallory").exists()
    assert not Group.objects.filter(name="stewards", user__username="mallory").exists()


def test_a_deactivated_user_cannot_sign_in_through_the_provider(client, sso, teams):
    sign_in(client, sso, "sub-finn", {"preferred_username": "finn", "groups": ["listener-owners"]})
    client.logout()
    user = SignInIdentity.objects.get(subject="sub-finn").user
    user.is_active = False
    user.save()

    response = sign_in(client, sso, "sub-finn", {"preferred_username": "finn", "groups": []})

    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert memberships(user) == {("listener", "owner")}  # nothing changed for a refused user


def test_an_unreachable_provider_is_a_failed_sign_in_not_an_error(client, sso, settings):
    sso.set_user("sub-gil", {"preferred_username": "gil"})
    response = client.get(reverse("oidc_authentication_init"))
    callback = urlsplit(sso.authorize(response["Location"], "sub-gil"))
    settings.OIDC_OP_TOKEN_ENDPOINT = f"http://127.0.0.1:{free_port()}/oauth2/token"

    response = client.get(f"{callback.path}?{callback.query}", follow=True)

    assert response.status_code == 200
    assert "did not succeed" in response.content.decode()
    assert not SignInIdentity.objects.exists()


OIDC_ENVIRONMENT = {
    "OIDC_RP_CLIENT_ID": "marketplace",
    "OIDC_RP_CLIENT_SECRET": "secret",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://idp.example.com/auth",
    "OIDC_OP_TOKEN_ENDPOINT": "https://idp.example.com/token",
    "OIDC_OP_USER_ENDPOINT": "https://idp.example.com/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://idp.example.com/certs",
    "OIDC_TEAM_ROLES": '{"mesh-playback-owners": ["playback", "owner"]}',
}


def test_the_environment_turns_single_sign_on_on_after_the_lockout_and_the_local_accounts():
    expression = "__import__('json').dumps([settings.AUTHENTICATION_BACKENDS, settings.OIDC_TEAM_ROLES])"
    backends, roles = json.loads(production_setting(clean_environment() | OIDC_ENVIRONMENT, expression))

    assert backends[:3] == [
        "axes.backends.AxesStandaloneBackend",
        "django.contrib.auth.backends.ModelBackend",
        "marketplace.oidc.IdentityProviderBackend",
    ]
    assert roles == {"mesh-playback-owners": ["playback", "owner"]}
    backends, _ = json.loads(production_setting(clean_environment(), expression))
    assert "marketplace.oidc.IdentityProviderBackend" not in backends


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"OIDC_OP_JWKS_ENDPOINT": ""}, "set OIDC_OP_JWKS_ENDPOINT too"),
        ({"OIDC_RP_CLIENT_SECRET": ""}, "set OIDC_RP_CLIENT_SECRET too"),
        ({"OIDC_TEAM_ROLES": "{not json"}, "OIDC_TEAM_ROLES must be a JSON object"),
        (
            {"OIDC_TEAM_ROLES": '{"x": ["playback", "admin"]}'},
            'OIDC_TEAM_ROLES must map claim values to ["<team slug>", "owner" or "developer"]',
        ),
    ],
)
def test_an_incomplete_single_sign_on_configuration_stops_the_start_naming_it(change, message):
    result = manage(clean_environment() | OIDC_ENVIRONMENT | change, "check")

    assert result.returncode != 0
    assert message in result.stderr


def test_owner_wins_when_the_claim_gives_two_roles_in_a_team_and_a_team_that_does_not_exist_is_skipped(client, sso, settings):
    settings.OIDC_TEAM_ROLES = TEAM_ROLES | {"ghost-owners": ("ghost", "owner")}
    TeamFactory(slug="listener")

    sign_in(client, sso, "sub-hal", {"preferred_username": "hal", "groups": ["listener-developers", "listener-owners", "ghost-owners"]})

    user = SignInIdentity.objects.get(subject="sub-hal").user
    assert memberships(user) == {("listener", "owner")}
    assert AuditEvent.objects.filter(action="team.member_added").count() == 1


def test_without_a_stewards_value_the_provider_leaves_stewardship_alone(client, sso, settings):
    settings.OIDC_STEWARDS_VALUE = ""
    sign_in(client, sso, "sub-ida", {"preferred_username": "ida", "groups": []})
    user = SignInIdentity.objects.get(subject="sub-ida").user
    user.groups.add(Group.objects.get_or_create(name="stewards")[0])
    client.logout()

    sign_in(client, sso, "sub-ida", {"preferred_username": "ida", "groups": []})

    assert user.groups.filter(name="stewards").exists()
    assert not AuditEvent.objects.filter(action__startswith="steward.").exists()
