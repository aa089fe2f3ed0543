"""`python -m ops smoke`: where it reads texts, when it refuses, and how it reports (no runtime needed)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from handlers.adapters.sms import LOG_MODE_MARKER
from ops.cli import main
from ops.smoke import LogGroupTexts, iter_log_groups

REGION = "ap-northeast-2"
TOKEN = "A" * 43
NOW_MS = int(time.time() * 1000)  # CloudWatch Logs refuses events from long ago


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> Any:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield boto3.client("logs", region_name=REGION)


def _put(logs: Any, group: str, *lines: tuple[int, str]) -> None:
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[{"timestamp": at, "message": message} for at, message in lines],
    )


def test_texts_come_from_the_log_mode_lines_only(logs: Any) -> None:
    link = f"https://d1.cloudfront.net/r/{TOKEN}"
    _put(
        logs,
        "/aws/lambda/sms",
        (NOW_MS - 5_000, '{"level":"INFO","message":"SMS (log mode) to +82****5678"}'),
        (NOW_MS - 3_000, f"{LOG_MODE_MARKER} to=+82****5678 body=[예약] 문의가 왔습니다 {link}"),
    )

    texts = LogGroupTexts(logs, ["/aws/lambda/sms", "/aws/lambda/never-ran"]).since(NOW_MS - 60_000)

    assert [text.body for text in texts] == [f"[예약] 문의가 왔습니다 {link}"]
    assert texts[0].sent_ms == NOW_MS - 3_000


def test_texts_before_the_start_are_left_out(logs: Any) -> None:
    _put(
        logs,
        "/aws/lambda/sms",
        (NOW_MS - 5_000, f"{LOG_MODE_MARKER} to=x body=old"),
        (NOW_MS, f"{LOG_MODE_MARKER} to=x body=new"),
    )

    assert [text.body for text in LogGroupTexts(logs, ["/aws/lambda/sms"]).since(NOW_MS - 1_000)] == ["new"]


def test_the_workflow_log_is_not_searched() -> None:
    outputs = {"logGroupNames": {"sms_sender": "/aws/lambda/a", "workflow": "/aws/vendedlogs/states/x"}}

    assert list(iter_log_groups(outputs)) == ["/aws/lambda/a"]


def test_a_stack_that_texts_real_phones_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"customerPageUrl": "https://d1.cloudfront.net/", "smsMode": "sns"}))

    assert main(["smoke", "--outputs-file", str(outputs)]) == 2
    assert "needs smsMode: log" in capsys.readouterr().err
