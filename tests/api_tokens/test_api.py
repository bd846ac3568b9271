"""The API tokens API: your own tokens, listed, created (secret once) and revoked."""

import pytest
from rest_framework.test import APIClient

from api_tokens import services
from api_tokens.models import ApiToken
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKENS = "/api/v1/tokens/"


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_creating_a_token_answers_its_secret_once():
    user = UserFactory()
    client = signed_in(user)

    response = client.post(TOKENS, {"name": "airflow", "scope": "write", "expires_in_days": 30}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("dpm_")
    assert (body["name"], body["scope"]) == ("airflow", "write")
    listed = client.get(TOKENS).json()
    assert [token["name"] for token in listed] == ["airflow"]
    assert "token" not in listed[0]
    assert body["token"] not in str(client.get(TOKENS).content)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x", "expires_in_days": 400}, "expires_in_days"),
        ({"name": "x", "scope": "admin"}, "scope"),
        ({"name": 5}, "name"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(body, field):
    response = signed_in(UserFactory()).post(TOKENS, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert ApiToken.objects.count() == 0


def test_a_second_token_with_the_same_name_is_a_400():
    user = UserFactory()
    services.create_token(user, by=user, name="ci")

    response = signed_in(user).post(TOKENS, {"name": "ci"}, format="json")

    assert response.status_code == 400
    assert "name" in response.json()


def test_the_list_holds_only_your_own_tokens():
    user, other = UserFactory(), UserFactory()
    services.create_token(other, by=other, name="theirs")

    assert signed_in(user).get(TOKENS).json() == []


def test_revoking_your_token_is_a_204_and_it_stops_working():
    user = UserFactory()
    created = services.create_token(user, by=user, name="ci", scope="write")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {created.secret}")

    response = client.delete(f"{TOKENS}{created.token.pk}/")

    assert response.status_code == 204
    assert client.get(TOKENS).status_code == 401


def test_another_users_token_cannot_be_revoked():
    user, other = UserFactory(), UserFactory()
    theirs = services.create_token(other, by=other, name="theirs").token

    response = signed_in(user).delete(f"{TOKENS}{theirs.pk}/")

    assert response.status_code == 404
    assert ApiToken.objects.filter(pk=theirs.pk).exists()


def test_a_read_only_token_cannot_create_or_revoke_tokens():
    user = UserFactory()
    created = services.create_token(user, by=user, name="reader")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {created.secret}")

    assert client.post(TOKENS, {"name": "more"}, format="json").status_code == 403
    assert client.delete(f"{TOKENS}{created.token.pk}/").status_code == 403
    assert client.get(TOKENS).status_code == 200


def test_the_schema_documents_the_tokens_api():
    schema = signed_in(UserFactory()).get("/api/schema/?format=json").json()

    assert set(schema["paths"]["/api/v1/tokens/"]) >= {"get", "post"}
    assert "delete" in schema["paths"]["/api/v1/tokens/{id}/"]
