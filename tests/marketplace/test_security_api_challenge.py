"""An API caller without valid credentials is told to authenticate: 401
with a WWW-Authenticate challenge, not 403 (marketplace/authentication.py,
the token class first in DEFAULT_AUTHENTICATION_CLASSES). A known user
refused an action still gets 403, and the browser's session works as before."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import Mesh, UserFactory

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products/"
CHALLENGE = 'Token realm="api", Bearer realm="api"'


def with_header(value: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=value)
    return client


@pytest.mark.parametrize(
    "authorization",
    ["Token not-a-real-token", "Bearer not-a-real-token", "Token", "Bearer a b", "Token \xe9t\xe9"],
    ids=["unknown-token", "unknown-bearer", "no-key", "two-keys", "non-ascii"],
)
def test_an_invalid_token_is_a_401_with_a_challenge(authorization):
    response = with_header(authorization).get(PRODUCTS)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == CHALLENGE
    assert response.json()["detail"]


def test_a_token_of_an_inactive_user_is_a_401():
    user = UserFactory(is_active=False)

    response = with_header(f"Token {Token.objects.create(user=user).key}").get(PRODUCTS)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == CHALLENGE


def test_no_credentials_is_a_401_with_a_challenge():
    for method, url in [("get", PRODUCTS), ("post", PRODUCTS), ("get", "/api/v1/grants/"), ("post", "/api/v1/slo-measurements/")]:
        response = getattr(APIClient(), method)(url, {}, format="json")

        assert response.status_code == 401, (method, url)
        assert response["WWW-Authenticate"] == CHALLENGE


def test_a_valid_token_and_bearer_are_accepted():
    user = UserFactory()
    key = Token.objects.create(user=user).key

    assert with_header(f"Token {key}").get(PRODUCTS).status_code == 200
    assert with_header(f"Bearer {key}").get(PRODUCTS).status_code == 200


def test_an_invalid_token_is_refused_even_beside_a_valid_session():
    """The header says who the caller claims to be; a wrong claim is not
    rescued by a cookie."""
    client = APIClient()
    client.force_login(UserFactory())
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert client.get(PRODUCTS).status_code == 401


def test_the_browser_session_still_reads_and_writes_the_api_with_its_csrf_token():
    mesh = Mesh()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(mesh.owner)

    assert browser.get(PRODUCTS).status_code == 200
    refused = browser.patch(f"{PRODUCTS}{mesh.product.slug}/", {"summary": "No CSRF token."}, content_type="application/json")
    assert refused.status_code == 403  # a signed-in session without its CSRF token: refused, not challenged
    browser.get("/")
    csrf = browser.cookies["csrftoken"].value
    response = browser.patch(
        f"{PRODUCTS}{mesh.product.slug}/", {"summary": "With the CSRF token."}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert response.status_code == 200


def test_a_known_user_refused_an_action_still_gets_a_403():
    mesh = Mesh()
    client = APIClient()
    client.force_authenticate(mesh.consumer)

    response = client.patch(f"{PRODUCTS}{mesh.product.slug}/", {"summary": "Not mine."}, format="json")

    assert response.status_code == 403
    assert "WWW-Authenticate" not in response


def test_the_token_endpoint_answers_a_wrong_password_with_a_400_not_a_challenge():
    UserFactory(username="pipeline")

    response = APIClient().post("/api/v1/auth/token/", {"username": "pipeline", "password": "wrong"}, format="json")

    assert response.status_code == 400
    assert "WWW-Authenticate" not in response


def test_the_schema_documents_the_token_schemes():
    client = APIClient()
    client.force_authenticate(UserFactory())

    schemes = client.get("/api/schema/", {"format": "json"}).json()["components"]["securitySchemes"]

    assert {"tokenAuth", "cookieAuth"} <= set(schemes)
