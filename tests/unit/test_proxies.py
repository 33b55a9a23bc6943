"""Client addresses behind proxies: X-Forwarded-For is believed only from trusted proxies."""

from __future__ import annotations

import pytest

from app.api.ratelimit import client_address
from app.config import parse_networks

TRUSTED = parse_networks("127.0.0.1,10.0.0.0/8,::1")


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        ("127.0.0.1", "203.0.113.7", "203.0.113.7"),  # Nginx on the same host
        ("127.0.0.1", "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the client's own claim is ignored
        ("127.0.0.1", "203.0.113.7, 10.1.2.3", "203.0.113.7"),  # through two of our proxies
        ("198.51.100.9", "203.0.113.7", "198.51.100.9"),  # not a trusted proxy: header ignored
        ("127.0.0.1", None, "127.0.0.1"),
        ("127.0.0.1", "garbage", "garbage"),
    ],
)
def test_the_client_is_the_nearest_hop_not_run_by_us(remote, forwarded, client):
    assert client_address(remote, forwarded, TRUSTED) == client
