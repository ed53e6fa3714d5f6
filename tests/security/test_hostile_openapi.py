"""Schemathesis over the app's own OpenAPI schema, in-process: no /api operation answers
generated input (valid and invalid) with a 5xx, whichever token sends it."""

from __future__ import annotations

from time import perf_counter
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from tests.security.conftest import World, bearer

# Per operation: about thirty operations, so the whole run stays well under a minute.
EXAMPLES_PER_OPERATION = 6
BUDGET_SECONDS = 60


def _check_operation(
    operation: Any, headers: dict[str, str], failures: list[str], statuses: list[int]
) -> None:
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        statuses.append(response.status_code)
        if response.status_code >= 500:
            failures.append(f"{operation.label} -> {response.status_code}: {response.text[:200]}")

    run()


@pytest.mark.parametrize("role", ["admin", "integration"])
def test_no_api_operation_answers_generated_input_with_a_5xx(
    client: TestClient, world: World, role: str
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app).include(
        path_regex="^/api/"
    )
    failures: list[str] = []
    statuses: list[int] = []
    started = perf_counter()

    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        _check_operation(operation, bearer(world.tokens[role]), failures, statuses)

    assert len(operations) >= 20 and len(statuses) >= 3 * len(operations)
    # Generated input is mostly wrong: most answers are refusals, some are successes.
    assert any(400 <= status < 500 for status in statuses)
    assert failures == []
    assert perf_counter() - started < BUDGET_SECONDS
