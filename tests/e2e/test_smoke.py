"""`python -m ops smoke` against the local runtime, exactly as `make smoke` runs it after a deploy."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from local.testing import running_system
from ops.cli import main

pytestmark = pytest.mark.e2e

STEPS = ["page", "chat", "partner text", "partner page", "confirm", "respond", "notification"]


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with running_system(wait_seconds=30) as base_url:
        yield base_url


def test_the_flow_passes_step_by_step(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["smoke", "--endpoint", url]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines[1:-1]] == [step.split()[0] for step in STEPS]
    assert lines[-1].split()[:2] == ["ok", "total"]


def test_json_names_every_step_with_its_latency(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["smoke", "--endpoint", url, "--json"]) == 0

    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    assert [step["step"] for step in report["steps"]] == STEPS
    assert all(step["seconds"] >= 0 for step in report["steps"])


def test_a_failing_step_fails_the_run_and_is_named(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["smoke", "--endpoint", url, "--reservation", "RSV-20990101-999", "--step-timeout", "10"])

    assert code == 1
    assert "partner text: the request failed" in capsys.readouterr().err


def test_a_flow_slower_than_the_bound_fails(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["smoke", "--endpoint", url, "--max-seconds", "0.01"]) == 1

    assert "over the bound" in capsys.readouterr().err
