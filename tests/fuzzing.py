"""Schema fuzzing of a running service, shared by the test modules that fuzz their routes.

schemathesis's pytest plugin does not work with pytest 9 yet, so each operation's
strategy is run through hypothesis directly, with a fixed number of examples.
"""

from __future__ import annotations

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

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def operations(url: str) -> dict:
    """The service's operations by label, e.g. "POST /tts", read from its /openapi.json."""
    schema = schemathesis.openapi.from_url(url + "/openapi.json")
    return {f"{op.method.upper()} {op.path}": op for op in (r.ok() for r in schema.get_all_operations())}


def assert_conforms(operation, mode: GenerationMode | str, max_examples: int) -> None:
    """No response to ``max_examples`` generated requests is a 5xx or disagrees with the document."""

    @given(operation.as_strategy(generation_mode=GenerationMode(mode)))
    @settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case) -> None:
        case.call_and_validate(checks=CHECKS, timeout=60)

    check()
