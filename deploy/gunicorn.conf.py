"""gunicorn's configuration for the marketplace (README, "Production").

    gunicorn -c deploy/gunicorn.conf.py

Every value can be changed from the environment; the defaults are for a
machine that runs this server and nothing else heavy, behind a
TLS-terminating reverse proxy.
"""

import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from None


wsgi_app = "marketplace.wsgi:application"
# The project's root, so that `marketplace` imports whatever the working directory.
chdir = str(Path(__file__).resolve().parent.parent)

# Loopback by default: the reverse proxy on this host forwards to it. In a
# container, GUNICORN_BIND=0.0.0.0:8000.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")

# Processes: (2 × cores) + 1, gunicorn's own rule of thumb. A request is
# mostly Python (templates, the ORM, serializers), which holds the GIL, so
# CPU is used by processes, not threads; the extra processes cover a worker
# that is waiting for the database. WEB_CONCURRENCY (the usual name) overrides.
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)

# gthread, not sync: each worker serves a few requests at once, so a request
# waiting on I/O (a slow PostgreSQL query, Elasticsearch up to its 0.3 s
# timeout, a silent broker up to TASK_QUEUE_TIMEOUT) does not idle its
# process, and keep-alive connections (which sync ignores) spare a TLS proxy
# or a load balancer new connections. Few threads, as the GIL limits what
# more would bring; each thread may hold a database connection, so
# PostgreSQL needs workers × threads connections per host (max_connections).
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)

# A worker silent this long is killed and replaced (gthread: the process's
# heartbeat, not one request's duration). Above every timeout the app sets
# for itself (e-mail is sent by Celery, not in a request).
timeout = _int("GUNICORN_TIMEOUT", 30)
# On SIGTERM (a deploy, systemd stop) workers finish the requests they have for this long.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Seconds an idle keep-alive connection stays open. Behind a load balancer
# that reuses connections, set it above the balancer's idle timeout (75 for
# a 60 s one), so that the balancer, not gunicorn, closes idle connections.
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# Each worker is replaced after about this many requests, so memory a worker
# slowly gathers (caches, fragmentation) is given back. The jitter spreads the
# restarts so that the workers do not all restart at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# No preloading: each worker imports the app itself, so no database or broker
# connection opened at import is shared between forked processes, and a
# replaced worker (max_requests) reads the code on disk.
preload_app = False

# Logs to stdout and stderr, for systemd's journal or the container runtime.
# %(M)s is the request's duration in milliseconds, %(p)s the worker that served it.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms pid=%(p)s "%(f)s" "%(a)s"'

# The heartbeat file in memory, not on a disk that may stall (a container's overlay).
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# gunicornc's control socket would sit at one path in $HOME for every
# instance on the host; signals do the same (HUP reloads, TTIN/TTOU add or
# remove a worker, TERM stops gracefully).
control_socket_disable = True

proc_name = "marketplace"


# --- Prometheus metrics across workers -----------------------------------------
#
# Each worker counts its requests in its own process; prometheus_client's
# multiprocess mode has each write its counters to files in one directory,
# and /metrics, whichever worker answers it, sums them (marketplace/metrics.py).
# The variable must be set before a worker imports prometheus_client: here,
# in the master, whose environment every worker inherits.

_created_metrics_directory = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _created_metrics_directory:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="marketplace-metrics-")
METRICS_DIRECTORY = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])


def on_starting(server):
    """A new master starts counting from zero: files a previous run left
    would be added to this run's counts."""
    METRICS_DIRECTORY.mkdir(parents=True, exist_ok=True)
    for stale in METRICS_DIRECTORY.glob("*.db"):
        stale.unlink()


def child_exit(server, worker):
    """A worker that exits (replaced after max_requests, or killed) keeps its
    counts: they are folded into one archive file per kind, and its live
    gauges dropped."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
    for kind in ("counter", "histogram"):
        _fold_into_archive(kind, worker.pid)


def _fold_into_archive(kind: str, pid: int) -> None:
    """Add the files of worker `pid` to `<kind>_archive.db` and remove them.
    Left alone, every replaced worker would leave its files behind (one per
    kind, with max_requests one every few minutes under load), and every
    scrape reads them all. A scrape in the instant between the archive's
    replacement and the removal may count the worker twice, once."""
    from prometheus_client.mmap_dict import MmapedDict, mmap_key
    from prometheus_client.multiprocess import MultiProcessCollector

    dead = METRICS_DIRECTORY / f"{kind}_{pid}.db"
    if not dead.exists():
        return
    archive = METRICS_DIRECTORY / f"{kind}_archive.db"
    merged = MultiProcessCollector.merge([str(path) for path in (archive, dead) if path.exists()], accumulate=False)
    staging = METRICS_DIRECTORY / f"{kind}_archive.new"  # not *.db: no scrape reads it half-written
    staging.unlink(missing_ok=True)
    values = MmapedDict(str(staging))
    try:
        for metric in merged:
            for sample in metric.samples:
                key = mmap_key(metric.name, sample.name, list(sample.labels), list(sample.labels.values()), metric.documentation)
                values.write_value(key, sample.value, 0)
    finally:
        values.close()
    os.replace(staging, archive)
    dead.unlink()


def on_exit(server):
    if _created_metrics_directory:
        shutil.rmtree(METRICS_DIRECTORY, ignore_errors=True)
