"""End to end on the local runtime: the flows' counted calls match the committed cost profile, and the
operator commands read the same system an operator would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict

import pytest

from local.testing import running_system
from ops.cli import main
from ops.cost import Profile
from ops.profile import record

pytestmark = pytest.mark.e2e

RERECORD = "if the change is intended: python -m ops profile --endpoint <a local runtime> --write"


@pytest.fixture(scope="module")
def system() -> Iterator[tuple[str, Profile]]:
    with running_system(wait_seconds=5) as url:
        yield url, record(url)


def _ops(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("scenario", ["answered", "timeout", "status_read"])
def test_calls_the_flow_makes_match_the_committed_profile(system: tuple[str, Profile], scenario: str) -> None:
    recorded = asdict(getattr(system[1], scenario))
    committed = asdict(getattr(Profile.load(), scenario))
    assert recorded == committed, RERECORD


def test_requests_lists_both_flows(system: tuple[str, Profile], capsys: pytest.CaptureFixture[str]) -> None:
    rows = json.loads(_ops(capsys, "requests", "--endpoint", system[0], "--since", "1h", "--json"))
    assert sorted(row["status"] for row in rows) == ["Responded", "Timeout"]


def test_requests_by_status_reads_the_status_index(
    system: tuple[str, Profile], capsys: pytest.CaptureFixture[str]
) -> None:
    rows = json.loads(_ops(capsys, "requests", "--endpoint", system[0], "--status", "Timeout", "--json"))
    assert [row["status"] for row in rows] == ["Timeout"]


def test_show_gives_the_answered_requests_timeline(
    system: tuple[str, Profile], capsys: pytest.CaptureFixture[str]
) -> None:
    url = system[0]
    [answered] = json.loads(_ops(capsys, "requests", "--endpoint", url, "--status", "Responded", "--json"))
    shown = json.loads(_ops(capsys, "show", answered["requestId"], "--endpoint", url, "--json"))
    types = [event["type"] for event in shown["events"]]
    assert types[0] == "Created"
    assert {"SMSSent", "Opened", "Responded"} <= set(types)
    assert shown["request"]["notification"]["message"]


def test_show_prints_a_readable_timeline(
    system: tuple[str, Profile], capsys: pytest.CaptureFixture[str]
) -> None:
    url = system[0]
    [timed_out] = json.loads(_ops(capsys, "requests", "--endpoint", url, "--status", "Timeout", "--json"))
    text = _ops(capsys, "show", timed_out["requestId"], "--endpoint", url)
    assert "AT (UTC)" in text
    assert "Timeout" in text


def test_outputs_come_from_the_local_runtime(
    system: tuple[str, Profile], capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = json.loads(_ops(capsys, "outputs", "--endpoint", system[0], "--json"))
    assert outputs["tableName"]
    assert outputs["apiUrl"]
