"""The API tokens page: your own, and a service account's for staff."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from api_tokens import services
from api_tokens.models import SERVICE_ACCOUNTS_GROUP, ApiToken
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/account/tokens/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def service_account(username="openlineage-producer"):
    account = UserFactory(username=username)
    account.groups.add(Group.objects.get_or_create(name=SERVICE_ACCOUNTS_GROUP)[0])
    return account


def test_the_page_shows_an_empty_state():
    response = signed_in(UserFactory()).get(PAGE)

    assert response.status_code == 200
    assert "You have no API tokens" in response.content.decode()


def test_the_secret_is_shown_once_after_creation():
    user = UserFactory()
    client = signed_in(user)

    created = client.post(PAGE, {"name": "laptop", "expires_in_days": "90", "scope": "read"})

    token = ApiToken.objects.get()
    secret = created.context["created"].secret
    assert secret in created.content.decode()
    assert token.name == "laptop"
    again = client.get(PAGE).content.decode()
    assert "laptop" in again
    assert secret not in again


def test_a_bad_expiry_is_a_form_error():
    response = signed_in(UserFactory()).post(PAGE, {"name": "laptop", "expires_in_days": "1000", "scope": "read"})

    assert response.status_code == 400
    assert response.context["form"].errors["expires_in_days"]
    assert ApiToken.objects.count() == 0


def test_revoking_from_the_page():
    user = UserFactory()
    token = services.create_token(user, by=user, name="laptop").token

    response = signed_in(user).post(f"{PAGE}{token.pk}/revoke/")

    assert response.status_code == 302
    assert ApiToken.objects.count() == 0


def test_another_users_token_is_not_found_from_the_page():
    user, other = UserFactory(), UserFactory()
    theirs = services.create_token(other, by=other, name="theirs").token

    response = signed_in(user).post(f"{PAGE}{theirs.pk}/revoke/")

    assert response.status_code == 404
    assert ApiToken.objects.count() == 1


def test_staff_manage_a_service_accounts_tokens_on_its_page():
    account, staff = service_account(), UserFactory(is_staff=True)
    client = signed_in(staff)
    page = f"/service-accounts/{account.username}/tokens/"

    assert account.username in client.get(PAGE).content.decode()
    created = client.post(page, {"name": "airflow", "expires_in_days": "365", "scope": "write"})
    token = ApiToken.objects.get()
    assert created.status_code == 200
    assert (token.user, token.created_by) == (account, staff)

    assert client.post(f"{page}{token.pk}/revoke/").status_code == 302
    assert ApiToken.objects.count() == 0


def test_others_may_not_reach_a_service_accounts_page():
    account = service_account()

    assert signed_in(UserFactory()).get(f"/service-accounts/{account.username}/tokens/").status_code == 403


def test_a_person_is_not_a_service_account():
    person = UserFactory()

    assert signed_in(UserFactory(is_staff=True)).get(f"/service-accounts/{person.username}/tokens/").status_code == 404


def test_the_admin_lists_tokens_read_only():
    user = UserFactory()
    services.create_token(user, by=user, name="laptop")
    admin = UserFactory(is_staff=True, is_superuser=True)

    client = signed_in(admin)
    listed = client.get("/admin/api_tokens/apitoken/")

    assert listed.status_code == 200
    assert "laptop" in listed.content.decode()
    assert client.get("/admin/api_tokens/apitoken/add/").status_code == 403


def test_the_admin_revokes_through_the_service():
    user = UserFactory()
    token = services.create_token(user, by=user, name="leaked").token
    admin = UserFactory(is_staff=True, is_superuser=True)

    response = signed_in(admin).post("/admin/api_tokens/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})

    assert response.status_code == 302
    assert ApiToken.objects.count() == 0
