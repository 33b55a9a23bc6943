"""``/metrics``: HTTP metrics from prometheus-flask-exporter plus the service's own (``app.metrics``)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from flask import Flask
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from prometheus_flask_exporter import PrometheusMetrics

_collectors_registered = False
_single_process = PrometheusMetrics.for_app_factory(group_by="endpoint", excluded_paths=["^/metrics$"])


def init_metrics(app: Flask, collectors: Iterable[Collector] = ()) -> None:
    """Expose ``/metrics`` on ``app`` (across workers when running under gunicorn), with
    ``collectors`` read at scrape time (e.g. job counts from Redis)."""
    global _collectors_registered
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        _multiprocess_metrics(list(collectors))(app, group_by="endpoint", excluded_paths=["^/metrics$"])
    else:
        _single_process.init_app(app)
        # One process-wide registry here: the first app's collectors only (apps made in tests).
        for collector in collectors if not _collectors_registered else ():
            _single_process.registry.register(collector)
            _collectors_registered = True


def _multiprocess_metrics(collectors: list[Collector]) -> type:
    """The gunicorn variant, plus ``collectors``: it builds a fresh registry from the workers'
    files at every scrape, so collectors cannot be registered once; their output is added."""
    from prometheus_flask_exporter.multiprocess import GunicornInternalPrometheusMetrics

    class Metrics(GunicornInternalPrometheusMetrics):
        def generate_metrics(self, accept_header: str | None = None, names: list[str] | None = None) -> Any:
            content, content_type = super().generate_metrics(accept_header, names)
            if not collectors or names:
                return content, content_type
            registry = CollectorRegistry(auto_describe=False)
            for collector in collectors:
                registry.register(collector)
            encode, _ = choose_encoder(accept_header)
            eof = "# EOF\n"  # OpenMetrics ends with it: one end, after everything
            return content.removesuffix(eof) + encode(registry).decode(), content_type

    return Metrics
