"""Signing in cannot be brute-forced (marketplace/signin.py, django-axes).

On every sign-in path (the sign-in page, the admin's and the token
endpoint) repeated failures lock the account, and from one client address
lock the address; while locked even the right password is refused, until
the cool-off after the last failure ends or an administrator unlocks it.
X-Forwarded-For is believed only through TRUSTED_PROXY_COUNT proxies
(0 by default), so a client cannot reset a count by inventing addresses.

The clock is time-machine's, frozen (tick=False) and moved by hand."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/?next=/admin/"
TOKEN = "/api/v1/auth/token/"
PASSWORD = "secret-password"
START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
LOCK = timedelta(minutes=15)
BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def empty_throttle_history():
    """The token throttle counts requests in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def sign_in_page(client: Client, username: str, password: str, **headers):
    return client.post(LOGIN, {"username": username, "password": password}, **headers)


def admin_sign_in(client: Client, username: str, password: str, **headers):
    return client.post(ADMIN_LOGIN, {"username": username, "password": password}, **headers)


def token(client: APIClient, username: str, password: str, **headers):
    return client.post(TOKEN, {"username": username, "password": password}, format="json", **headers)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- the sign-in page ------------------------------------------------------------


def test_thirty_wrong_passwords_lock_the_sign_in_page_until_the_lock_ends(client, clock):
    erin = UserFactory(username="erin")
    for _ in range(30):
        assert sign_in_page(client, "erin", "wrong").status_code in (200, 429)

    refused = sign_in_page(client, "erin", PASSWORD)
    assert refused.status_code == 429
    assert not signed_in(client)
    assert "Signing in is locked" in refused.content.decode()
    assert "09:15" in refused.content.decode()  # the lock ends 15 minutes after the last counted failure
    assert refused["Retry-After"] == str(15 * 60)

    clock.shift(LOCK - timedelta(seconds=1))
    assert sign_in_page(client, "erin", PASSWORD).status_code == 429
    assert not signed_in(client)

    clock.shift(timedelta(seconds=2))
    response = sign_in_page(client, "erin", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(erin.pk)


def test_the_account_locks_at_the_fifth_failure_and_not_before(client, clock):
    UserFactory(username="erin")
    for _ in range(4):
        assert sign_in_page(client, "erin", "wrong").status_code == 200  # the form again, with its error

    assert sign_in_page(client, "erin", "wrong").status_code == 429
    assert sign_in_page(client, "erin", PASSWORD).status_code == 429


def test_a_successful_sign_in_clears_the_accounts_failures(client, clock):
    UserFactory(username="erin")
    for _ in range(4):
        sign_in_page(client, "erin", "wrong")
    assert sign_in_page(client, "erin", PASSWORD).status_code == 302
    client.logout()

    for _ in range(4):
        assert sign_in_page(client, "erin", "wrong").status_code == 200
    assert sign_in_page(client, "erin", PASSWORD).status_code == 302


def test_many_correct_sign_ins_never_lock(client, clock):
    UserFactory(username="erin")
    for _ in range(30):
        assert sign_in_page(client, "erin", PASSWORD).status_code == 302
        client.logout()
    assert AccessAttempt.objects.count() == 0


def test_failures_of_one_account_do_not_lock_another_from_the_same_address(client, clock):
    UserFactory(username="erin")
    UserFactory(username="bob")
    for _ in range(10):
        sign_in_page(client, "erin", "wrong")

    assert sign_in_page(client, "bob", PASSWORD).status_code == 302


def test_a_locked_account_is_locked_from_every_address(clock):
    UserFactory(username="erin")
    attacker, erin = Client(REMOTE_ADDR="198.51.100.66"), Client(REMOTE_ADDR="192.0.2.10")
    for _ in range(5):
        sign_in_page(attacker, "erin", "wrong")

    assert sign_in_page(erin, "erin", PASSWORD).status_code == 429


def test_failures_against_many_accounts_lock_the_address_but_not_the_accounts(clock):
    UserFactory(username="erin")
    sprayer, erin = Client(REMOTE_ADDR="198.51.100.66"), Client(REMOTE_ADDR="192.0.2.10")
    for number in range(settings.SIGNIN_ADDRESS_FAILURE_LIMIT - 1):
        assert sign_in_page(sprayer, f"guess{number}", "Winter2026!").status_code == 200
    assert sign_in_page(sprayer, "guess-last", "Winter2026!").status_code == 429  # the limit's failure locks

    assert sign_in_page(sprayer, "erin", PASSWORD).status_code == 429
    assert sign_in_page(erin, "erin", PASSWORD).status_code == 302


def test_signing_into_ones_own_account_does_not_reset_the_addresss_failures(clock):
    UserFactory(username="mallory")
    mallory = Client(REMOTE_ADDR="198.51.100.66")
    for number in range(settings.SIGNIN_ADDRESS_FAILURE_LIMIT - 1):
        sign_in_page(mallory, f"guess{number}", "Winter2026!")
    assert sign_in_page(mallory, "mallory", PASSWORD).status_code == 302
    mallory.logout()

    assert sign_in_page(mallory, "guess-last", "Winter2026!").status_code == 429


# --- the admin's sign-in -----------------------------------------------------------


def test_thirty_wrong_passwords_lock_the_admin_sign_in_until_the_lock_ends(client, clock):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    for _ in range(30):
        admin_sign_in(client, "root", "wrong")

    refused = admin_sign_in(client, "root", PASSWORD)
    assert refused.status_code == 429
    assert "Signing in is locked" in refused.content.decode()
    assert not signed_in(client)

    clock.shift(LOCK - timedelta(seconds=1))
    assert admin_sign_in(client, "root", PASSWORD).status_code == 429

    clock.shift(timedelta(seconds=2))
    assert admin_sign_in(client, "root", PASSWORD).status_code == 302
    assert signed_in(client)


def test_failures_on_the_page_and_the_admin_count_together(client, clock):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    for _ in range(3):
        sign_in_page(client, "root", "wrong")
    for _ in range(2):
        admin_sign_in(client, "root", "wrong")

    assert sign_in_page(client, "root", PASSWORD).status_code == 429


# --- the token endpoint --------------------------------------------------------------


def test_thirty_wrong_passwords_lock_the_token_endpoint_until_the_lock_ends(clock):
    UserFactory(username="pipeline")
    client = APIClient()
    for attempt in range(30):
        if attempt and attempt % 10 == 0:
            clock.shift(timedelta(seconds=61))  # stay under the token throttle (20 a minute): the lock is what refuses
        token(client, "pipeline", "wrong")

    refused = token(client, "pipeline", PASSWORD)
    assert refused.status_code == 429
    body = refused.json()
    assert "locked" in body["detail"]
    assert "token" not in body
    locked_until = datetime.fromisoformat(body["locked_until"])
    assert locked_until == START + timedelta(seconds=0) + LOCK  # 15 minutes after the fifth (last counted) failure
    assert 0 < int(refused["Retry-After"]) <= 15 * 60

    clock.move_to(locked_until - timedelta(seconds=1))
    assert token(client, "pipeline", PASSWORD).status_code == 429

    clock.move_to(locked_until + timedelta(seconds=1))
    response = token(client, "pipeline", PASSWORD)
    assert response.status_code == 200
    assert response.json()["token"]


def test_the_token_endpoint_answers_a_wrong_password_with_a_400_before_the_lock(clock):
    UserFactory(username="pipeline")
    for _ in range(4):
        response = token(APIClient(), "pipeline", "wrong")
        assert response.status_code == 400
        assert "locked_until" not in response.json()

    assert token(APIClient(), "pipeline", "wrong").status_code == 429


def test_failures_on_the_token_endpoint_lock_the_sign_in_page(client, clock):
    UserFactory(username="erin")
    for _ in range(5):
        token(APIClient(), "erin", "wrong")

    assert sign_in_page(client, "erin", PASSWORD).status_code == 429


def test_a_token_clears_the_accounts_failures(clock):
    UserFactory(username="pipeline")
    for _ in range(4):
        token(APIClient(), "pipeline", "wrong")
    assert token(APIClient(), "pipeline", PASSWORD).status_code == 200

    assert token(APIClient(), "pipeline", "wrong").status_code == 400


def test_the_schema_documents_the_lockout_of_the_token_endpoint():
    UserFactory(username="reader")
    client = APIClient()
    client.force_authenticate(UserFactory())
    schema = client.get("/api/schema/", {"format": "json"}).json()

    responses = schema["paths"][TOKEN]["post"]["responses"]
    assert "429" in responses
    locked = responses["429"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][locked]["properties"]) == {"detail", "locked_until"}


# --- spoofed X-Forwarded-For ---------------------------------------------------------


def test_a_new_forwarded_for_address_per_request_does_not_reset_the_accounts_count(client, clock):
    UserFactory(username="erin")
    for number in range(30):
        sign_in_page(client, "erin", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{number}")

    assert sign_in_page(client, "erin", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.200").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_a_new_forwarded_for_address_per_request_does_not_reset_the_addresss_count(clock):
    UserFactory(username="erin")
    sprayer = Client(REMOTE_ADDR="198.51.100.66")
    for number in range(30):
        sign_in_page(sprayer, f"guess{number}", "Winter2026!", HTTP_X_FORWARDED_FOR=f"203.0.113.{number}")

    assert sign_in_page(sprayer, "erin", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.200").status_code == 429


def test_a_new_forwarded_for_address_per_request_does_not_reset_the_token_throttle(clock):
    client = APIClient()
    # No password: nothing is authenticated, so only the throttle (20 a minute per address) answers.
    answers = [client.post(TOKEN, {"username": "x"}, format="json", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}") for n in range(21)]

    assert [answer.status_code for answer in answers[:20]] == [400] * 20
    assert answers[20].status_code == 429
    assert "throttled" in answers[20].json()["detail"]
    assert int(answers[20]["Retry-After"]) > 0


def test_a_new_forwarded_for_address_per_request_does_not_reset_the_token_lockout(clock):
    UserFactory(username="pipeline")
    client = APIClient()
    for number in range(10):
        token(client, "pipeline", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{number}")

    assert token(client, "pipeline", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.99").status_code == 429


# --- behind trusted proxies ------------------------------------------------------------


@pytest.fixture
def one_trusted_proxy(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def test_behind_one_trusted_proxy_the_address_the_proxy_saw_counts(one_trusted_proxy, clock):
    UserFactory(username="erin")
    proxy = "10.0.0.2"
    sprayer = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.66")
    for number in range(settings.SIGNIN_ADDRESS_FAILURE_LIMIT):
        sign_in_page(sprayer, f"guess{number}", "Winter2026!")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.66"}

    # The sprayer's address is locked, whatever it puts before the proxy's entry ...
    assert sign_in_page(sprayer, "erin", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.1, 198.51.100.66").status_code == 429
    # ... while someone else behind the same proxy signs in.
    erin = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="192.0.2.10")
    assert sign_in_page(erin, "erin", PASSWORD).status_code == 302


def test_behind_one_trusted_proxy_the_token_throttle_keys_on_the_address_the_proxy_saw(one_trusted_proxy, clock):
    client = APIClient(REMOTE_ADDR="10.0.0.2")
    for _ in range(20):
        client.post(TOKEN, {"username": "x"}, format="json", HTTP_X_FORWARDED_FOR="198.51.100.66")

    assert client.post(TOKEN, {"username": "x"}, format="json", HTTP_X_FORWARDED_FOR="198.51.100.66").status_code == 429
    assert client.post(TOKEN, {"username": "x"}, format="json", HTTP_X_FORWARDED_FOR="192.0.2.10").status_code == 400


def test_a_forwarded_for_value_that_is_no_address_counts_as_the_proxys(one_trusted_proxy, clock):
    UserFactory(username="erin")
    client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-address")

    assert sign_in_page(client, "erin", "wrong").status_code == 200
    assert token(APIClient(REMOTE_ADDR="10.0.0.2"), "erin", "wrong", HTTP_X_FORWARDED_FOR="::1:2:x").status_code == 400
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.2"}


def run_settings(code: str, **env) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"} | env
    return subprocess.run(
        [sys.executable, "-c", f"import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'marketplace.settings'; django.setup(); {code}"],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_trusted_proxy_count_sets_the_throttles_and_the_lockouts_address_from_one_variable():
    code = (
        "from django.test import RequestFactory; from marketplace.signin import client_address; "
        "from rest_framework.settings import api_settings; "
        "request = RequestFactory().get('/', REMOTE_ADDR='10.0.0.2', HTTP_X_FORWARDED_FOR='192.0.2.1, 198.51.100.66'); "
        "print(api_settings.NUM_PROXIES, client_address(request))"
    )
    assert run_settings(code).stdout.split() == ["0", "10.0.0.2"]
    assert run_settings(code, TRUSTED_PROXY_COUNT="1").stdout.split() == ["1", "198.51.100.66"]
    assert run_settings(code, TRUSTED_PROXY_COUNT="2").stdout.split() == ["2", "192.0.2.1"]
    refused = run_settings(code, TRUSTED_PROXY_COUNT="-1")
    assert refused.returncode != 0
    assert "TRUSTED_PROXY_COUNT" in refused.stderr


def test_lockout_limits_come_from_the_environment():
    code = "from django.conf import settings; print(settings.AXES_FAILURE_LIMIT, settings.SIGNIN_ADDRESS_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME.total_seconds())"
    assert run_settings(code).stdout.split() == ["5", "20", "900.0"]
    assert run_settings(code, SIGNIN_FAILURE_LIMIT="3", SIGNIN_ADDRESS_FAILURE_LIMIT="50", SIGNIN_LOCKOUT_MINUTES="60").stdout.split() == [
        "3",
        "50",
        "3600.0",
    ]
    refused = run_settings(code, SIGNIN_LOCKOUT_MINUTES="soon")
    assert refused.returncode != 0
    assert "SIGNIN_LOCKOUT_MINUTES" in refused.stderr


# --- an administrator unlocks -----------------------------------------------------------


def lock_erin(clock) -> Client:
    UserFactory(username="erin")
    erin = Client(REMOTE_ADDR="192.0.2.10")
    for _ in range(30):
        sign_in_page(erin, "erin", "wrong")
    assert sign_in_page(erin, "erin", PASSWORD).status_code == 429
    return erin


def test_an_administrator_sees_the_lockout_and_unlocks_it_in_the_admin(clock):
    erin = lock_erin(clock)
    admin = Client()
    admin.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    listing = admin.get("/admin/axes/accessattempt/", {"locked_out": "yes"})
    assert listing.status_code == 200
    assert "erin" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="erin")
    response = admin.post("/admin/axes/accessattempt/", {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"})
    assert response.status_code == 302

    assert sign_in_page(erin, "erin", PASSWORD).status_code == 302


def test_an_administrator_unlocks_an_account_with_axes_reset_username(clock):
    erin = lock_erin(clock)

    call_command("axes_reset_username", "erin")

    assert sign_in_page(erin, "erin", PASSWORD).status_code == 302


# --- bad input never gets past the lock as a 500 ----------------------------------------


@pytest.mark.parametrize("username", ["x" * 5000, "nul\x00byte", "ünïcødé-名前", ""], ids=["very-long", "nul", "unicode", "empty"])
def test_odd_usernames_are_refused_as_wrong_credentials_on_every_path(client, username):
    page = sign_in_page(client, username, "wrong")
    admin = admin_sign_in(client, username, "wrong")
    api = token(APIClient(), username, "wrong")

    assert page.status_code == admin.status_code == 200
    assert api.status_code == 400
    assert api.json()


def test_a_username_longer_than_any_is_a_400_naming_the_field_on_the_token_endpoint():
    response = token(APIClient(), "x" * 151, "wrong")

    assert response.status_code == 400
    assert list(response.json()) == ["username"]


def test_failures_with_a_very_long_username_are_counted_and_lock(client, clock):
    for _ in range(4):
        assert sign_in_page(client, "x" * 5000, "wrong").status_code == 200

    assert sign_in_page(client, "x" * 5000, "wrong").status_code == 429
    assert AccessAttempt.objects.get().username == "x" * 150
