"""With the production environment the README documents, Django's own
deployment checks find nothing: HSTS and the HTTPS redirect are on by
default when DEBUG is off, and each can be set from the environment.

Each case runs `manage.py check --deploy` (or reads the settings) in a
subprocess with that environment, as an operator would."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

BASE_DIR = Path(__file__).resolve().parents[2]


def documented_production_variables() -> set[str]:
    """The variables the README's production block exports."""
    readme = (BASE_DIR / "README.md").read_text()
    block = readme.split("### Production", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    export = block.split("make install", 1)[0]
    return set(re.findall(r"\b([A-Z][A-Z0-9_]+)=", export))


@pytest.fixture
def production_environment(tmp_path) -> dict[str, str]:
    """The README's production variables, with values an operator would give them."""
    private = Ed25519PrivateKey.generate()
    signing_key = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    verify_key = private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (tmp_path / "audit-signing-key.pem").write_bytes(signing_key)
    (tmp_path / "audit-signing-key.pub").write_bytes(verify_key)
    values = {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "marketplace.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'marketplace.sqlite3'}",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "AUDIT_SIGNING_KEY": signing_key.decode(),
        "AUDIT_SIGNING_KEY_FILE": str(tmp_path / "audit-signing-key.pem"),
        "AUDIT_VERIFY_KEY": verify_key.decode(),
        "AUDIT_VERIFY_KEY_FILE": str(tmp_path / "audit-signing-key.pub"),
        "AUDIT_CHECKPOINT_DIR": str(tmp_path / "audit-checkpoints"),
        "TRUSTED_PROXY_COUNT": "1",
    }
    documented = documented_production_variables()
    assert documented <= set(values), f"give the test a value for {documented - set(values)}"
    return clean_environment() | {name: values[name] for name in documented}


def clean_environment() -> dict[str, str]:
    """The process's environment without the test session's own settings
    (DJANGO_ALLOW_ASYNC_UNSAFE and the like)."""
    return {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}


def manage(environment: dict, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=120
    )


def production_setting(environment: dict, expression: str) -> str:
    code = f"import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'marketplace.settings'; django.setup(); from django.conf import settings; print({expression})"
    result = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_the_documented_production_environment_passes_check_deploy_without_a_warning(production_environment):
    result = manage(production_environment, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_redirects_to_https_and_sends_hsts_for_a_year_including_subdomains(production_environment):
    assert (
        production_setting(
            production_environment,
            "settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
            "settings.SECURE_HSTS_PRELOAD, settings.SECURE_PROXY_SSL_HEADER, settings.SECURE_REDIRECT_EXEMPT",
        )
        == "True 31536000 True True ('HTTP_X_FORWARDED_PROTO', 'https') []"
    )


def test_the_https_settings_come_from_the_environment(production_environment):
    environment = production_environment | {
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "3600",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "false",
        "SECURE_HSTS_PRELOAD": "false",
        "SECURE_REDIRECT_EXEMPT": r"^healthz/$",
    }

    assert (
        production_setting(
            environment,
            "settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
            "settings.SECURE_HSTS_PRELOAD, settings.SECURE_REDIRECT_EXEMPT",
        )
        == r"False 3600 False False ['^healthz/$']"
    )
    # Turned off, Django's checks say so: the operator chose it.
    warnings = manage(environment, "check", "--deploy").stdout + manage(environment, "check", "--deploy").stderr
    assert "security.W008" in warnings
    assert "security.W005" in warnings


def test_a_bad_https_setting_stops_the_start_naming_it(production_environment):
    result = manage(production_environment | {"SECURE_HSTS_SECONDS": "a year"}, "check")

    assert result.returncode != 0
    assert "SECURE_HSTS_SECONDS must be a whole number" in result.stderr


def test_development_neither_redirects_nor_sends_hsts():
    assert (
        production_setting(clean_environment(), "settings.DEBUG, settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS")
        == "True False 0"
    )
