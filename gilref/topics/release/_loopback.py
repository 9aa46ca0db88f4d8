"""Connected TCP socket pairs over 127.0.0.1, made by a listener that closes once they exist."""

from __future__ import annotations

import socket

from ...core._checks import check_int, check_seconds
from ._work import SOCKET_TIMEOUT

LOOPBACK = "127.0.0.1"


class LoopbackPairs:
    """*count* connected TCP socket pairs over 127.0.0.1, made by a listener that
    is closed as soon as they are connected.

    The listener binds ``127.0.0.1`` only, on a port the system picks; every
    socket has a timeout, so no operation blocks for ever. :meth:`close` (or
    leaving the ``with`` block) closes them all.

    :param count: how many ``(client, server)`` pairs to make (>= 1).
    :param buffer_bytes: send and receive buffer size asked for on each socket, in bytes.
    :param timeout: seconds any one socket operation may block.
    """

    def __init__(self, count: int, *, buffer_bytes: int = 1 << 20, timeout: float = SOCKET_TIMEOUT) -> None:
        self.count = check_int("count", count, minimum=1)
        self.buffer_bytes = check_int("buffer_bytes", buffer_bytes, minimum=4096)
        self.timeout = check_seconds("timeout", timeout, allow_zero=False)
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.address: tuple[str, int] | None = None
        self.listener: socket.socket | None = None

    def __enter__(self) -> LoopbackPairs:
        try:
            self.open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _tune(self, s: socket.socket) -> None:
        s.settimeout(self.timeout)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.buffer_bytes)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.buffer_bytes)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def open(self) -> None:
        """Listen on 127.0.0.1, connect *count* pairs, and stop listening."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener = listener
        listener.settimeout(self.timeout)
        listener.bind((LOOPBACK, 0))
        listener.listen(self.count)
        host, port = listener.getsockname()[:2]
        self.address = (str(host), int(port))
        for _ in range(self.count):
            client = socket.create_connection(self.address, timeout=self.timeout)
            try:
                server, _ = listener.accept()
            except BaseException:
                client.close()
                raise
            self.pairs.append((client, server))
            self._tune(client)
            self._tune(server)
        listener.close()

    @property
    def listening(self) -> bool:
        """Whether the listener is still open (it is closed once the pairs exist)."""
        return self.listener is not None and self.listener.fileno() != -1

    def close(self) -> None:
        """Close every socket (idempotent)."""
        if self.listener is not None:
            self.listener.close()
        for client, server in self.pairs:
            client.close()
            server.close()
