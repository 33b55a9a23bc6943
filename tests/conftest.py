"""Shared fixtures: an in-process app for unit tests."""

from __future__ import annotations

import pytest

from app import create_app
from app.api.context import get_service
from app.synthesis import Synthesizer


@pytest.fixture(scope="session")
def app():
    return create_app({"warmup": False})


@pytest.fixture(scope="session")
def service(app) -> Synthesizer:
    return get_service(app)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def live_server():
    """One real gunicorn service (2 gevent workers) shared by service and browser tests."""
    from tests.support import Gunicorn

    server = Gunicorn(workers=2)
    try:
        yield server.wait_ready()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def live_nginx(live_server):
    """The real nginx with deploy/nginx/huayin.conf in front of ``live_server``."""
    from tests.support import Nginx

    proxy = Nginx(live_server.port)
    try:
        yield proxy
    finally:
        proxy.stop()
