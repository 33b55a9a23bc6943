"""The client-gone check: a peek at the client's socket that any thread may make."""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor

from app.api.connection import disconnect_check


def test_the_check_tells_a_waiting_client_from_a_gone_one_on_any_thread():
    served, client = socket.socketpair()
    try:
        gone = disconnect_check({"gunicorn.socket": served})
        with ThreadPoolExecutor(1) as thread:
            assert thread.submit(gone).result() is False  # waiting for the answer
            client.sendall(b"GET / HTTP/1.1\r\n")  # a pipelined request is not a goodbye
            assert thread.submit(gone).result() is False
            assert served.recv(100) == b"GET / HTTP/1.1\r\n"  # and the peek left it there
            client.close()
            assert thread.submit(gone).result() is True
        assert served.fileno() >= 0  # the check never closes the server's socket
    finally:
        served.close()
        client.close()


def test_without_a_socket_the_client_is_taken_to_be_there():
    assert disconnect_check({})() is False
