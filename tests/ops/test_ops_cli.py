"""`python -m ops` against an in-process moto table: the same commands an operator types."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from handlers.models.domain import Status
from ops import cost
from ops.cli import main
from tests.ops.conftest import NOW_MS, TABLE, add_request


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def recent(dynamodb: Any) -> Any:
    # Created "now": --since windows are relative to the real clock.
    now_ms = int(time.time() * 1000)
    add_request(dynamodb, "r-waiting", created_ms=now_ms - 60_000)
    add_request(dynamodb, "r-timeout", created_ms=now_ms - 120_000, status=Status.TIMEOUT)
    add_request(dynamodb, "r-last-week", created_ms=now_ms - 7 * 86_400_000)
    return dynamodb


def test_requests_json_lists_the_window(recent: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "requests", "--table", TABLE, "--since", "1h", "--json")
    assert code == 0
    assert [row["requestId"] for row in json.loads(out)] == ["r-waiting", "r-timeout"]


def test_requests_filters_by_status(recent: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "requests", "--table", TABLE, "--status", "Timeout", "--json")
    assert code == 0
    assert [row["requestId"] for row in json.loads(out)] == ["r-timeout"]


def test_requests_table_has_a_header_and_one_line_per_request(
    recent: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "requests", "--table", TABLE, "--since", "1h")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[2].split() == ["CREATED", "(UTC)", "STATUS", "REQUEST", "INTENT", "RESERVATION", "PARTNER"]
    assert [line.split()[1:3] for line in lines[4:]] == [["Created", "r-waiting"], ["Timeout", "r-timeout"]]


def test_requests_heading_says_the_window_and_which_statuses(
    recent: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
    _, every, _ = _run(capsys, "requests", "--table", TABLE, "--since", since)
    _, one, _ = _run(capsys, "requests", "--table", TABLE, "--since", "1h", "--status", "Timeout")

    assert every.startswith(f"2 request(s) created since {since}, every status\n")
    assert one.startswith("1 request(s) created since ")
    assert one.splitlines()[0].endswith(", status Timeout")


def test_unknown_status_is_an_error_naming_the_valid_ones(
    recent: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "requests", "--table", TABLE, "--status", "Done")
    assert code == 2
    assert "SMSSent" in err


def test_show_prints_the_timeline(dynamodb: Any, capsys: pytest.CaptureFixture[str]) -> None:
    add_request(dynamodb, "r-1", created_ms=NOW_MS, status=Status.TIMEOUT)
    code, out, _ = _run(capsys, "show", "r-1", "--table", TABLE)
    assert code == 0
    assert "status" in out
    assert "Timeout" in out
    assert "파트너 응답 없음" in out
    assert "12345678" not in out


def test_show_unknown_request_exits_2(dynamodb: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "show", "nope", "--table", TABLE)
    assert code == 2
    assert "nope" in err


def test_table_name_comes_from_the_stack_outputs(
    recent: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"tableName": TABLE, "apiUrl": "https://example.execute-api"}))
    code, out, _ = _run(capsys, "requests", "--outputs-file", str(outputs), "--status", "Timeout", "--json")
    assert code == 0
    assert [row["requestId"] for row in json.loads(out)] == ["r-timeout"]


def test_outputs_prints_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"tableName": TABLE, "dashboardUrl": "https://console.example/d"}))
    code, out, _ = _run(capsys, "outputs", "--outputs-file", str(outputs))
    assert code == 0
    assert "dashboardUrl" in out
    assert "https://console.example/d" in out


def test_outputs_show_a_map_output_one_entry_per_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = tmp_path / "outputs.json"
    groups = {"intake": "/aws/lambda/intake", "status": "/aws/lambda/status"}
    outputs.write_text(json.dumps({"tableName": TABLE, "logGroupNames": groups}))

    code, out, _ = _run(capsys, "outputs", "--outputs-file", str(outputs))

    assert code == 0
    rows = [line.split() for line in out.splitlines()[2:]]
    assert ["logGroupNames.intake", "/aws/lambda/intake"] in rows
    assert ["logGroupNames.status", "/aws/lambda/status"] in rows


def test_a_local_runtime_that_is_not_running_gets_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{probe.getsockname()[1]}"

    code, _, err = _run(capsys, "requests", "--endpoint", endpoint)

    assert code == 2
    assert err.startswith(f"ops: nothing answers at {endpoint}: start the local runtime (make local")


def test_without_pulumi_or_outputs_it_says_what_to_pass(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    code, _, err = _run(capsys, "outputs")
    assert code == 2
    assert "--outputs-file" in err


def test_cost_prints_the_three_volumes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "cost", "--json")
    assert code == 0
    data = json.loads(out)
    assert [v["requestsPerDay"] for v in data["volumes"]] == [100, 1000, 10000]
    assert all(v["perRequestUsd"] > 0 for v in data["volumes"])
    assert data["pricesDate"] == json.loads(cost.PRICES_FILE.read_text(encoding="utf-8"))["date"]


def test_an_aws_error_is_one_line_and_exit_2(dynamodb: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "show", "r-1", "--table", "no-such-table")
    assert code == 2
    assert err.startswith("ops: AWS answered:")
    assert "ResourceNotFoundException" in err


def test_profile_against_a_long_wait_explains_instead_of_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ops import profile

    def too_long(endpoint: str) -> None:
        raise profile.WaitTooLongError(300, 60, endpoint)

    monkeypatch.setattr(profile, "record", too_long)
    code, out, err = _run(capsys, "profile", "--endpoint", "http://127.0.0.1:8000")

    assert code == 2
    assert out == ""
    assert "partners 300 s to answer" in err
    assert "PARTNER_WAIT_SECONDS=5 make local" in err
    assert "Traceback" not in err


def test_profile_without_a_runtime_says_how_to_start_one(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again below: nothing listens there

    code, _, err = _run(capsys, "profile", "--endpoint", f"http://127.0.0.1:{port}")

    assert code == 2
    assert "cannot reach the local runtime" in err
    assert "make local" in err


def test_make_ops_json_can_be_piped() -> None:
    # `make ops ARGS="... --json" | jq`: make itself must print nothing on stdout.
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        ["make", "--no-print-directory", "ops", "ARGS=cost --json"],  # noqa: S607 - the repository's make
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(done.stdout)["pricesDate"]
