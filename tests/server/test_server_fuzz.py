"""Schemathesis fuzzes every operation of the OpenAPI schema of a real uvicorn process: no 5xx.

Both valid (schema-conforming) and invalid inputs are generated; examples per operation are kept
small so the whole file runs in about a minute on 2 cores. Auth is on, so the fuzzer's requests
also pass through the auth and body-limit middlewares.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402
from srv_helpers import API_KEY, POLICY, REVIEWER, REVIEWER_KEY, UvicornProcess  # noqa: E402

pytestmark = pytest.mark.slow

AUTH = {"Authorization": f"Bearer {REVIEWER_KEY}"}
"""A reviewer key: it may call every operation, so the fuzzer reaches them all."""
EXAMPLES = 60


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    policy = tmp / "policy.yaml"
    # No pending escalations: a fuzzed long poll (`wait` up to 60 s) on one would stall the run.
    policy.write_text(POLICY + "on_escalate: block\n", encoding="utf-8")
    server = UvicornProcess(tmp / "audit.db", policy=policy, api_key=API_KEY,
                            env={"SENTINEL_REVIEWER_KEYS": f"{REVIEWER}={REVIEWER_KEY}"}).start()
    try:
        yield schemathesis.openapi.from_url(server.base + "/openapi.json", headers=AUTH)
    finally:
        server.stop()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_no_operation_answers_5xx(api_schema: Any, mode: GenerationMode) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 12, [op.label for op in operations]
    failures: list[str] = []
    fuzzed = 0
    statuses: list[int] = []
    for operation in operations:

        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck),
                  derandomize=True)
        @given(case=operation.as_strategy(generation_mode=mode))
        def fuzz(case: Any) -> None:
            response = case.call(headers=AUTH, timeout=10)
            statuses.append(response.status_code)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: "
                                f"{response.text[:200]} (body {str(case.body)[:200]})")

        try:
            fuzz()
            fuzzed += 1
        except Unsatisfiable:
            # No invalid input exists for this operation (e.g. GET /health takes no parameters).
            assert mode is GenerationMode.NEGATIVE, operation.label
    print(f"{mode.value}: {len(statuses)} requests over {fuzzed} operations, statuses {sorted(set(statuses))}")
    assert not failures, "\n".join(failures[:10])
    assert len(statuses) >= 5 * fuzzed
    assert fuzzed >= (len(operations) if mode is GenerationMode.POSITIVE else 8), fuzzed
