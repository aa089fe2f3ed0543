"""A short `make soak`: 200 complete flows, and the runtime's memory no longer grows with every flow.

Before `local/emulator.py`, moto kept a copy of the whole table per transaction: about 15 MB per flow. Then
it kept every ended Step Functions execution whole (its interpreter environment, its history as live objects,
its threads): about 105 KB per flow in all, 52.5 MB per 500. With ended executions compacted (repair 5), what
remains is mostly the data the emulator keeps by design (each flow's table items, an execution's description
and compressed history): 6-7 MB per 100 flows measured by `make soak`, about 33 MB per 500, and since the
heap is trimmed and the items share their strings and values (repairs 7 to 9) about 15 MB per 500,
within its 20 MB target. This test holds the line at 60 MB per 500 flows (120 KB per flow, more than 100
times less than the table leak): neither leak can come back unseen, and one 100-flow sample's noise does
not fail the suite. It makes no timing assertion (the medians are printed only).
"""

from __future__ import annotations

import pytest

from bench import soak
from local.testing import running_process

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

LIMIT_MB = 60.0  # per 500 flows after the first 100


def test_two_hundred_flows_do_not_leak_the_table_per_flow(capsys: pytest.CaptureFixture[str]) -> None:
    with running_process(wait_seconds=60, args=soak.SOAK_ARGS) as system:
        result = soak.soak(system, 200, concurrency=4, memory_limit_mb=LIMIT_MB)

    with capsys.disabled():
        print("\n" + capsys.readouterr().out)
    assert [batch.flows for batch in result.batches] == [100, 200]
    memory = [failure for failure in result.failures if failure.startswith("memory")]
    assert not memory, memory
