"""Celery tasks of the catalog: thin, idempotent, taking ids."""

import logging

logger = logging.getLogger(__name__)
