"""When Elasticsearch is down or hangs, search answers from the database
backend, marked degraded, within the timeout; after a few failures the
circuit breaker stops even trying. Real sockets on the loopback interface,
no Elasticsearch server."""

import socket
import threading
import time

import pytest

from search import engines as search
from search.documents import documents_for
from search.elastic import ElasticsearchBackend
from search.types import SearchQuery, SearchUnavailable
from tests.factories import ProductFactory, UserFactory
from tests.net import free_port as closed_port

pytestmark = pytest.mark.django_db

TIMEOUT = 0.3  # settings.ELASTICSEARCH_TIMEOUT


class SilentServer:
    """Accepts TCP connections and never answers; counts them."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.02)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted = 0
        self.connections = []
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while self.running:
            try:
                connection, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.accepted += 1
            self.connections.append(connection)  # held open, never answered

    def close(self):
        self.running = False
        self.thread.join()
        for connection in self.connections:
            connection.close()
        self.sock.close()


@pytest.fixture
def silent_server():
    server = SilentServer()
    yield server
    server.close()


@pytest.fixture
def elasticsearch_at(settings):
    """Point the search facade at a URL, with a closed breaker and no cached backend."""
    settings.SEARCH_BACKEND = "auto"
    settings.ELASTICSEARCH_TIMEOUT = TIMEOUT
    search.breaker.close()
    search._external = None

    def point(url: str) -> None:
        settings.ELASTICSEARCH_URL = url

    yield point
    search.breaker.close()
    search._external = None


@pytest.fixture
def catalog(settings):
    """Two products in the database's search index only (Elasticsearch off)."""
    settings.ELASTICSEARCH_URL = ""
    products = [ProductFactory(name="Customer orders"), ProductFactory(name="Artist payments")]
    search.index_products([product.pk for product in products])
    return products


def timed(call):
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def test_refused_connection_answers_from_the_database_at_once(catalog, elasticsearch_at):
    elasticsearch_at(f"http://127.0.0.1:{closed_port()}")
    user = UserFactory()

    result, elapsed = timed(lambda: search.search(SearchQuery(text="orders"), user=user))

    assert result.degraded is True
    assert result.backend == search.database_backend().name
    assert [hit.name for hit in result.hits] == ["Customer orders"]
    assert elapsed < 1.0


def test_refused_connection_suggests_from_the_database(catalog, elasticsearch_at):
    elasticsearch_at(f"http://127.0.0.1:{closed_port()}")

    (suggestions, degraded), elapsed = timed(lambda: search.suggest("cust", user=UserFactory()))

    assert degraded is True
    assert [suggestion.name for suggestion in suggestions] == ["Customer orders"]
    assert elapsed < 1.0


def test_server_that_never_answers_is_given_up_on_after_the_timeout(catalog, elasticsearch_at, silent_server):
    elasticsearch_at(silent_server.url)
    user = UserFactory()

    result, elapsed = timed(lambda: search.search(SearchQuery(text="orders"), user=user))

    assert result.degraded is True
    assert [hit.name for hit in result.hits] == ["Customer orders"]
    assert silent_server.accepted == 1  # one try: no retry
    assert TIMEOUT * 0.9 <= elapsed < TIMEOUT + 0.5


def test_open_breaker_answers_from_the_database_without_connecting(catalog, elasticsearch_at, silent_server, settings):
    elasticsearch_at(silent_server.url)
    user = UserFactory()
    failures = settings.SEARCH_BREAKER_FAILURES
    assert search.breaker.fail_max == failures
    for _ in range(failures):
        assert search.search(SearchQuery(text="orders"), user=user).degraded is True
    assert search.breaker.current_state == "open"
    assert silent_server.accepted == failures

    answers = [timed(lambda: search.search(SearchQuery(text="orders"), user=user)) for _ in range(5)]

    assert [result.degraded for result, _ in answers] == [True] * 5
    assert [[hit.name for hit in result.hits] for result, _ in answers] == [["Customer orders"]] * 5
    assert max(elapsed for _, elapsed in answers) < TIMEOUT / 3
    assert silent_server.accepted == failures


def test_closed_breaker_tries_elasticsearch_again(catalog, elasticsearch_at, silent_server, settings):
    elasticsearch_at(silent_server.url)
    user = UserFactory()
    for _ in range(settings.SEARCH_BREAKER_FAILURES):
        search.search(SearchQuery(text="orders"), user=user)

    search.breaker.close()
    search.search(SearchQuery(text="orders"), user=user)

    assert silent_server.accepted == settings.SEARCH_BREAKER_FAILURES + 1


def backend_calls(product_ids):
    documents = documents_for(product_ids)
    return {
        "search": lambda backend: backend.search(SearchQuery(text="orders"), search.Visibility()),
        "suggest": lambda backend: backend.suggest("cust", search.Visibility(), 8),
        "index": lambda backend: backend.index(documents),
        "remove": lambda backend: backend.remove(product_ids),
        "begin_rebuild": lambda backend: backend.begin_rebuild(),
    }


@pytest.mark.parametrize("method", ["search", "suggest", "index", "remove", "begin_rebuild"])
def test_every_backend_call_to_a_refused_port_raises_search_unavailable(catalog, method):
    backend = ElasticsearchBackend(url=f"http://127.0.0.1:{closed_port()}", index="products", timeout=TIMEOUT)
    call = backend_calls([product.pk for product in catalog])[method]

    with pytest.raises(SearchUnavailable):
        call(backend)


@pytest.mark.parametrize("method", ["search", "index", "remove"])
def test_every_backend_call_to_a_silent_server_raises_search_unavailable_after_the_timeout(catalog, silent_server, method):
    backend = ElasticsearchBackend(url=silent_server.url, index="products", timeout=TIMEOUT)
    call = backend_calls([product.pk for product in catalog])[method]

    started = time.perf_counter()
    with pytest.raises(SearchUnavailable):
        call(backend)
    elapsed = time.perf_counter() - started

    assert silent_server.accepted == 1
    assert elapsed < TIMEOUT + 0.5


def test_indexing_while_elasticsearch_is_down_raises_search_unavailable_for_the_task_to_retry(catalog, elasticsearch_at):
    elasticsearch_at(f"http://127.0.0.1:{closed_port()}")

    with pytest.raises(SearchUnavailable):
        search.index_products([product.pk for product in catalog])
