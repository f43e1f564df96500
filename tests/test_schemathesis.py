"""Generated requests for every operation of the gateway's own OpenAPI document, on the real stack:
no answer is a 5xx. Bounded (a few examples an operation), so it stays quick."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.errors import SerializationNotPossible

from kaohe.local import LocalStack, start_stack

pytestmark = pytest.mark.stack
EXAMPLES = 5


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    root: Path = tmp_path_factory.mktemp("schemathesis")
    running = start_stack(root / "home", root / "stack.log", extra_env={"GATEWAY_RATE_LIMIT": "1000000/minute"})
    try:
        running.wait_ready(90)
        yield running
    finally:
        running.interrupt()


def test_no_operation_answers_with_a_server_error(stack: LocalStack) -> None:
    token = httpx.post(f"{stack.gateway}/api/v1/auth/token",
                       data={"username": "admin", "password": "kaohe-demo-admin"}).json()["access_token"]
    auth = {"authorization": f"Bearer {token}"}
    # Signing out would cut the run's own credentials: that is exercised in test_auth.
    schema = schemathesis.openapi.from_url(f"{stack.gateway}/openapi.json").exclude(path_regex="^/api/v1/auth/")
    failures: list[str] = []
    statuses: list[int] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case: schemathesis.Case) -> None:
            response = case.call(base_url=stack.gateway, headers=auth)
            statuses.append(response.status_code)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: "
                                f"{response.text[:200]}")

        try:
            run()
        except SerializationNotPossible:
            continue  # the JSON-lines imports: generated bodies are not lines; tested in records
    assert operations > 40
    assert len(statuses) > 2 * operations  # requests were really sent
    assert failures == []
