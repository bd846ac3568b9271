"""Loopback ports for tests that need a real socket."""

import socket


def free_port() -> int:
    """A loopback port nothing listens on (connecting is refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SilentBroker:
    """A loopback listener that accepts connections and never answers, as a
    hung broker does. After `answer_from(port)` it forwards each new
    connection to the real server on that port: the broker is back, at the
    same address. Counts the connections it accepted."""

    def __init__(self):
        import threading

        self._threading = threading
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self.accepted = 0
        self._upstream_port: int | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="silent-broker", daemon=True)
        self._thread.start()

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def answer_from(self, port: int) -> None:
        self._upstream_port = port

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.accepted += 1
                self._sockets.append(client)
            if self._upstream_port is not None:
                upstream = socket.create_connection(("127.0.0.1", self._upstream_port))
                with self._lock:
                    self._sockets.append(upstream)
                for source, target in ((client, upstream), (upstream, client)):
                    self._threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            try:
                target.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def close(self) -> None:
        self._closed.set()
        self._thread.join(timeout=2)
        self.listener.close()
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()
