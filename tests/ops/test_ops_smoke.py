"""`python -m ops smoke`: where it reads texts, when it refuses, and how it reports (no runtime needed)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
import responses
from moto import mock_aws

from handlers.adapters.sms import LOG_MODE_MARKER
from ops.cli import main
from ops.smoke import LogGroupTexts, Smoke, Text, iter_log_groups

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


# --- the verification step, against a stand-in for a stack that verifies (the flow itself runs end to end
# on the local runtime in tests/e2e/test_smoke.py) -----------------------------------------------------

SITE = "https://d1.cloudfront.net/"
API = "https://d1.cloudfront.net/api"


class _Outbox:
    """Texts as the stack would send them: the code when asked, then the partner's link."""

    def __init__(self) -> None:
        self.texts: list[Text] = []

    def since(self, start_ms: int) -> list[Text]:
        return [text for text in self.texts if text.sent_ms >= start_ms]

    def send(self, body: str) -> None:
        self.texts.append(Text(body=body, sent_ms=int(time.time() * 1000)))


def _stack_that_verifies(mocked: responses.RequestsMock, outbox: _Outbox) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    token = "B" * 43
    config = '{"apiBaseUrl": "/api", "customerVerification": "sms"}'
    mocked.get(SITE, body="<html></html>", content_type="text/html")
    mocked.get(f"{SITE}config.js", body=f"window.PARTNER_CONFIRM_CONFIG = {config};")

    def verify(request: Any) -> tuple[int, dict[str, str], str]:
        seen.append({"path": "/verify", **json.loads(request.body)})
        outbox.send("[예약확인] 인증번호 042917\n5분 안에 입력해 주세요.")
        return 202, {}, "{}"

    def confirm_code(request: Any) -> tuple[int, dict[str, str], str]:
        seen.append({"path": "/verify/confirm", **json.loads(request.body)})
        return 200, {}, json.dumps({"customerToken": "customer-token", "expiresAt": "2026-12-02T05:00:00Z"})

    def chat(request: Any) -> tuple[int, dict[str, str], str]:
        seen.append({"path": "/chat", "authorization": request.headers.get("Authorization")})
        outbox.send(f"[예약확인] 새 문의 https://d1.cloudfront.net/r/{token}")
        return 202, {}, json.dumps({"requestId": "req-1"})

    mocked.add_callback(responses.POST, f"{API}/verify", callback=verify)
    mocked.add_callback(responses.POST, f"{API}/verify/confirm", callback=confirm_code)
    mocked.add_callback(responses.POST, f"{API}/chat", callback=chat)
    mocked.get(f"{API}/confirm/{token}", json={"requestId": "req-1", "reservationNumber": "RSV-1"})
    mocked.get(f"{SITE}r/{token}", body="<html></html>", content_type="text/html")
    mocked.post(f"{API}/respond", json={"success": True})
    notification = {"message": "파트너가 수락했습니다.", "source": "template"}
    mocked.get(f"{API}/requests/req-1", json={"status": "Responded", "notification": notification})
    return seen


def test_a_stack_that_verifies_is_asked_for_a_code_and_the_question_carries_the_token() -> None:
    outbox = _Outbox()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        seen = _stack_that_verifies(mocked, outbox)
        steps = Smoke(
            page_url=SITE, texts=outbox, reservation_number="RSV-1", customer_phone="+821012345678"
        ).run()

    assert [step.name for step in steps] == [
        "page",
        "verify",
        "chat",
        "partner text",
        "partner page",
        "confirm",
        "respond",
        "notification",
    ]
    assert seen[1] == {
        "path": "/verify/confirm",
        "reservationNumber": "RSV-1",
        "customerPhone": "+821012345678",
        "code": "042917",
    }
    assert seen[2] == {"path": "/chat", "authorization": "Bearer customer-token"}
