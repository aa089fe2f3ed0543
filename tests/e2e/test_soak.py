"""A short `make soak`: 200 complete flows, and the runtime's memory stays flat after the first 100.

The full soak (`make soak`, 500 flows) also judges latency; a test makes no timing assertion, so here the
medians are printed only.
"""

from __future__ import annotations

import pytest

from bench import soak
from local.testing import running_process

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]


def test_two_hundred_flows_leave_memory_flat(capsys: pytest.CaptureFixture[str]) -> None:
    with running_process(wait_seconds=60) as system:
        result = soak.soak(system, 200, concurrency=4)

    with capsys.disabled():
        print("\n" + capsys.readouterr().out)
    assert [batch.flows for batch in result.batches] == [100, 200]
    memory = [failure for failure in result.failures if failure.startswith("memory")]
    assert not memory, memory
