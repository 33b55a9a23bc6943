"""Property-based fuzzing of the running service from its own /openapi.json (schemathesis).

Every operation gets schema-valid and schema-violating requests; no response may be
a 5xx or disagree with the document (status, content type, headers, body schema).
Bounded: a fixed number of examples per operation and short texts.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support import Gunicorn

pytestmark = pytest.mark.service

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzz_server():
    server = Gunicorn(workers=1, max_text_chars=24, concurrency=2, queue=8, cache_mb=0)
    try:
        yield server.wait_ready()
    finally:
        server.stop()


# Operations that take input get schema-violating requests too.
WITH_INPUT = ("POST /tts", "GET /tts", "POST /v1/audio/speech")
WITHOUT_INPUT = (
    "GET /v1/models",
    "GET /v1/audio/voices",
    "GET /api/voices",
    "GET /healthz",
    "GET /readyz",
    "GET /docs",
    "GET /metrics",
)
CASES = [(op, GenerationMode.POSITIVE) for op in WITH_INPUT + WITHOUT_INPUT] + [
    (op, GenerationMode.NEGATIVE) for op in WITH_INPUT
]


@pytest.fixture(scope="module")
def operations(fuzz_server) -> dict:
    schema = schemathesis.openapi.from_url(fuzz_server.url + "/openapi.json")
    return {f"{op.method.upper()} {op.path}": op for op in (r.ok() for r in schema.get_all_operations())}


# schemathesis's pytest plugin does not work with pytest 9 yet, so each operation's
# strategy is run through hypothesis directly.
@pytest.mark.parametrize(("label", "mode"), CASES)
def test_api_conforms_to_its_schema(operations, label, mode):
    @given(operations[label].as_strategy(generation_mode=mode))
    @settings(
        max_examples=40,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        case.call_and_validate(checks=CHECKS, timeout=60)

    check()
