"""Count what a flow really costs: run real flows on the local runtime and read its call counters.

The local runtime counts every AWS API call by `service.Operation`, every function invocation and every API
request (`GET /_local/calls`). A flow is recorded from its first request until the customer's notification
is written, with exactly one status read; the status read alone is recorded too, since the customer page
repeats it. The link's origin and token are replaced by placeholders, so a recording does not depend on the
port it ran on.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3
import requests

from handlers.models.link_token import claimed_expiry
from ops.cost import Profile, Scenario
from ops.stack import OpsError

LINK_BASE = "{linkBase}"
_LINK = re.compile(r"(?P<base>https?://[^\s/]+)/r/(?P<token>[A-Za-z0-9_-]+)")
# The partner's deadline in the SMS (`오후 3:05까지`) changes with every run: it is recorded as the longest
# one there is, so the profile stays stable and its cost counts the worst case.
_DEADLINE = re.compile(r"(?:오전|오후) \d{1,2}:\d{2}까지")
LONGEST_DEADLINE = "오후 12:00까지"
_CODE = re.compile(r"인증번호 ([0-9]{6})")


class FlowError(OpsError):
    """The local runtime did not do what the flow expects."""


class WaitTooLongError(FlowError):
    """The runtime's partner wait is longer than a recording can sit through."""

    def __init__(self, wait_seconds: int, timeout: float, base_url: str) -> None:
        super().__init__(
            f"this runtime gives partners {wait_seconds} s to answer, and the unanswered flow has to wait "
            f"that long (a recording waits at most {timeout:.0f} s).\n"
            "Restart the runtime with a short wait, then record again:\n"
            "  PARTNER_WAIT_SECONDS=5 make local\n"
            f'  make ops ARGS="profile --endpoint {base_url} --write"'
        )


class Recorder:
    def __init__(self, base_url: str, *, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()
        self.outputs: dict[str, Any] = self._get("/_local/outputs")

    # -- plumbing ------------------------------------------------------------------------------------

    def _get(self, path: str) -> Any:
        answer = self.http.get(self.base_url + path, timeout=10)
        if answer.status_code != 200:
            raise FlowError(f"GET {path} answered {answer.status_code}: {answer.text[:200]}")
        return answer.json()

    def _post(self, path: str, body: dict[str, Any], token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = self.http.post(self.base_url + path, json=body, headers=headers, timeout=10)
        if answer.status_code >= 300:
            raise FlowError(f"POST {path} answered {answer.status_code}: {answer.text[:200]}")
        return answer.json()

    def _until(self, what: str, check: Callable[[], Any], timeout: float | None = None) -> Any:
        deadline = time.monotonic() + (timeout or self.timeout)
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            time.sleep(0.1)
        raise FlowError(f"timed out waiting for {what}")

    def calls(self) -> dict[str, Any]:
        return dict(self._get("/_local/calls"))

    def reset(self) -> None:
        answer = self.http.post(self.base_url + "/_local/calls/reset", timeout=10)
        if answer.status_code >= 300:
            raise FlowError(f"resetting the call counters answered {answer.status_code}")

    def _settled(self) -> dict[str, Any]:
        """The counters once nothing has moved for half a second (the workflow finishes asynchronously)."""
        previous = self.calls()
        stable_since = time.monotonic()
        deadline = stable_since + self.timeout
        while time.monotonic() < deadline:
            time.sleep(0.1)
            current = self.calls()
            if current != previous:
                previous, stable_since = current, time.monotonic()
            elif time.monotonic() - stable_since >= 0.5:
                return current
        raise FlowError("the call counters never settled")

    # -- the flow --------------------------------------------------------------------------------------

    def start_request(self, message: str, index: int = 0) -> tuple[str, list[str]]:
        """A customer of the seeded reservation `index` from the end (one question per reservation waits at
        a time, and people trying the runtime start from the first) verifies their phone when the stack
        verifies, and asks; return the request id and the texts the flow sent (the code, then the link)."""
        reservation = self._get("/_local/reservations")[-1 - index]
        pair = {
            "customerPhone": reservation["customerPhone"],
            "reservationNumber": reservation["reservationNumber"],
        }
        texts_before = len(self._get("/_local/sms"))
        token = None
        if self._verifies():
            self._post("/api/verify", pair)
            code = self._until(
                "the verification code",
                lambda: next(
                    (
                        found
                        for text in self._get("/_local/sms")[texts_before:]
                        if text["to"] == pair["customerPhone"] and (found := _CODE.search(str(text["body"])))
                    ),
                    None,
                ),
            )
            token = self._post("/api/verify/confirm", {**pair, "code": code.group(1)})["customerToken"]
        created = self._post("/api/chat", {**pair, "message": message}, token)
        texts = self._until(
            "the partner's SMS",
            lambda: [t for t in self._get("/_local/sms")[texts_before:] if _LINK.search(str(t["body"]))],
        )
        sent = [str(t["body"]) for t in self._get("/_local/sms")[texts_before:]]
        del texts  # waited for: the link is among `sent`
        return str(created["requestId"]), sent

    def _verifies(self) -> bool:
        """Whether the deployed customer page asks for a code (its generated config says so)."""
        answer = self.http.get(self.base_url + "/config.js", timeout=10)
        return '"customerVerification": "off"' not in answer.text

    def _notified(self, request_id: str) -> dict[str, Any]:
        def written() -> Any:
            invocations = self.calls()["invocations"]
            return any("notification" in name and count for name, count in invocations.items())

        self._until("the notification", written, self.timeout)
        # The invocation is counted when it starts: let it finish writing before reading the request.
        self._settled()
        return dict(self._get(f"/api/requests/{request_id}"))

    def _transitions(self, request_id: str) -> int:
        """States the execution entered: what Standard workflows bill (read after the counters)."""
        machine = str(self.outputs["stateMachineArn"])
        execution = machine.replace(":stateMachine:", ":execution:") + f":{request_id}"
        region = machine.split(":")[3]
        client = boto3.client(
            "stepfunctions",
            endpoint_url=self.base_url,
            region_name=region,
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - the emulator accepts any signature
        )
        events = client.get_execution_history(executionArn=execution, maxResults=1000)["events"]
        return sum(1 for event in events if event["type"].endswith("StateEntered"))

    def _scenario(
        self, counters: dict[str, Any], view: dict[str, Any], sms: list[str], request_id: str
    ) -> Scenario:
        return Scenario(
            aws=counters["aws"],
            invocations=counters["invocations"],
            api=counters["api"],
            state_transitions=self._transitions(request_id) if request_id else 0,
            sms_bodies=tuple(placeholder_link(body) for body in sms),
            classified_locally=1 if view.get("intentSource") == "local" else 0,
            notifications=1 if view.get("notification") else 0,
        )

    def answered(self) -> tuple[Scenario, str]:
        self.reset()
        request_id, bodies = self.start_request("예약 시간을 오후 3시로 바꾸고 싶어요")
        token = _token(bodies[-1])
        self._check_wait(token)
        self._get(f"/api/confirm/{token}")
        self._post("/api/respond", {"token": token, "response": "accept"})
        view = self._notified(request_id)
        if view.get("status") != "Responded":
            raise FlowError(f"the answered request ended {view.get('status')}")
        return self._scenario(self._settled(), view, bodies, request_id), request_id

    def _check_wait(self, token: str) -> None:
        """Refuse early (before the unanswered flow) when the partner wait would outlast the recording."""
        expires_at = claimed_expiry(token)
        if expires_at is None:
            return
        wait = int(expires_at - time.time())
        if wait > self.timeout - 10:
            raise WaitTooLongError(wait, self.timeout, self.base_url)

    def timed_out(self) -> Scenario:
        self.reset()
        # Another reservation: its customer verifies too, so both flows cost what a first question costs.
        request_id, bodies = self.start_request("추가 서비스를 요청하고 싶어요", index=1)
        view = self._notified(request_id)
        if view.get("status") != "Timeout":
            raise FlowError(f"the unanswered request ended {view.get('status')}")
        return self._scenario(self._settled(), view, bodies, request_id)

    def status_read(self, request_id: str) -> Scenario:
        self.reset()
        self._get(f"/api/requests/{request_id}")
        counters = self._settled()
        return Scenario(aws=counters["aws"], invocations=counters["invocations"], api=counters["api"])


def _token(body: str) -> str:
    found = _LINK.search(body)
    if found is None:
        raise FlowError("the SMS carries no partner link")
    return found.group("token")


def placeholder_link(body: str) -> str:
    """The SMS with the local origin as `{linkBase}`, the token as x's of the same length, the deadline
    as the longest one and a verification code as 000000 (a recording does not depend on the run)."""
    body = _DEADLINE.sub(LONGEST_DEADLINE, body)
    body = _CODE.sub("인증번호 000000", body)
    return _LINK.sub(lambda m: f"{LINK_BASE}/r/{'x' * len(m.group('token'))}", body)


def record(base_url: str, *, timeout: float = 60.0) -> Profile:
    """Run an answered and an unanswered flow; the runtime's partner wait should be short (a few seconds)."""
    recorder = Recorder(base_url, timeout=timeout)
    answered, request_id = recorder.answered()
    status = recorder.status_read(request_id)
    timed_out = recorder.timed_out()
    recorded = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return Profile(answered=answered, timeout=timed_out, status_read=status, recorded=recorded)
