"""Queueing a Celery task from a web request, after its change committed,
without letting the broker hold the request up.

A broker that is down refuses the connection at once, but one that accepts
connections and never answers would hold a request for the full socket
timeout of the workers' settings (2 s per try, several tries per request).
So publishing uses a connection of its own (one per thread, kept between
publishes, dropped after any failure) whose every step (connect, each
command) waits at most TASK_QUEUE_TIMEOUT (0.3 s) and is not retried; the
workers keep CELERY_BROKER_TRANSPORT_OPTIONS, whose read timeout must stay
above their blocking poll.

After one failure a circuit breaker skips the broker for
TASK_QUEUE_BREAKER_RESET_SECONDS; then the next publish tries once again
(half-open) and, if the broker answers, closes the breaker. The breaker runs
one publish at a time, so a request that arrives while another waits on a
silent broker waits for that one (at most TASK_QUEUE_TIMEOUT) and is then
turned away by the open breaker at once. Callers decide
what a task that was not queued means: notifications wait for the sweep,
search indexing runs in-process.
"""

import logging
import os
import threading

import pybreaker
from celery import Task
from django.conf import settings

logger = logging.getLogger(__name__)


class QueueUnavailable(Exception):
    """The broker did not take the task in time, or failed a moment ago."""


# One breaker for the one broker, shared by every task queued from this process.
breaker = pybreaker.CircuitBreaker(
    fail_max=1, reset_timeout=settings.TASK_QUEUE_BREAKER_RESET_SECONDS, name="broker", throw_new_error_on_trip=False
)


def enqueue(task: Task, **kwargs) -> None:
    """Queue `task` with these keyword arguments, waiting for the broker at
    most about TASK_QUEUE_TIMEOUT. Raises QueueUnavailable when it did not
    take it. Without a broker (tasks run eagerly) this runs the task now, and
    its own errors propagate."""
    if task.app.conf.task_always_eager:
        task.apply_async(kwargs=kwargs)
        return
    breaker.reset_timeout = settings.TASK_QUEUE_BREAKER_RESET_SECONDS
    try:
        breaker.call(_publish, task, kwargs)
    except pybreaker.CircuitBreakerError as error:
        raise QueueUnavailable(f"the broker failed within the last {settings.TASK_QUEUE_BREAKER_RESET_SECONDS:g} s ({error})") from None
    except Exception as error:  # kombu and redis-py raise several kinds for a broker that is away
        raise QueueUnavailable(f"{type(error).__name__}: {error}") from error


# Publishing connections, one per thread (a kombu connection is not thread-safe).
_publishing = threading.local()


def _publish(task: Task, kwargs: dict) -> None:
    connection = _publishing_connection(task.app)
    try:
        task.apply_async(kwargs=kwargs, connection=connection, retry=False)
    except Exception:
        _drop_publishing_connection()
        raise


def _publishing_connection(app):
    key = (os.getpid(), app.conf.broker_write_url)  # a forked child or another broker gets a new connection
    if getattr(_publishing, "key", None) != key:
        _drop_publishing_connection()
        timeout = settings.TASK_QUEUE_TIMEOUT
        _publishing.connection = app.connection_for_write(
            connect_timeout=timeout,
            transport_options={
                "socket_connect_timeout": timeout,
                "socket_timeout": timeout,
                # Fail on the first refused or silent connection rather than retry.
                "max_retries": 0,
                "interval_start": 0,
            },
        )
        _publishing.key = key
    return _publishing.connection


def _drop_publishing_connection() -> None:
    connection = getattr(_publishing, "connection", None)
    _publishing.connection = _publishing.key = None
    if connection is not None:
        try:
            connection.release()
        except Exception:  # closing a broken connection may fail too; it is gone either way
            logger.debug("Closing a failed publishing connection failed.", exc_info=True)
