"""The shipped Nginx site file agrees with the service's own settings."""

from __future__ import annotations

import re

from app.config import load_settings
from tests.support import ROOT


def test_nginx_closes_idle_upstream_connections_before_gunicorn_does():
    """Otherwise a POST sent on a connection gunicorn is closing is reset: a 502 Nginx cannot retry."""
    site = (ROOT / "deploy" / "nginx" / "huayin.conf").read_text()
    upstream = re.search(r"^upstream huayin_app \{(?P<body>[^}]*)\}", site, re.M)
    assert upstream, "no upstream huayin_app block"
    timeout = re.search(r"^\s*keepalive_timeout\s+(\d+)s;", upstream["body"], re.M)
    assert timeout, "upstream huayin_app has no keepalive_timeout"
    assert int(timeout[1]) < load_settings(environ={}).keepalive
