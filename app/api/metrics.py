"""``/metrics``: HTTP metrics from prometheus-flask-exporter plus the service's own (``app.metrics``)."""

from __future__ import annotations

import os

from flask import Flask
from prometheus_flask_exporter import PrometheusMetrics

_single_process = PrometheusMetrics.for_app_factory(group_by="endpoint", excluded_paths=["^/metrics$"])


def init_metrics(app: Flask) -> None:
    """Expose ``/metrics`` on ``app`` (across workers when running under gunicorn)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_flask_exporter.multiprocess import GunicornInternalPrometheusMetrics

        GunicornInternalPrometheusMetrics(app, group_by="endpoint", excluded_paths=["^/metrics$"])
    else:
        _single_process.init_app(app)
