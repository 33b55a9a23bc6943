"""Property-based fuzzing of the running service from its own /openapi.json (schemathesis).

Every operation gets schema-valid and schema-violating requests; no response may be
a 5xx or disagree with the document (status, content type, headers, body schema).
Bounded: a fixed number of examples per operation and short texts.
"""

from __future__ import annotations

import pytest
from schemathesis import GenerationMode

from tests.fuzzing import assert_conforms, operations
from tests.support import Gunicorn

pytestmark = pytest.mark.service


@pytest.fixture(scope="module")
def fuzz_server():
    server = Gunicorn(workers=1, max_text_chars=24, concurrency=2, queue=8, cache_mb=0)
    try:
        yield server.wait_ready()
    finally:
        server.stop()


# Operations that take input get schema-violating requests too.
WITH_INPUT = ("POST /tts", "GET /tts", "POST /tts/preview", "POST /v1/audio/speech")
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
def documented(fuzz_server) -> dict:
    return operations(fuzz_server.url)


@pytest.mark.parametrize(("label", "mode"), CASES)
def test_api_conforms_to_its_schema(documented, label, mode):
    assert_conforms(documented[label], mode, max_examples=40)
