"""Named API tokens: hashed, expiring, scoped, revocable at once (api_tokens.services)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from knox.models import AuthToken
from rest_framework.test import APIClient

from api_tokens import services
from api_tokens.models import SERVICE_ACCOUNTS_GROUP, ApiToken
from audit.models import AuditEvent
from core.errors import Forbidden, ServiceError
from tests.factories import Mesh, UserFactory, dataset, port_dataset, run_event

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
PRODUCTS = "/api/v1/products/"


def bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_a_token_is_stored_as_a_digest_only():
    user = UserFactory()

    created = services.create_token(user, by=user, name="laptop")

    stored = AuthToken.objects.get()
    assert created.secret.startswith("dpm_")
    assert created.secret not in stored.digest
    assert stored.token_key == created.secret[:15]
    assert len(stored.digest) == 128  # SHA-512, hex


def test_a_token_expires_after_ninety_days_by_default():
    user = UserFactory()
    with time_machine.travel(NOW, tick=False):
        created = services.create_token(user, by=user, name="nightly")

    assert created.token.expires_at == NOW + timedelta(days=90)


@pytest.mark.parametrize("days", [0, 366, -1])
def test_a_token_lives_one_day_to_one_year(days):
    user = UserFactory()

    with pytest.raises(ServiceError) as refused:
        services.create_token(user, by=user, name="too long", expires_in_days=days)

    assert refused.value.field == "expires_in_days"
    assert ApiToken.objects.count() == AuthToken.objects.count() == 0


def test_an_expired_token_is_refused():
    user = UserFactory()
    with time_machine.travel(NOW, tick=False) as traveller:
        secret = services.create_token(user, by=user, name="short", expires_in_days=1).secret
        assert bearer(secret).get(PRODUCTS).status_code == 200

        traveller.shift(timedelta(days=1, seconds=1))

        response = bearer(secret).get(PRODUCTS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Token realm="api", Bearer realm="api"'


def test_a_revoked_token_is_refused_on_the_next_request():
    user = UserFactory()
    created = services.create_token(user, by=user, name="ci")
    client = bearer(created.secret)
    assert client.get(PRODUCTS).status_code == 200

    services.revoke_token(created.token, by=user)

    assert client.get(PRODUCTS).status_code == 401
    assert AuthToken.objects.count() == ApiToken.objects.count() == 0


def test_creating_and_revoking_are_audited():
    user = UserFactory()
    created = services.create_token(user, by=user, name="ci", scope="write")

    services.revoke_token(created.token, by=user)

    events = list(AuditEvent.objects.order_by("sequence").values_list("action", "actor_name", "payload"))
    assert [(action, actor) for action, actor, _ in events] == [("api_token.created", user.username), ("api_token.revoked", user.username)]
    assert created.secret not in str(events)


def test_nobody_may_revoke_another_users_token():
    owner, other = UserFactory(), UserFactory(is_staff=True)
    created = services.create_token(owner, by=owner, name="ci")

    with pytest.raises(Forbidden):
        services.revoke_token(created.token, by=other)

    assert bearer(created.secret).get(PRODUCTS).status_code == 200


def test_nobody_may_create_a_token_for_another_person():
    owner, staff = UserFactory(), UserFactory(is_staff=True)

    with pytest.raises(Forbidden):
        services.create_token(owner, by=staff, name="theirs")


def test_staff_create_and_revoke_a_service_accounts_tokens():
    producer, staff = UserFactory(username="openlineage-producer"), UserFactory(is_staff=True)
    producer.groups.add(Group.objects.get_or_create(name=SERVICE_ACCOUNTS_GROUP)[0])

    created = services.create_token(producer, by=staff, name="airflow", scope="write")
    services.revoke_token(created.token, by=staff)

    assert created.token.created_by == staff
    assert ApiToken.objects.count() == 0


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_read_only_token_is_refused_for_changes(method):
    mesh = Mesh()
    secret = services.create_token(mesh.owner, by=mesh.owner, name="reader").secret

    response = getattr(bearer(secret), method)(f"{PRODUCTS}{mesh.product.slug}/", {}, format="json")

    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]


def test_a_read_write_token_may_change():
    mesh = Mesh()
    secret = services.create_token(mesh.owner, by=mesh.owner, name="writer", scope="write").secret

    response = bearer(secret).patch(f"{PRODUCTS}{mesh.product.slug}/", {"summary": "Every play."}, format="json")

    assert response.status_code == 200


def test_last_use_is_recorded_at_most_once_a_minute():
    user = UserFactory()
    with time_machine.travel(NOW, tick=False) as traveller:
        created = services.create_token(user, by=user, name="ci")
        assert created.token.last_used_at is None

        bearer(created.secret).get(PRODUCTS)
        traveller.shift(timedelta(seconds=30))
        bearer(created.secret).get(PRODUCTS)
        assert ApiToken.objects.get().last_used_at == NOW

        traveller.shift(timedelta(seconds=31))
        bearer(created.secret).get(PRODUCTS)
    assert ApiToken.objects.get().last_used_at == NOW + timedelta(seconds=61)


def test_the_openlineage_endpoint_takes_a_new_token_as_bearer():
    mesh = Mesh()
    secret = services.create_token(mesh.owner, by=mesh.owner, name="openlineage", scope="write").secret
    event = run_event(inputs=[dataset("postgres://warehouse:5432", "raw.plays")], outputs=[port_dataset(mesh.product, "daily")])

    response = bearer(secret).post("/api/v1/lineage", event, format="json")

    assert response.status_code == 201


def test_a_legacy_drf_token_still_works():
    from rest_framework.authtoken.models import Token

    user = UserFactory()

    assert bearer(Token.objects.create(user=user).key).get(PRODUCTS).status_code == 200
