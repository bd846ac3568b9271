"""Settings for the data product marketplace.

Every setting comes from an environment variable (README, "Configuration").
Without any, the project runs embedded: SQLite under var/, Celery tasks run
eagerly, e-mail goes to the console. A bad value fails loudly at start.
"""

import json
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: str) -> bool:
    value = env(name, default).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: str) -> int:
    value = env(name, default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envfloat(name: str, default: str) -> float:
    value = env(name, default)
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from None


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", "true")
_DEVELOPMENT_SECRET_KEY = "development-only-secret-key-refused-when-debug-is-off"
SECRET_KEY = env("SECRET_KEY", _DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == _DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY: the development default is refused when DEBUG is off.")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")
# Members of this auth group are governance stewards: second approvers of
# sensitive products, readers of the whole audit trail.
STEWARDS_GROUP = env("STEWARDS_GROUP", "stewards")
# The classifications of published products the public DCAT catalogue
# (/catalog.jsonld, /catalog.ttl) lists to anyone, signed in or not.
DCAT_CLASSIFICATIONS = envlist("DCAT_CLASSIFICATIONS", "public")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_htmx",
    "axes",
    "csp",
    # The project's apps, top layer first; each imports only from those below
    # it (README, "What is where"; checked by import-linter in `make test`).
    "marketplace",
    "demo",
    "contracts",
    "search",
    "lineage",
    "slos",
    "access_requests",
    "catalog",
    "api_tokens",
    "audit",
    "notifications",
]

MIDDLEWARE = [
    # First: /healthz, /readyz and /metrics answer before the host check and
    # the HTTPS redirect (probes come over plain HTTP, with a Host of their own).
    "marketplace.health.ProbeMiddleware",
    # Second: every other request is counted and timed, whatever answers it.
    "marketplace.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads a body: one too large is a 413 (JSON under /api/).
    "marketplace.request_limits.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "marketplace.middleware.PermissionsPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"
ASGI_APPLICATION = "marketplace.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "access_requests.context_processors.access_navigation",
            ],
        },
    },
]

# Database: DATABASE_URL (postgres://user:pass@host:5432/name) or the embedded SQLite file.
_default_sqlite = f"sqlite:///{BASE_DIR / 'var' / 'marketplace.sqlite3'}"
try:
    DATABASES = {"default": dj_database_url.parse(env("DATABASE_URL", _default_sqlite), conn_max_age=envint("DATABASE_CONN_MAX_AGE", "0"))}
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {error}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL and a busy timeout let the dev server, a worker and a shell share the file.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses every sign-in of a locked-out account or address (marketplace/signin.py).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: anonymous users get no object permissions
GUARDIAN_RAISE_403 = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
FORMS_URLFIELD_ASSUME_HTTPS = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

if not DEBUG:
    SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", "true")
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips a client's own).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "true")
    # Paths (regular expressions, without the leading slash) served over plain HTTP too, e.g. a health check.
    SECURE_REDIRECT_EXEMPT = envlist("SECURE_REDIRECT_EXEMPT", "")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "31536000")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "true")
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "true")

# Response headers on every page (SecurityMiddleware, django-csp, marketplace.middleware).
SECURE_REFERRER_POLICY = "same-origin"
# No inline script or style anywhere: every page takes its script and CSS
# from static files. /api/docs/ (Swagger UI) relaxes style-src only (marketplace/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}
# Browser features no page uses, refused to the page and anything it embeds.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "usb",
        "xr-spatial-tracking",
    )
}

# The client's address: X-Forwarded-For is believed only through this many
# reverse proxies (the address the outermost trusted proxy saw); with 0 it is
# ignored and the socket's address counts. One setting for the sign-in
# lockout and the API throttles (marketplace/signin.py, client_address).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", "0")
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT must be 0 or more, not {TRUSTED_PROXY_COUNT}")

# Sign-in lockout (django-axes, on the sign-in page, the admin's and the token
# endpoint): SIGNIN_FAILURE_LIMIT failures for one account, or
# SIGNIN_ADDRESS_FAILURE_LIMIT from one client address (higher: many people
# may share an office's address), lock it for SIGNIN_LOCKOUT_MINUTES after
# the last failure. A successful sign-in clears its account's failures.
AXES_ENABLED = True
AXES_FAILURE_LIMIT = envint("SIGNIN_FAILURE_LIMIT", "5")
SIGNIN_ADDRESS_FAILURE_LIMIT = envint("SIGNIN_ADDRESS_FAILURE_LIMIT", "20")
if AXES_FAILURE_LIMIT < 1 or SIGNIN_ADDRESS_FAILURE_LIMIT < 1:
    raise ImproperlyConfigured("SIGNIN_FAILURE_LIMIT and SIGNIN_ADDRESS_FAILURE_LIMIT must be 1 or more")
AXES_COOLOFF_TIME = timedelta(minutes=envint("SIGNIN_LOCKOUT_MINUTES", "15"))
if AXES_COOLOFF_TIME <= timedelta(0):
    raise ImproperlyConfigured("SIGNIN_LOCKOUT_MINUTES must be 1 or more")
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# Attempts while locked are refused without counting, so the lock ends on time.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HANDLER = "marketplace.signin.SignInAttemptHandler"
AXES_CLIENT_IP_CALLABLE = "marketplace.signin.client_address"
AXES_USERNAME_CALLABLE = "marketplace.signin.attempted_username"
AXES_LOCKOUT_CALLABLE = "marketplace.signin.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429

# Single sign-on through OpenID Connect (marketplace/oidc.py; README, "Single
# sign-on"), beside the local accounts. On when OIDC_RP_CLIENT_ID is set; then
# the client secret and the provider's endpoints are needed too. At every
# sign-in the OIDC_GROUPS_CLAIM claim (a list of strings) sets the user's
# memberships of the teams OIDC_TEAM_ROLES names (a JSON object: claim value ->
# [team slug, "owner" or "developer"]) and, when OIDC_STEWARDS_VALUE is not
# empty, their membership of the stewards group. Other memberships stay.
OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_PROVIDER_NAME = env("OIDC_PROVIDER_NAME", "single sign-on")
OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET")
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_OP_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_OP_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env("OIDC_OP_JWKS_ENDPOINT")
OIDC_RP_SIGN_ALGO = env("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env("OIDC_RP_SCOPES", "openid email profile")
OIDC_TIMEOUT = envfloat("OIDC_TIMEOUT", "5")
OIDC_GROUPS_CLAIM = env("OIDC_GROUPS_CLAIM", "groups")
OIDC_STEWARDS_VALUE = env("OIDC_STEWARDS_VALUE", "stewards")
try:
    OIDC_TEAM_ROLES = json.loads(env("OIDC_TEAM_ROLES", "{}"))
except ValueError as error:
    raise ImproperlyConfigured(f"OIDC_TEAM_ROLES must be a JSON object: {error}") from None
if not isinstance(OIDC_TEAM_ROLES, dict) or not all(
    isinstance(value, list) and len(value) == 2 and isinstance(value[0], str) and value[1] in ("owner", "developer")
    for value in OIDC_TEAM_ROLES.values()
):
    raise ImproperlyConfigured('OIDC_TEAM_ROLES must map claim values to ["<team slug>", "owner" or "developer"]')
OIDC_TEAM_ROLES = {claim: tuple(value) for claim, value in OIDC_TEAM_ROLES.items()}
if OIDC_ENABLED:
    _oidc_missing = [
        name
        for name in ("OIDC_RP_CLIENT_SECRET", "OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT")
        if not globals()[name]
    ]
    if OIDC_RP_SIGN_ALGO.startswith("RS") or OIDC_RP_SIGN_ALGO.startswith("ES"):
        _oidc_missing += [] if OIDC_OP_JWKS_ENDPOINT else ["OIDC_OP_JWKS_ENDPOINT"]
    if _oidc_missing:
        raise ImproperlyConfigured(f"OIDC_RP_CLIENT_ID is set, so set {', '.join(_oidc_missing)} too")
    # After the local accounts' backend; axes' backend (first) still guards it.
    AUTHENTICATION_BACKENDS.insert(2, "marketplace.oidc.IdentityProviderBackend")
# The provider's answer lands on the callback, then the user goes on as after a local sign-in.
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/"

# E-mail: the console unless EMAIL_HOST names an SMTP server.
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "marketplace@localhost")
EMAIL_HOST = env("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = envint("EMAIL_PORT", "587")
    EMAIL_HOST_USER = env("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "true")
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Seconds each step of the SMTP exchange may take (connect, each command).
EMAIL_TIMEOUT = envfloat("EMAIL_TIMEOUT", "30")

# Celery: a Redis broker in production; without one, tasks run eagerly in-process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A write must not hang on a missing broker: fail fast, and the caller falls back.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
# A broker that accepts connections but never answers must not hang a write
# either. The read timeout stays above the worker's 1 s BRPOP poll.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": envfloat("CELERY_BROKER_SOCKET_TIMEOUT", "2"),
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
CELERY_TIMEZONE = TIME_ZONE
# Periodic tasks (celery beat): grants end by themselves, overdue steps
# remind and escalate, and e-mail a broker outage left unsent goes out.
CELERY_BEAT_SCHEDULE: dict = {
    "expire-grants": {"task": "access_requests.tasks.expire_grants", "schedule": envfloat("EXPIRE_GRANTS_EVERY_SECONDS", "300")},
    "send-reminders": {"task": "access_requests.tasks.send_reminders", "schedule": envfloat("REMINDERS_EVERY_SECONDS", "900")},
    "refresh-slo-statuses": {"task": "slos.tasks.refresh_slo_statuses", "schedule": envfloat("SLO_REFRESH_EVERY_SECONDS", "900")},
    # Scheduled output port changes take effect at most this long after their date (catalog.services.apply_due_changes).
    "apply-scheduled-port-changes": {
        "task": "catalog.tasks.apply_scheduled_port_changes",
        "schedule": envfloat("SCHEDULED_PORT_CHANGES_EVERY_SECONDS", "600"),
    },
    "sweep-notifications": {
        "task": "notifications.tasks.sweep_notifications",
        "schedule": envfloat("NOTIFICATION_SWEEP_EVERY_SECONDS", "60"),
    },
}
# The sweep leaves notifications younger than this to the task queued at commit.
NOTIFICATION_SWEEP_GRACE_SECONDS = envint("NOTIFICATION_SWEEP_GRACE_SECONDS", "30")
# A sender claims a notification for this long before e-mailing it; a sender
# that died mid-send is taken over once it lapses. Longer than an SMTP exchange.
NOTIFICATION_LEASE_SECONDS = envfloat("NOTIFICATION_LEASE_SECONDS", "120")
if NOTIFICATION_LEASE_SECONDS <= EMAIL_TIMEOUT:
    raise ImproperlyConfigured(
        f"NOTIFICATION_LEASE_SECONDS ({NOTIFICATION_LEASE_SECONDS:g}) must be longer than EMAIL_TIMEOUT ({EMAIL_TIMEOUT:g}),"
        " or a slow mail server's e-mail is sent again while it is still being sent"
    )
# Queueing a task after commit (marketplace/queueing.py) waits at most this
# long for the broker, in the web request; after a failure a circuit breaker
# skips the broker for TASK_QUEUE_BREAKER_RESET_SECONDS, then tries once again.
# (Workers keep CELERY_BROKER_TRANSPORT_OPTIONS.)
TASK_QUEUE_TIMEOUT = envfloat("TASK_QUEUE_TIMEOUT", "0.3")
TASK_QUEUE_BREAKER_RESET_SECONDS = envfloat("TASK_QUEUE_BREAKER_RESET_SECONDS", "30")
for _name in ("EMAIL_TIMEOUT", "TASK_QUEUE_TIMEOUT", "TASK_QUEUE_BREAKER_RESET_SECONDS"):
    if globals()[_name] <= 0:
        raise ImproperlyConfigured(f"{_name} must be a number of seconds above 0, not {globals()[_name]:g}")

# Samples of output ports (catalog/samples.py): upload limits.
SAMPLE_MAX_BYTES = envint("SAMPLE_MAX_BYTES", "262144")
SAMPLE_MAX_ROWS = envint("SAMPLE_MAX_ROWS", "200")
# SLO measurements per API request.
SLO_MEASUREMENT_BATCH = envint("SLO_MEASUREMENT_BATCH", "1000")

# Audit trail checkpoints (audit/checkpoints.py; README,
# "Security: the audit trail"): every AUDIT_CHECKPOINT_EVERY events and every
# AUDIT_CHECKPOINT_INTERVAL_SECONDS, the chain's head is signed with an Ed25519
# key the database never holds, and the digest is kept in the
# "audit_checkpoints" storage (a directory unless AUDIT_CHECKPOINT_STORAGE
# names another Django storage backend, with AUDIT_CHECKPOINT_STORAGE_OPTIONS
# as JSON). The keys: the PEM itself (AUDIT_SIGNING_KEY, AUDIT_VERIFY_KEY) or
# a file holding it (AUDIT_SIGNING_KEY_FILE, AUDIT_VERIFY_KEY_FILE). With DEBUG
# on and no key set, the demo pair that `make run` creates under var/.
AUDIT_CHECKPOINT_EVERY = envint("AUDIT_CHECKPOINT_EVERY", "100")
AUDIT_CHECKPOINT_INTERVAL_SECONDS = envint("AUDIT_CHECKPOINT_INTERVAL_SECONDS", "3600")
for _name in ("AUDIT_CHECKPOINT_EVERY", "AUDIT_CHECKPOINT_INTERVAL_SECONDS"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be 1 or more, not {globals()[_name]}")
AUDIT_CHECKPOINT_DIR = Path(env("AUDIT_CHECKPOINT_DIR", str(BASE_DIR / "var" / "audit-checkpoints")))
try:
    _audit_storage_options = json.loads(env("AUDIT_CHECKPOINT_STORAGE_OPTIONS", "{}"))
except ValueError as error:
    raise ImproperlyConfigured(f"AUDIT_CHECKPOINT_STORAGE_OPTIONS must be a JSON object: {error}") from None
if not isinstance(_audit_storage_options, dict):
    raise ImproperlyConfigured("AUDIT_CHECKPOINT_STORAGE_OPTIONS must be a JSON object")
STORAGES["audit_checkpoints"] = {
    "BACKEND": env("AUDIT_CHECKPOINT_STORAGE", "django.core.files.storage.FileSystemStorage"),
    "OPTIONS": _audit_storage_options or {"location": AUDIT_CHECKPOINT_DIR, "base_url": None},
}
AUDIT_DEMO_SIGNING_KEY_FILE = BASE_DIR / "var" / "audit-signing-key.pem"
AUDIT_SIGNING_KEY = env("AUDIT_SIGNING_KEY")
AUDIT_SIGNING_KEY_FILE = env("AUDIT_SIGNING_KEY_FILE")
AUDIT_VERIFY_KEY = env("AUDIT_VERIFY_KEY")
AUDIT_VERIFY_KEY_FILE = env("AUDIT_VERIFY_KEY_FILE")
if AUDIT_SIGNING_KEY_FILE and not Path(AUDIT_SIGNING_KEY_FILE).is_file():
    raise ImproperlyConfigured(f"AUDIT_SIGNING_KEY_FILE: no file at {AUDIT_SIGNING_KEY_FILE}")
if AUDIT_SIGNING_KEY or AUDIT_SIGNING_KEY_FILE:
    # A key that cannot sign is found at the start, not at the first checkpoint.
    _audit_key_source = "AUDIT_SIGNING_KEY" if AUDIT_SIGNING_KEY else "AUDIT_SIGNING_KEY_FILE"
    try:
        _audit_key = load_pem_private_key(
            AUDIT_SIGNING_KEY.encode() if AUDIT_SIGNING_KEY else Path(AUDIT_SIGNING_KEY_FILE).read_bytes(), password=None
        )
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(f"{_audit_key_source} is not an unencrypted PEM private key: {error}") from None
    if not isinstance(_audit_key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{_audit_key_source} must be an Ed25519 key, not {type(_audit_key).__name__}")
    del _audit_key
if not (AUDIT_SIGNING_KEY or AUDIT_SIGNING_KEY_FILE):
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set AUDIT_SIGNING_KEY (an Ed25519 private key in PEM) or AUDIT_SIGNING_KEY_FILE: audit checkpoints "
            "must be signed. `manage.py create_audit_key --out PATH` makes a key pair."
        )
    AUDIT_SIGNING_KEY_FILE = str(AUDIT_DEMO_SIGNING_KEY_FILE)
    if not (AUDIT_VERIFY_KEY or AUDIT_VERIFY_KEY_FILE):
        AUDIT_VERIFY_KEY_FILE = str(AUDIT_DEMO_SIGNING_KEY_FILE.with_suffix(".pub"))
CELERY_BEAT_SCHEDULE["checkpoint-audit-trail"] = {
    "task": "audit.tasks.checkpoint_audit_trail",
    "schedule": float(AUDIT_CHECKPOINT_INTERVAL_SECONDS),
}

# Search (catalog/search/): the database's own backend (SQLite FTS5 or
# PostgreSQL full text), or Elasticsearch when ELASTICSEARCH_URL is set.
SEARCH_BACKEND = env("SEARCH_BACKEND", "auto")
if SEARCH_BACKEND not in ("auto", "database", "elasticsearch"):
    raise ImproperlyConfigured(f"SEARCH_BACKEND must be auto, database or elasticsearch, not {SEARCH_BACKEND!r}")
ELASTICSEARCH_URL = env("ELASTICSEARCH_URL")
if ELASTICSEARCH_URL and (urlsplit(ELASTICSEARCH_URL).scheme not in ("http", "https") or not urlsplit(ELASTICSEARCH_URL).hostname):
    raise ImproperlyConfigured(f"ELASTICSEARCH_URL must be an http(s) URL such as http://localhost:9200, not {ELASTICSEARCH_URL!r}")
if SEARCH_BACKEND == "elasticsearch" and not ELASTICSEARCH_URL:
    raise ImproperlyConfigured("SEARCH_BACKEND=elasticsearch needs ELASTICSEARCH_URL")
ELASTICSEARCH_INDEX = env("ELASTICSEARCH_INDEX", "marketplace-products")
ELASTICSEARCH_TIMEOUT = envfloat("ELASTICSEARCH_TIMEOUT", "0.3")  # seconds, connect and read
SEARCH_BREAKER_FAILURES = envint("SEARCH_BREAKER_FAILURES", "3")
SEARCH_BREAKER_RESET_SECONDS = envint("SEARCH_BREAKER_RESET_SECONDS", "30")

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate challenge makes a missing or invalid
    # credential a 401 (DRF asks the first class for the challenge).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "marketplace.authentication.BearerOrTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["core.api.FilterBackend"],  # django-filter's, refusing `?name=` without a value
    # JSON nested deeper than core.parsers.MAX_JSON_DEPTH is a 400, not a RecursionError.
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "marketplace.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # DRF's browsable API allows inline styles on its own pages only (marketplace/renderers.py).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer", "marketplace.renderers.BrowsableAPIRenderer"],
    "DEFAULT_THROTTLE_RATES": {"token": "20/min"},
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
# Named API tokens (api_tokens) keep knox's own token model: hashed, with an expiry.
KNOX_TOKEN_MODEL = "knox.AuthToken"
SPECTACULAR_SETTINGS = {
    "TITLE": "Data Product Marketplace API",
    "DESCRIPTION": "Data products, domains and teams of the mesh, access requests, grants and the audit trail. Session auth for the browser, "
    "token auth (`Authorization: Bearer <token>` or `Token <token>`) for machines: named API tokens, made on the "
    "API tokens page or with `POST /api/v1/tokens/`, expire and are read-only or read-write; the older, "
    "never-expiring tokens of `POST /api/v1/auth/token/` still work (deprecated).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Bodies are documented as JSON (the token endpoint and sample uploads list their other types themselves):
    # nested fields cannot be sent as a form, so a form's schema would promise what is refused.
    "PARSER_WHITELIST": ["core.parsers.JSONParser"],
    # Three models have a `status` with different choices: name each enum.
    "ENUM_NAME_OVERRIDES": {
        "AccessRequestStatusEnum": "access_requests.models.AccessRequest.Status",
        "ApprovalStepStatusEnum": "access_requests.models.ApprovalStep.Status",
        "DataProductStatusEnum": "catalog.models.DataProduct.Status",
        "SLOStatusEnum": "catalog.models.SLOStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Eager tasks (the embedded default) would log a line per task run in the request.
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"},
    },
}

# /metrics (marketplace/metrics.py): with a token, scrapers send
# `Authorization: Bearer <METRICS_TOKEN>` from anywhere; without one, only a
# scraper on this machine talking to the server directly may read it.
METRICS_TOKEN = env("METRICS_TOKEN")
if METRICS_TOKEN and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 32 characters (e.g. `openssl rand -hex 32`)")

# Catalog limits, shared by forms, serializers and the API.
CATALOG_PAGE_SIZE = envint("CATALOG_PAGE_SIZE", "24")
