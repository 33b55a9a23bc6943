"""Is the client still there? Checked between sentences, so abandoned work stops early."""

from __future__ import annotations

import _socket
import socket
from collections.abc import Callable
from typing import Any


def disconnect_check(environ: dict[str, Any]) -> Callable[[], bool]:
    """A callable that is True once the client has closed its connection, safe on any thread.

    gunicorn exposes the client socket. A non-blocking peek at it returns nothing once the
    client has closed, its next bytes if it sent more, or "would block" while it waits for
    the answer. The peek goes through a plain socket object on the same descriptor (detached
    again at once): gevent's socket would wait on the event loop of the calling thread, and
    the check also runs on synthesis threads. Without a socket (tests, other servers) the
    client is assumed to be there.
    """
    sock = environ.get("gunicorn.socket")
    if sock is None:
        return lambda: False
    descriptor = sock.fileno()

    def gone() -> bool:
        try:
            peek = _socket.socket(fileno=descriptor)
        except OSError:  # the descriptor is closed
            return True
        try:
            return peek.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except BlockingIOError:
            return False
        except OSError:
            return True
        finally:
            peek.detach()

    return gone
