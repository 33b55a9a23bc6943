"""Is the client still there? Checked between sentences, so abandoned work stops early."""

from __future__ import annotations

import select
import socket
from collections.abc import Callable
from typing import Any


def disconnect_check(environ: dict[str, Any]) -> Callable[[], bool]:
    """A callable that is True once the client has closed its connection.

    gunicorn exposes the client socket; a readable socket whose peek returns no
    bytes has reached end-of-file. Without a socket (tests, other servers) the
    client is assumed to be there.
    """
    sock = environ.get("gunicorn.socket")
    if sock is None:
        return lambda: False

    def gone() -> bool:
        try:
            readable, _, _ = select.select([sock], [], [], 0)
            return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    return gone
