"""What the Elasticsearch backend asks of the server when it writes and
rebuilds, recorded by a loopback HTTP server that answers like Elasticsearch
does for these few requests. It checks the order and shape of the requests
(the first index made on demand, refreshed writes to the alias, the atomic
alias swap); how Elasticsearch then searches is for the contract suite,
against a real server (tests/search/test_contract.py)."""

import json
import re
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from search.elastic import ElasticsearchBackend, index_definition
from search.types import SearchUnavailable
from tests.search.test_elastic_construction import product_document

INDEX = "products"
CONCRETE = re.compile(r"^products-\d{20}$")


class RecordingElasticsearch(BaseHTTPRequestHandler):
    """Answers as Elasticsearch would, from `self.server.state`, and records
    each request as (method, path, query, body)."""

    def do_HEAD(self):
        self.answer()

    def do_GET(self):
        self.answer()

    def do_PUT(self):
        self.answer()

    def do_POST(self):
        self.answer()

    def do_DELETE(self):
        self.answer()

    def answer(self):
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        if url.path.endswith("/_bulk"):
            body = [json.loads(line) for line in raw.splitlines() if line]
        else:
            body = json.loads(raw) if raw else None
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        self.server.requests.append((self.command, url.path, query, body))
        status, payload = self.server.state.respond(self.command, url.path, body)
        data = b"" if self.command == "HEAD" or payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_message(self, format, *args):
        pass


class Cluster:
    """The few facts these requests depend on: which indexes exist, which
    aliases point where."""

    def __init__(self):
        self.indexes: set[str] = set()
        self.aliases: dict[str, set[str]] = {}  # alias -> indexes

    def respond(self, method: str, path: str, body):
        parts = path.strip("/").split("/")
        if parts == ["_bulk"]:  # the client sends PUT, POST is as good
            return 200, self.bulk(body)
        if method == "HEAD" and parts[0] == "_alias":
            return (200 if self.aliases.get(parts[1]) else 404), None
        if method == "HEAD":
            return (200 if parts[0] in self.indexes else 404), None
        if method == "PUT" and len(parts) == 1:
            self.indexes.add(parts[0])
            return 200, {"acknowledged": True, "index": parts[0]}
        if method == "GET" and parts[0] == "_alias":
            holders = self.aliases.get(parts[1])
            if not holders:
                return 404, {"error": f"alias [{parts[1]}] missing", "status": 404}
            return 200, {name: {"aliases": {parts[1]: {}}} for name in holders}
        if method == "GET" and len(parts) == 1 and parts[0].endswith("*"):
            prefix = parts[0][:-1]
            return 200, {name: {} for name in self.indexes if name.startswith(prefix)}
        if method == "POST" and parts == ["_aliases"]:
            for action in body["actions"]:
                ((kind, spec),) = action.items()
                if kind == "add":
                    self.aliases.setdefault(spec["alias"], set()).add(spec["index"])
                elif kind == "remove":
                    self.aliases.get(spec["alias"], set()).discard(spec["index"])
                elif kind == "remove_index":
                    self.indexes.discard(spec["index"])
                    for holders in self.aliases.values():
                        holders.discard(spec["index"])
            return 200, {"acknowledged": True}
        if method == "POST" and parts[-1] == "_refresh":
            return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}
        return 400, {"error": f"unexpected {method} {path}", "status": 400}

    def bulk(self, lines: list[dict]):
        items, position = [], 0
        while position < len(lines):
            ((action, meta),) = lines[position].items()
            position += 1 if action == "delete" else 2
            target = meta["_index"]
            known = target in self.indexes or bool(self.aliases.get(target))
            if meta.get("require_alias") and not self.aliases.get(target):
                known = False
            if known:
                result = {
                    "_index": target,
                    "_id": meta["_id"],
                    "status": 200 if action == "index" else 404,
                    "result": "updated" if action == "index" else "not_found",
                }
            else:
                result = {
                    "_index": target,
                    "_id": meta["_id"],
                    "status": 404,
                    "error": {"type": "index_not_found_exception", "reason": f"no such index [{target}]"},
                }
            items.append({action: result})
        return {"took": 1, "errors": any("error" in next(iter(item.values())) for item in items), "items": items}


@pytest.fixture
def cluster():
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordingElasticsearch)
    server.requests = []
    server.state = Cluster()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def backend_for(server) -> ElasticsearchBackend:
    return ElasticsearchBackend(url=f"http://127.0.0.1:{server.server_address[1]}", index=INDEX, timeout=1.0)


def test_first_write_creates_a_concrete_index_behind_the_alias(cluster):
    backend = backend_for(cluster)

    backend.index([product_document(product_id=12)])

    methods = [(method, path) for method, path, _, _ in cluster.requests]
    assert methods[:3] == [("HEAD", "/_alias/products"), ("HEAD", "/products"), ("PUT", methods[2][1])]
    created = methods[2][1].strip("/")
    assert CONCRETE.match(created)
    assert cluster.requests[2][3] == index_definition()
    assert cluster.requests[3][3] == {"actions": [{"add": {"index": created, "alias": "products", "is_write_index": True}}]}
    assert cluster.state.aliases["products"] == {created}


def test_writes_go_to_the_alias_and_are_searchable_at_once(cluster):
    backend = backend_for(cluster)
    backend.index([])
    cluster.requests.clear()

    backend.index([product_document(product_id=12, created_at=datetime(2025, 1, 2, tzinfo=UTC))])

    ((method, path, query, lines),) = cluster.requests
    assert (path, query["refresh"]) == ("/_bulk", "true")
    assert lines[0] == {"index": {"_index": "products", "_id": "12", "require_alias": True}}
    assert lines[1]["name"] == "Customer Orders (daily)"
    assert lines[1]["created_at"] == "2025-01-02T00:00:00+00:00"
    assert lines[2] == {"index": {"_index": "products-next", "_id": "12", "require_alias": True}}


def test_removing_products_not_in_the_index_is_no_error(cluster):
    backend = backend_for(cluster)

    backend.remove([12, 13])

    ((method, path, query, lines),) = cluster.requests
    assert (path, query["refresh"]) == ("/_bulk", "true")
    assert lines == [
        {"delete": {"_index": "products", "_id": "12"}},
        {"delete": {"_index": "products-next", "_id": "12"}},
        {"delete": {"_index": "products", "_id": "13"}},
        {"delete": {"_index": "products-next", "_id": "13"}},
    ]


def test_rebuild_fills_a_new_index_then_swaps_the_alias_and_deletes_the_old_index_at_once(cluster):
    backend = backend_for(cluster)
    backend.index([])
    old = next(iter(cluster.state.aliases["products"]))

    backend.begin_rebuild()
    new = next(iter(cluster.state.aliases["products-next"]))
    backend.index([product_document(product_id=5)])  # a change during the rebuild
    backend.write_rebuild([product_document(product_id=12), product_document(product_id=13)])
    cluster.requests.clear()
    backend.finish_rebuild()

    assert new != old and CONCRETE.match(new)
    assert cluster.state.aliases["products"] == {new}
    assert cluster.state.aliases["products-next"] == set()
    assert cluster.state.indexes == {new}
    swap = [body for method, path, _, body in cluster.requests if path == "/_aliases"]
    assert swap == [
        {
            "actions": [
                {"remove_index": {"index": old}},
                {"remove": {"index": new, "alias": "products-next"}},
                {"add": {"index": new, "alias": "products", "is_write_index": True}},
            ]
        }
    ]
    assert ("POST", f"/{new}/_refresh") in [(method, path) for method, path, _, _ in cluster.requests]


def test_rebuild_writes_go_to_the_new_index_only(cluster):
    backend = backend_for(cluster)
    backend.begin_rebuild()
    new = next(iter(cluster.state.aliases["products-next"]))
    cluster.requests.clear()

    backend.write_rebuild([product_document(product_id=12)])

    ((method, path, query, lines),) = cluster.requests
    assert path == "/_bulk"
    assert query["refresh"] == "false"
    assert lines[0] == {"index": {"_index": new, "_id": "12"}}


def test_a_plain_index_squatting_on_the_alias_name_is_replaced(cluster):
    cluster.state.indexes.add("products")
    backend = backend_for(cluster)

    backend.index([product_document(product_id=12)])

    created = next(iter(cluster.state.aliases["products"]))
    assert cluster.state.indexes == {created}


def test_refused_write_raises_search_unavailable(cluster):
    backend = backend_for(cluster)
    backend.index([])
    cluster.state.aliases.clear()  # the alias vanished, and comes back refused:
    cluster.state.respond = lambda method, path, body: (503, {"error": "unavailable", "status": 503})

    with pytest.raises(SearchUnavailable):
        backend.index([product_document(product_id=12)])
