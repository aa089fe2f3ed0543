"""Every request ends, exactly once, and its customer is told, whatever step fails (issue 11, section 4).

One local runtime with a short partner wait and sweep, and `BEDROCK=stand-in`: the notification function
keeps `notifier: bedrock` and its Converse calls reach the runtime's stand-in (`local/converse.py`), so the
notifier is a step that can fail like the others. For each step of the flow, a fault on the AWS calls
that step makes, once transient (the first attempts fail, then the call recovers) and once persistent (every
attempt fails for a while). Each cell is one question on a reservation of its own, and asserts:
- the request reaches a terminal status within wait + one sweep + margin (+ the fault's own duration);
- the customer has one notification, and it never changes once shown;
- the partner was texted at most once;
- clients saw no 5xx other than 503 UNAVAILABLE, and that only while a persistent fault lasted;
- a transient fault was spent (its attempts were made), and for the notifier, who wrote the message: the
  stand-in once Converse recovered, the built-in template while it kept failing.
Cells run one after another (faults are per function and operation, so cells in parallel would share them).
The matrix is printed as a table. The runtime's whole output is then scanned for secrets (section 5): link
tokens, task tokens, verification codes and full phone numbers.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from e2e_client import CODE, LINK, TERMINAL, LocalClient

from bench import soak
from components import seed_data
from local import converse
from local.testing import RunningSystem, running_process

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

WAIT = 6
SWEEP = 5
MARGIN = 3
PERSISTENT_SECONDS = 8.0
SLACK = 15.0  # the machine is shared: scheduling, the interpreter's polling


@dataclass(frozen=True)
class Step:
    name: str
    operation: str
    function: str
    when: str  # "ask": injected before the question; "confirm" / "respond": before the partner does that
    answers: bool = True
    # Attempts a transient fault fails: fewer than the step's client and code make (the notifier's Bedrock
    # client makes two, handlers/clients.py).
    transient_times: int = 2
    sources: dict[str, str] = field(default_factory=dict)  # expected notification source per kind


STEPS = (
    Step("intake store", "dynamodb.TransactWriteItems", "intake", "ask"),
    Step("orchestrator lookup", "dynamodb.Query", "orchestrator", "ask"),
    Step("StartExecution", "states.StartExecution", "orchestrator", "ask"),
    Step("SNS publish", "sns.Publish", "sms_sender", "ask"),
    Step("SMS record", "dynamodb.TransactWriteItems", "sms_sender", "ask"),
    Step("confirm read", "dynamodb.*", "partner_response", "confirm"),
    Step("respond transaction", "dynamodb.TransactWriteItems", "partner_response", "respond"),
    Step("SendTaskSuccess", "states.SendTaskSuccess", "partner_response", "respond"),
    Step("timeout handler", "dynamodb.*", "timeout", "ask", answers=False),
    Step("notification store", "dynamodb.*", "notification", "ask"),
    Step(
        "notifier",
        converse.OPERATION,
        "notification",
        "ask",
        transient_times=1,
        sources={"transient": "model", "persistent": "template"},
    ),
)
KINDS = {
    "transient": {"error": "ThrottlingException", "times": 2},
    "persistent": {"error": "InternalServerError", "seconds": PERSISTENT_SECONDS},
}


@dataclass
class Cell:
    step: Step
    kind: str
    request_id: str | None = None
    status: str = "-"
    seconds: float = 0.0
    texts: int = 0
    notifications: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)
    spent: bool | None = None  # a transient fault's attempts were all made (None: persistent)
    bad_answers: list[str] = field(default_factory=list)
    unavailable: int = 0


@pytest.fixture(scope="module")
def system() -> Iterator[RunningSystem]:
    env = {
        "SWEEP_SECONDS": str(SWEEP),
        "SWEEP_MARGIN_SECONDS": str(MARGIN),
        converse.OPTION: converse.STAND_IN,
    }
    with running_process(wait_seconds=WAIT, extra_env=env) as running:
        yield running


class Recorder:
    """A customer and a partner who note every HTTP answer they get."""

    def __init__(self, client: LocalClient, cell: Cell, fault_ends: float) -> None:
        self.client, self.cell, self.fault_ends = client, cell, fault_ends

    def seen(self, answer: requests.Response, what: str) -> requests.Response:
        if answer.status_code >= 500:
            code = (
                answer.json().get("error")
                if answer.headers.get("Content-Type", "").startswith("application/json")
                else None
            )
            if (
                answer.status_code == 503
                and code == "UNAVAILABLE"
                and time.monotonic() <= self.fault_ends + 2
            ):
                self.cell.unavailable += 1
            else:
                self.cell.bad_answers.append(f"{what}: {answer.status_code} {answer.text[:120]}")
        return answer


def _run(client: LocalClient, faults_url: str, cell: Cell, row: seed_data.SeedReservation) -> None:
    spec = {"operation": cell.step.operation, "function": cell.step.function, **KINDS[cell.kind]}
    if cell.kind == "transient":
        spec["times"] = cell.step.transient_times

    def inject() -> float:
        answer = requests.post(faults_url, json=spec, timeout=10)
        assert answer.status_code == 201, answer.text
        return time.monotonic() + (PERSISTENT_SECONDS if cell.kind == "persistent" else 0.0)

    # The customer verifies before any fault (from an address of their own: code requests count per address).
    pair = {"reservationNumber": row.reservation_number, "customerPhone": row.customer_phone}
    customer_token = client.verify(pair, f"127.0.4.{int(row.reservation_number[-5:]) % 250 + 1}")
    started = time.monotonic()
    recorder = Recorder(client, cell, fault_ends=started)
    if cell.step.when == "ask":
        recorder.fault_ends = inject()
    body = {
        "customerPhone": row.customer_phone,
        "reservationNumber": row.reservation_number,
        "message": "예약 날짜를 바꿀 수 있을까요",
    }
    while True:  # a customer whose question was refused with 503 asks again once the page says so
        asked = recorder.seen(client.chat(body, token=customer_token), "POST /chat")
        if asked.status_code == 202 or time.monotonic() > started + PERSISTENT_SECONDS + SLACK:
            break
        time.sleep(1)
    assert asked.status_code == 202, asked.text
    cell.request_id = request_id = str(asked.json()["requestId"])
    deadline = time.monotonic() + PERSISTENT_SECONDS + WAIT + SWEEP + MARGIN + SLACK

    def texts() -> list[dict[str, str]]:
        return [t for t in client.sms() if t["to"] == row.partner_phone]

    def status() -> dict[str, Any] | None:
        answer = recorder.seen(
            client.http.get(f"{client.base_url}/api/requests/{request_id}", timeout=30), "GET /requests"
        )
        if answer.status_code != 200:
            return None
        found = answer.json()
        if found.get("notification"):
            cell.notifications.add(found["notification"]["message"])
            cell.sources.add(str(found["notification"].get("source")))
        return dict(found)

    if cell.step.answers:
        token = None
        while token is None and time.monotonic() < deadline:
            sent = texts()
            match = LINK.search(sent[-1]["body"]) if sent else None
            token = match["token"] if match else None
            current = status()
            if token is None and current and current["status"] in TERMINAL:
                break
            time.sleep(0.3)
        if token is not None:
            if cell.step.when == "confirm":
                recorder.fault_ends = inject()
            while time.monotonic() < deadline:
                opened = recorder.seen(client.confirm(token), "GET /confirm")
                if opened.status_code != 503:
                    break
                time.sleep(1)
            if cell.step.when == "respond":
                recorder.fault_ends = inject()
            while time.monotonic() < deadline:
                answered = recorder.seen(client.respond(token, "accept"), "POST /respond")
                if answered.status_code != 503:
                    break
                time.sleep(1)
    final = None
    while time.monotonic() < deadline:
        current = status()
        if current and current["status"] in TERMINAL and current.get("notification"):
            final = current
            break
        time.sleep(0.5)
    cell.seconds = time.monotonic() - started
    cell.status = final["status"] if final else (current or {}).get("status", "?")
    time.sleep(1)
    status()  # the notification, read once more: it must not have changed
    cell.texts = len(texts())
    if cell.kind == "transient":
        cell.spent = requests.get(faults_url, timeout=10).json() == []
    requests.delete(faults_url, timeout=10)


@pytest.fixture(scope="module")
def matrix(system: RunningSystem) -> list[Cell]:
    cells = [Cell(step, kind) for step in STEPS for kind in KINDS]
    rows = soak.reservations(len(cells))
    soak.seed(system.base_url, rows)
    faults_url = f"{system.base_url}/_local/faults"
    for cell, row in zip(cells, rows, strict=True):
        # Each cell is a customer of its own, on their own address (the edge counts requests per address).
        _run(LocalClient(system.base_url), faults_url, cell, row)
    print("\n" + _table(cells))
    return cells


def _table(cells: list[Cell]) -> str:
    lines = [
        f"{'step':<22} {'fault':<11} {'spent':<5} {'status':<10} {'s':>5} {'texts':>5} {'notif.':>6} "
        f"{'source':<9} {'503s':>5}  problems"
    ]
    for cell in cells:
        spent = "-" if cell.spent is None else "yes" if cell.spent else "NO"
        lines.append(
            f"{cell.step.name:<22} {cell.kind:<11} {spent:<5} {cell.status:<10} {cell.seconds:>5.1f} "
            f"{cell.texts:>5} {len(cell.notifications):>6} {','.join(sorted(cell.sources)) or '-':<9} "
            f"{cell.unavailable:>5}  {'; '.join(cell.bad_answers) or '-'}"
        )
    return "\n".join(lines)


@pytest.mark.parametrize(
    "index", range(len(STEPS) * len(KINDS)), ids=[f"{s.name}-{k}" for s in STEPS for k in KINDS]
)
def test_the_request_ends_once_and_its_customer_is_told(matrix: list[Cell], index: int) -> None:
    cell = matrix[index]

    assert cell.status in TERMINAL, _table([cell])
    assert len(cell.notifications) == 1, _table([cell])
    assert cell.texts <= 1, _table([cell])
    assert not cell.bad_answers, _table([cell])
    assert cell.spent is not False, _table([cell])  # the fault met the step: the cell tested something
    if cell.kind in cell.step.sources:
        assert cell.sources == {cell.step.sources[cell.kind]}, _table([cell])


def test_the_banner_and_the_calls_say_the_stand_in_answered_converse(
    system: RunningSystem, matrix: list[Cell]
) -> None:
    # The same runtime: started with BEDROCK=stand-in, it says so, and the notifier's calls reached it.
    banner = system.printed()
    calls = requests.get(f"{system.base_url}/_local/calls", timeout=10).json()["aws"]

    assert "to a local Converse stand-in that" in banner
    assert "no model runs (BEDROCK=stand-in" in banner
    assert calls.get(converse.OPERATION, 0) >= sum(1 for cell in matrix if cell.sources == {"model"}) > 0


# -- section 5: nothing secret in anything the runtime printed --------------------------------------------

_PHONES = re.compile(r"(?<!\d)(?:\+82|0)1[016789][\s.-]?\d{3,4}[\s.-]?\d{4}(?!\d)")


def _standalone(values: set[str], printed: str) -> list[str]:
    """The values that appear in `printed` on their own (not inside a longer run of letters or digits:
    a six-digit code is found in "code=123456", never inside a hex id, a timestamp or a decimal fraction)."""
    return sorted(v for v in values if re.search(rf"(?<![0-9A-Za-z.]){re.escape(v)}(?![0-9A-Za-z])", printed))


def test_no_log_line_holds_a_token_a_code_or_a_phone_number(
    system: RunningSystem, matrix: list[Cell]
) -> None:
    client = LocalClient(system.base_url)
    tokens = {match["token"] for text in client.sms() if (match := LINK.search(text["body"]))}
    codes = {match["code"] for text in client.sms() if (match := CODE.search(text["body"]))}
    dynamodb = soak_client(system.base_url)
    table = client.outputs()["tableName"]
    task_tokens = {
        item["taskToken"]["S"]
        for page in dynamodb.get_paginator("scan").paginate(TableName=table)
        for item in page["Items"]
        if "taskToken" in item
    }
    # The web server's own error line carries the raw request line: a token in it must be masked too.
    token = next(iter(tokens))
    with socket_to(system.base_url) as raw:
        raw.sendall(f"GET /r/{token} extra HTTP/1.1\r\n\r\n".encode())  # 400 Bad request syntax
        raw.recv(1024)
    time.sleep(0.5)
    output = system.printed()
    # The start-up banner names the demo reservations' phones on purpose, for the person trying it: no log.
    banner_start, banner_end = output.index("ready in "), output.index("press Ctrl-C to stop.")
    printed = output[:banner_start] + output[banner_end:]

    assert tokens
    assert task_tokens
    assert len(codes) >= len(matrix)  # every cell's customer verified with a code of their own
    assert [t for t in tokens if t in printed] == []
    assert [t for t in task_tokens if t in printed] == []
    assert _standalone(codes, printed) == []
    assert _PHONES.findall(printed) == []


def test_the_log_scan_would_find_a_code_that_leaked() -> None:
    # The scan itself: a code printed as a value is found; the same digits inside ids and times are not.
    assert _standalone({"123456"}, '{"message": "code sent", "code": "123456"}') == ["123456"]
    assert _standalone({"123456"}, "인증번호 123456 (5분)") == ["123456"]
    assert _standalone({"123456"}, '"id": "a123456f", "Timestamp": 1796123456000, "t": 0.123456') == []


def soak_client(base_url: str) -> Any:
    from e2e_client import emulator_client

    return emulator_client(base_url, "dynamodb")


def socket_to(base_url: str) -> Any:
    import socket

    host, port = base_url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)
