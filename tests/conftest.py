"""Test session set-up: the database (SQLite, or a real PostgreSQL cluster the
session starts), the browser, and the switch that turns a missing service
into a failure (REQUIRE_SERVICES=1, set by CI)."""
