"""Property-based fuzzing of the REST API from its own OpenAPI document (schemathesis).

The gateway runs as its own process, as deployed; every operation gets generated requests,
valid and invalid, with a valid key. No answer may be a server error, and every answer must
be one the document describes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from schemathesis.core.result import Ok
from secretary_cli.stack import Stack, free_port

EXAMPLES_PER_OPERATION = 40
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture(scope="module")
def gateway_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The gateway as deployed (its own process, its own nats-server), and a key for it."""
    stack = Stack(
        tmp_path_factory.mktemp("fuzz"),
        free_port(),
        log_level="WARNING",
        extra_env={
            "SECRETARY_MAX_UPLOAD_BYTES": str(1024 * 1024),
            "SECRETARY_ANSWER_WAIT_S": "0",
        },
        supervise=False,
    )
    stack.start(services=("gateway",))
    try:
        stack.wait_ready()
        yield stack.gateway_url, stack.api_key
    finally:
        stack.stop()
    # a server error anywhere would also be in the log as a traceback
    assert "Traceback" not in (stack.data_dir / "logs" / "gateway.log").read_text()


def test_no_server_errors_and_only_documented_answers(gateway_process: tuple[str, str]) -> None:
    base_url, token = gateway_process
    schema = schemathesis.openapi.from_url(f"{base_url}/schema/openapi.json")
    failures: dict[str, str] = {}
    fuzzed = []
    calls: list[str] = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # the document itself is valid
        operation = result.ok()
        if operation.path.endswith("/events"):
            continue  # an event stream stays open until its recording settles

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: Any) -> None:
            calls.append(case.operation.label)
            case.call_and_validate(
                base_url=base_url,
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
                checks=CHECKS,
            )

        try:
            fuzz()
        except Exception as failure:
            failures[operation.label] = str(failure)[:2000]
        fuzzed.append(operation.label)
    assert len(fuzzed) >= 15, fuzzed
    assert len(calls) >= 10 * len(fuzzed), len(calls)
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
