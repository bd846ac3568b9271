"""Real services for the test session, started from installed binaries:
a Redis server, a Celery worker subprocess, and an SMTP sink (the outbox at
the edge of the process, the one thing these tests fake).

tests/conftest.py turns these into session fixtures; tests reach them
through those fixtures only.
"""

import email
import email.policy
import os
import shutil
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from tests.net import free_port

PROJECT = Path(__file__).resolve().parent.parent


def wait_until(condition, *, timeout: float, interval: float = 0.05, message: str = "condition"):
    """Poll `condition` until it returns something truthy; return that."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{message} not met within {timeout} s")
        time.sleep(interval)


# --- Redis ---------------------------------------------------------------------


class RedisServer:
    """`redis-server` on a free loopback port, in a temporary directory,
    without persistence."""

    def __init__(self, binary: str):
        self.binary = binary
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="marketplace-redis-"))
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, db=db, socket_timeout=2)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--protected-mode",
                "yes",
                "--logfile",
                str(self.directory / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def answers() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited at start: {self.log()}")
            try:
                return self.client().ping()
            except Exception:  # not listening yet
                return False

        wait_until(answers, timeout=10, message="redis-server answering PING")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)

    def log(self) -> str:
        path = self.directory / "redis.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""


def redis_server_binary() -> str | None:
    return shutil.which("redis-server")


# --- SMTP ----------------------------------------------------------------------


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Enough of RFC 5321 for smtplib (and so Django's SMTP backend)."""

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())
        self.wfile.flush()

    def handle(self) -> None:
        sink: SmtpSink = self.server.sink
        self.reply("220 localhost SMTP sink for tests")
        sender, recipients = None, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("utf-8", "replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 localhost")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].strip().strip("<>"), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    data = self.rfile.readline()
                    if data in (b".\r\n", b".\n", b""):
                        break
                    lines.append(data[1:] if data.startswith(b"..") else data)
                sink.receive(sender, recipients, email.message_from_bytes(b"".join(lines), policy=email.policy.default))
                if sink.before_reply is not None:
                    sink.before_reply()  # a test's slow or dying mail exchange: the mail is kept, not yet acknowledged
                try:
                    self.reply("250 OK: queued")
                except OSError:
                    return  # the sender is gone
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class _ThreadingSmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SmtpSink:
    """An SMTP server on a loopback port that keeps every message it is
    given, for a worker process to send real SMTP to."""

    def __init__(self):
        self.server = _ThreadingSmtpServer(("127.0.0.1", 0), _SmtpHandler)
        self.server.sink = self
        self.port = self.server.server_address[1]
        self._messages: list = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.server.serve_forever, name="smtp-sink", daemon=True)
        # Called after a message is kept and before the sender is told so.
        self.before_reply = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def receive(self, sender, recipients, message) -> None:
        with self._lock:
            self._messages.append({"from": sender, "to": recipients, "message": message})

    @property
    def messages(self) -> list[dict]:
        with self._lock:
            return list(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()


# --- Celery ----------------------------------------------------------------------


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for the settings' database (the test database, once
    pytest-django created it) that marketplace/settings.py parses back."""
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        name = str(settings_dict["NAME"])
        if name == ":memory:" or name.startswith("file:"):
            raise RuntimeError("the test database is in memory: another process cannot see it")
        return f"sqlite:///{os.path.abspath(name)}"
    if settings_dict["ENGINE"] == "django.db.backends.postgresql":
        user = settings_dict.get("USER") or ""
        password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
        at = f"{user}{password}@" if user else ""
        return f"postgres://{at}{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}"
    raise RuntimeError(f"no worker database URL for {settings_dict['ENGINE']}")


class CeleryWorker:
    """`celery -A marketplace worker` in a subprocess, with the test
    session's broker, database and SMTP sink in its environment. One task at
    a time (solo pool), so a test can reason about the order of deliveries."""

    def __init__(self, *, broker_url: str, database_url: str, smtp_port: int, environment: dict | None = None):
        self.broker_url = broker_url
        self.directory = Path(tempfile.mkdtemp(prefix="marketplace-celery-"))
        self.logfile = self.directory / "worker.log"
        self.environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "marketplace.settings",
            "CELERY_BROKER_URL": broker_url,
            "DATABASE_URL": database_url,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "EMAIL_USE_TLS": "false",
            # The test asks for the sweep on purpose: sweep everything undelivered.
            "NOTIFICATION_SWEEP_GRACE_SECONDS": "0",
            "LOG_LEVEL": "INFO",
            **(environment or {}),
        }
        self.environment.pop("EMAIL_HOST_USER", None)
        self.environment.pop("EMAIL_HOST_PASSWORD", None)
        self.process: subprocess.Popen | None = None
        self.name = f"test-worker-{os.getpid()}@localhost"

    def start(self) -> None:
        with open(self.logfile, "wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "marketplace",
                    "worker",
                    "--pool=solo",
                    "--concurrency=1",
                    "--loglevel=INFO",
                    "-n",
                    self.name,
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=PROJECT,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.wait_ready()

    def wait_ready(self, timeout: float = 30) -> None:
        from celery import Celery

        probe = Celery("probe", broker=self.broker_url, set_as_current=False)
        try:

            def pongs():
                if self.process.poll() is not None:
                    raise RuntimeError(f"the Celery worker exited at start:\n{self.log()}")
                return probe.control.ping(destination=[self.name], timeout=0.5)

            wait_until(pongs, timeout=timeout, interval=0.2, message="the Celery worker answering ping")
        finally:
            probe.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # warm shutdown: finish the current task
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)

    def log(self) -> str:
        return self.logfile.read_text(errors="replace")[-5000:] if self.logfile.exists() else ""


@contextmanager
def celery_publishing_to(broker_url: str):
    """Make this process's Celery app publish to `broker_url` instead of
    running tasks eagerly (settings make it eager without CELERY_BROKER_URL);
    restore it afterwards."""
    from marketplace.celery import app

    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    _drop_connections(app)
    app.conf.update(broker_url=broker_url, task_always_eager=False)
    try:
        yield app
    finally:
        _drop_connections(app)
        app.conf.update(saved)


def _drop_connections(app) -> None:
    """Forget pooled broker connections, so the next publish connects to
    the broker the configuration names now."""
    from kombu import pools

    # Kombu keeps pools per connection URL in module-wide groups: close and
    # forget them all, or the next publish gets a closed pool back.
    pools.reset()
    app._pool = None
    # The AMQP helper caches its producer pool and, in its task sender, the
    # publish-retry settings read when it was built: build it afresh from
    # the configuration as it is now.
    app.__dict__.pop("amqp", None)
    # A new broker: what the queueing breaker learnt about the old one no longer holds.
    from core import queueing

    queueing.breaker.close()
