"""`python -m ops smoke`: one customer question through a deployed stack's public URLs, as a person would.

The steps are the customer page's and the partner page's: load the page and its `config.js` (the API base
URL the page uses), verify the reservation's phone by code when the stack asks for it, ask (`POST /chat`),
find the partner's text and open its link (`/r/<token>`, then `GET /confirm/{token}`), answer
(`POST /respond`), and poll `GET /requests/{id}` until the customer's notification is there.

Texts are read where the stack puts them: on the local runtime from `/_local/sms`; on AWS, with
`smsMode: log`, from the functions' log groups (CloudWatch Logs `FilterLogEvents`, the lines
`handlers.adapters.sms.LogSms` writes). With `smsMode: sns` the texts are on real phones, so the smoke test
stops and says so.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urljoin

import requests

from handlers.adapters.sms import LOG_MODE_MARKER
from ops.stack import OpsError

LINK = re.compile(r"https?://\S+?/r/(?P<token>[A-Za-z0-9_-]{43})")
CODE = re.compile(r"(?<![0-9])(?P<code>[0-9]{6})(?![0-9])")
CONFIG = re.compile(r"PARTNER_CONFIRM_CONFIG\s*=\s*(?P<json>\{.*?\})\s*;?\s*$", re.DOTALL)
HANGUL = re.compile(r"[가-힣]")
DEFAULT_QUESTION = "예약 날짜를 바꿀 수 있을까요"
DEFAULT_BOUND_SECONDS = 120.0
# The customer page polls every 2 s; the smoke test looks a little more often, but stays well under the web
# ACL's 100 requests per address a minute however long a step takes.
POLL_SECONDS = 1.0


class SmokeFailure(OpsError):
    """A step of the flow did not do what a customer or partner needs."""


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    seconds: float
    detail: str


@dataclass(frozen=True, slots=True)
class Text:
    body: str
    sent_ms: int


class TextSource(Protocol):
    """Where the stack's texts can be read back."""

    def since(self, start_ms: int) -> list[Text]: ...


class LocalTexts:
    """The local runtime's SMS outbox."""

    def __init__(self, base_url: str, http: requests.Session) -> None:
        self._url = base_url.rstrip("/") + "/_local/sms"
        self._http = http

    def since(self, start_ms: int) -> list[Text]:
        answer = self._http.get(self._url, timeout=10)
        if answer.status_code != 200:
            raise SmokeFailure(f"{self._url} answered {answer.status_code}")
        texts = [Text(body=item["body"], sent_ms=_iso_ms(item.get("sentAt") or "")) for item in answer.json()]
        return [text for text in texts if text.sent_ms >= start_ms]


class LogGroupTexts:
    """Texts written to the functions' logs in `smsMode: log` (CloudWatch Logs, `FilterLogEvents`)."""

    def __init__(self, logs: Any, log_groups: list[str]) -> None:
        self._logs = logs
        self._groups = log_groups

    def since(self, start_ms: int) -> list[Text]:
        texts: list[Text] = []
        for group in self._groups:
            pages = self._logs.get_paginator("filter_log_events").paginate(
                logGroupName=group, startTime=start_ms, filterPattern=json.dumps(LOG_MODE_MARKER)
            )
            try:
                for page in pages:
                    for event in page.get("events", []):
                        body = str(event["message"]).split(" body=", 1)[-1].rstrip("\n")
                        texts.append(Text(body=body, sent_ms=int(event["timestamp"])))
            except self._logs.exceptions.ResourceNotFoundException:
                continue  # a function that never ran has no log group yet
        return sorted(texts, key=lambda text: text.sent_ms)


def _iso_ms(value: str) -> int:
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return 0


@dataclass
class Smoke:
    """Drives the flow; every step is timed and recorded, the first failure stops it."""

    page_url: str
    texts: TextSource
    reservation_number: str
    customer_phone: str
    verification: str = "off"
    question: str = DEFAULT_QUESTION
    step_timeout: float = 60.0
    http: requests.Session = field(default_factory=requests.Session)
    clock: Callable[[], float] = time.monotonic
    wall_ms: Callable[[], int] = field(default=lambda: int(time.time() * 1000))
    report: Callable[[Step], None] = field(default=lambda step: None)
    steps: list[Step] = field(default_factory=list)
    _config: dict[str, Any] = field(default_factory=dict)

    def run(self) -> list[Step]:
        api = self._step("page", self._page)
        # The page verifies when its config.js says so; the stack output is the fallback.
        verification = str(self._config.get("customerVerification") or self.verification)
        token = self._step("verify", lambda: self._verify(api)) if verification == "sms" else None
        asked_ms = self.wall_ms() - 1000  # clocks of this machine and the stack differ a little
        request_id = self._step("chat", lambda: self._chat(api, token))
        link = self._step("partner text", lambda: self._partner_link(api, request_id, asked_ms))
        self._step("partner page", lambda: self._partner_page(link))
        self._step("confirm", lambda: self._confirm(api, link, request_id))
        self._step("respond", lambda: self._respond(api, link))
        self._step("notification", lambda: self._notification(api, request_id))
        return self.steps

    # -- steps -------------------------------------------------------------------------------------

    def _step(self, name: str, action: Callable[[], Any]) -> Any:
        started = self.clock()
        try:
            value = action()
        except requests.RequestException as exc:
            raise SmokeFailure(f"{name}: {exc}") from exc
        except SmokeFailure as exc:
            raise SmokeFailure(f"{name}: {exc}") from exc
        detail = value[1] if isinstance(value, tuple) else ""
        step = Step(name=name, seconds=self.clock() - started, detail=detail)
        self.steps.append(step)
        self.report(step)
        return value[0] if isinstance(value, tuple) else value

    def _page(self) -> tuple[str, str]:
        page = self._expect(self.http.get(self.page_url, timeout=15), 200, "the customer page")
        if "text/html" not in page.headers.get("Content-Type", ""):
            raise SmokeFailure(f"the customer page is {page.headers.get('Content-Type')}, not HTML")
        config = self._expect(
            self.http.get(urljoin(self.page_url, "config.js"), timeout=15), 200, "config.js"
        )
        match = CONFIG.search(config.text)
        if match is None:
            raise SmokeFailure("config.js does not set window.PARTNER_CONFIRM_CONFIG")
        self._config = dict(json.loads(match["json"]))
        base = str(self._config.get("apiBaseUrl") or "/api")
        api = urljoin(self.page_url, base).rstrip("/")
        return api, f"API {api}"

    def _verify(self, api: str) -> tuple[str, str]:
        reservation = {"reservationNumber": self.reservation_number, "customerPhone": self.customer_phone}
        sent_ms = self.wall_ms() - 1000
        self._expect(self.http.post(f"{api}/verify", json=reservation, timeout=15), 202, "POST /verify")
        code = self._until("the verification code text", lambda: self._code(sent_ms))
        answer = self._expect(
            self.http.post(f"{api}/verify/confirm", json={**reservation, "code": code}, timeout=15),
            200,
            "POST /verify/confirm",
        )
        return str(answer.json()["customerToken"]), "code texted and confirmed"

    def _code(self, since_ms: int) -> str | None:
        for text in reversed(self.texts.since(since_ms)):
            match = CODE.search(text.body)
            if match is not None and LINK.search(text.body) is None:
                return match["code"]
        return None

    def _chat(self, api: str, token: str | None) -> tuple[str, str]:
        body = {
            "customerPhone": self.customer_phone,
            "reservationNumber": self.reservation_number,
            "message": self.question,
        }
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = self._expect(
            self.http.post(f"{api}/chat", json=body, headers=headers, timeout=15), 202, "POST /chat"
        )
        request_id = str(answer.json()["requestId"])
        return request_id, f"requestId {request_id}"

    def _partner_link(self, api: str, request_id: str, since_ms: int) -> tuple[str, str]:
        seen: set[str] = set()

        def probe() -> str | None:
            for text in reversed(self.texts.since(since_ms)):
                match = LINK.search(text.body)
                if match is None or match["token"] in seen:
                    continue
                seen.add(match["token"])
                opened = self.http.get(f"{api}/confirm/{match['token']}", timeout=15)
                if opened.status_code == 200 and opened.json().get("requestId") == request_id:
                    return match[0]
            return None

        # The status tells why no text comes (an unknown reservation fails before any text).
        def probe_or_fail() -> str | None:
            link = probe()
            if link is None:
                status = self._status(api, request_id)
                if status.get("status") == "Failed":
                    raise SmokeFailure(f"the request failed: {status.get('failureReason')}")
            return link

        link = self._until("the partner's text", probe_or_fail)
        return link, "link found in the texts"

    def _partner_page(self, link: str) -> tuple[None, str]:
        page = self._expect(self.http.get(link, timeout=15), 200, "the partner link")
        if "text/html" not in page.headers.get("Content-Type", ""):
            raise SmokeFailure("the partner link does not serve the partner page")
        return None, "partner page served"

    def _confirm(self, api: str, link: str, request_id: str) -> tuple[None, str]:
        token = LINK.search(link)["token"]  # type: ignore[index]
        answer = self._expect(self.http.get(f"{api}/confirm/{token}", timeout=15), 200, "GET /confirm")
        shown = answer.json()
        if shown.get("requestId") != request_id:
            raise SmokeFailure(f"the link shows request {shown.get('requestId')}, not {request_id}")
        return None, f"partner sees {shown.get('reservationNumber')}"

    def _respond(self, api: str, link: str) -> tuple[None, str]:
        token = LINK.search(link)["token"]  # type: ignore[index]
        body = {"token": token, "response": "accept"}
        self._expect(self.http.post(f"{api}/respond", json=body, timeout=15), 200, "POST /respond")
        return None, "accepted"

    def _notification(self, api: str, request_id: str) -> tuple[None, str]:
        def probe() -> dict[str, Any] | None:
            status = self._status(api, request_id)
            if status.get("status") in {"Timeout", "Failed"}:
                raise SmokeFailure(f"the request ended {status['status']}, not Responded")
            return status if status.get("status") == "Responded" and status.get("notification") else None

        status = self._until("the customer's notification", probe)
        notification = status["notification"]
        if not HANGUL.search(str(notification.get("message", ""))):
            raise SmokeFailure("the notification is not Korean text")
        return None, f"Responded, notification from the {notification.get('source')}"

    # -- plumbing ----------------------------------------------------------------------------------

    def _status(self, api: str, request_id: str) -> dict[str, Any]:
        answer = self._expect(self.http.get(f"{api}/requests/{request_id}", timeout=15), 200, "GET /requests")
        return dict(answer.json())

    @staticmethod
    def _expect(answer: requests.Response, status: int, what: str) -> requests.Response:
        if answer.status_code != status:
            raise SmokeFailure(f"{what} answered {answer.status_code}, not {status}: {answer.text[:300]}")
        return answer

    def _until(self, what: str, probe: Callable[[], Any]) -> Any:
        deadline = self.clock() + self.step_timeout
        while True:
            value = probe()
            if value:
                return value
            if self.clock() > deadline:
                raise SmokeFailure(f"no {what} after {self.step_timeout:.0f} s")
            time.sleep(POLL_SECONDS)


def format_step(step: Step) -> str:
    return f"  ok  {step.name:<13} {step.seconds:6.2f} s  {step.detail}"


def iter_log_groups(outputs: dict[str, Any]) -> Iterator[str]:
    """The functions' log groups from the stack outputs (the workflow's execution log holds no texts)."""
    groups = outputs.get("logGroupNames") or {}
    for key, name in sorted(groups.items()):
        if key != "workflow" and name:
            yield str(name)
