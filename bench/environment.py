"""The environment every benchmark runs Django in: settings as in
production (DEBUG off: no query log; Django's SQLite query log would even
run an extra QUOTE() query per statement), the database's own search
backend, tasks eager, and the project importable."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def configure_environment(database_url: str, *, name: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "marketplace.settings"
    os.environ["DEBUG"] = "false"
    os.environ["SECRET_KEY"] = f"bench-{name}-" + "x" * 40
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["SECURE_COOKIES"] = "false"
    os.environ["SEARCH_BACKEND"] = "database"
    os.environ["ELASTICSEARCH_URL"] = ""
    os.environ["CELERY_BROKER_URL"] = ""
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
