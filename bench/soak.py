"""`make soak`: N complete flows through the local runtime, watching its memory and latency from outside.

Each flow is a customer asking about a reservation of their own (N distinct reservations, each with its own
customer and partner phone), the partner opening the texted link and accepting, and the customer reading
the notification. Every 100 flows it prints the runtime's resident memory (read after a few idle seconds,
once the runtime's upkeep has run) and the median flow latency (question to notification). It fails when
memory grows by more than 20 MB per 500 flows after the first 100, or when the last 100 flows' median
latency exceeds the first 100's by more than 25%.

    make soak                   # 500 flows
    make soak ARGS="--flows 2000 --concurrency 8"
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import boto3
import requests

from components import seed_data
from local.emulator import COMPACT_EVERY_SECONDS
from local.testing import RunningSystem, running_process

BATCH = 100
MEMORY_GROWTH_LIMIT_MB = 20.0  # per 500 flows, after the first 100
LATENCY_GROWTH_LIMIT = 0.25  # last 100 flows' median against the first 100's
FLOW_TIMEOUT = 60.0
# Memory is read once the runtime has been idle through two of its upkeep passes (local/server.py keep_up):
# what it keeps, not the garbage of the flows that just ended.
SETTLE_SECONDS = 2 * COMPACT_EVERY_SECONDS + 1


@dataclass
class Batch:
    flows: int
    resident_mb: float
    median_seconds: float


@dataclass
class SoakResult:
    batches: list[Batch] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def reservations(count: int) -> list[seed_data.SeedReservation]:
    """`count` reservations shaped like the demo ones, each with its own customer and partner phone."""
    template = seed_data.RESERVATIONS[0]
    return [
        replace(
            template,
            reservation_number=f"RSV-SOAK-{index:05d}",
            customer_id=f"C-SOAK-{index:05d}",
            customer_phone=f"+82105{index:07d}",
            partner_id=f"P-SOAK-{index:05d}",
            partner_phone=f"+82109{index:07d}",
        )
        for index in range(count)
    ]


def seed(base_url: str, rows: list[seed_data.SeedReservation]) -> None:
    """Load the rows through the emulator's DynamoDB API, as the ConfirmationTable's seed items are."""
    outputs = requests.get(f"{base_url}/_local/outputs", timeout=30).json()
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=base_url,
        region_name="ap-northeast-2",
        aws_access_key_id="test",
        aws_secret_access_key="test",  # noqa: S106 - the emulator takes any credentials
    )
    for start in range(0, len(rows), 25):
        requests_ = [{"PutRequest": {"Item": seed_data.typed_item(row)}} for row in rows[start : start + 25]]
        dynamodb.batch_write_item(RequestItems={outputs["tableName"]: requests_})


class Flows:
    """One customer and one partner per reservation, over HTTP."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._local = threading.local()
        self._sms_lock = threading.Lock()
        self._sms: dict[str, str] = {}  # partner phone -> last text body
        self._sms_seen = 0

    @property
    def http(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def _text_to(self, phone: str) -> str | None:
        with self._sms_lock:
            if phone not in self._sms:
                # Only what is new: the whole outbox grows with every flow, and the soak measures the runtime.
                url = f"{self.base_url}/_local/sms?since={self._sms_seen}"
                texts = self.http.get(url, timeout=30).json()
                for text in texts:
                    self._sms[text["to"]] = text["body"]
                self._sms_seen += len(texts)
            return self._sms.get(phone)

    def run(self, index: int, row: seed_data.SeedReservation) -> float:
        started = time.monotonic()
        source = f"127.{1 + index // 65000}.{index // 250 % 250}.{1 + index % 250}"
        pair = {"customerPhone": row.customer_phone, "reservationNumber": row.reservation_number}
        # The customer proves the phone first: a code texted to it buys the token `/chat` needs.
        self._post_from(source, "/api/verify", pair, 202)
        text = _poll(lambda: self._text_to(row.customer_phone), f"the code for {row.reservation_number}")
        code = text.split("인증번호 ", 1)[1][:6]
        token = self._post_from(source, "/api/verify/confirm", {**pair, "code": code}, 200)["customerToken"]
        answer = self._post_from(
            source,
            "/api/chat",
            {**pair, "message": "예약 시간을 오후로 옮기고 싶습니다"},
            202,
            {"Authorization": f"Bearer {token}"},
        )
        request_id = answer["requestId"]
        body = _poll(lambda: self._text_to(row.partner_phone), f"the partner's SMS for {request_id}")
        token = body.rsplit("/r/", 1)[1].split()[0]
        opened = self.http.get(f"{self.base_url}/api/confirm/{token}", timeout=30)
        if opened.status_code != 200:
            raise RuntimeError(f"GET /confirm answered {opened.status_code}: {opened.text}")
        responded = self.http.post(
            f"{self.base_url}/api/respond", json={"token": token, "response": "accept"}, timeout=30
        )
        if responded.status_code != 200:
            raise RuntimeError(f"POST /respond answered {responded.status_code}: {responded.text}")

        def notified() -> bool:
            status = self.http.get(f"{self.base_url}/api/requests/{request_id}", timeout=30).json()
            return bool(status.get("notification")) and status.get("status") == "Responded"

        _poll(notified, f"the notification of {request_id}")
        return time.monotonic() - started

    def _post_from(
        self,
        source: str,
        path: str,
        body: dict[str, Any],
        expected: int,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        # Each customer from their own loopback address: the intake's rate limit counts per address.
        import urllib3

        host, port = self.base_url.removeprefix("http://").split(":")
        pool = urllib3.HTTPConnectionPool(host, int(port), source_address=(source, 0), timeout=30.0)
        try:
            answer = pool.request("POST", path, json=body, headers=headers, retries=False)
        finally:
            pool.close()
        if answer.status != expected:
            raise RuntimeError(f"POST {path} answered {answer.status}: {answer.data[:300]!r}")
        return dict(answer.json())


# Every flow texts a code (1 part) and a link (2 parts): the day's budget must hold them all. The partner's
# calls and the status polls of every flow come from one address, far past the web ACL's 100 a minute: the
# soak measures the runtime, not the rate rule (tests/e2e/test_edge_flood.py does that).
SOAK_ARGS = ("--config", "smsDailyBudgetParts=100000", "--config", "wafRateLimit=1000000")


def _poll(probe: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + FLOW_TIMEOUT
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.2)
    raise RuntimeError(f"timed out after {FLOW_TIMEOUT:.0f} s waiting for {what}")


def soak(
    system: RunningSystem,
    flows: int,
    *,
    concurrency: int = 4,
    say: Callable[[str], None] = print,
    memory_limit_mb: float = MEMORY_GROWTH_LIMIT_MB,
) -> SoakResult:
    """Run `flows` flows (a multiple of 100, at least 200) against a running system and judge them."""
    if flows < 2 * BATCH or flows % BATCH:
        raise ValueError(f"flows must be a multiple of {BATCH} and at least {2 * BATCH}")
    rows = reservations(flows)
    seed(system.base_url, rows)
    client = Flows(system.base_url)
    result = SoakResult()
    say(f"{'flows':>6} {'RSS MB':>8} {'median s':>9}")
    say(f"{0:>6} {system.resident_bytes() / 2**20:>8.1f}")
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for start in range(0, flows, BATCH):
            latencies = list(pool.map(client.run, range(start, start + BATCH), rows[start : start + BATCH]))
            time.sleep(SETTLE_SECONDS)
            batch = Batch(start + BATCH, system.resident_bytes() / 2**20, statistics.median(latencies))
            result.batches.append(batch)
            say(f"{batch.flows:>6} {batch.resident_mb:>8.1f} {batch.median_seconds:>9.3f}")
    first, last = result.batches[0], result.batches[-1]
    growth = (last.resident_mb - first.resident_mb) * 500 / (last.flows - first.flows)
    say(f"memory after the first {BATCH}: {growth:+.1f} MB per 500 flows (limit {memory_limit_mb:g})")
    slower = last.median_seconds / first.median_seconds - 1
    say(
        f"median latency, last {BATCH} flows against the first: {slower:+.0%} "
        f"(limit +{LATENCY_GROWTH_LIMIT:.0%})"
    )
    if growth > memory_limit_mb:
        result.failures.append(f"memory grew {growth:.1f} MB per 500 flows")
    if slower > LATENCY_GROWTH_LIMIT:
        result.failures.append(f"the last {BATCH} flows' median latency is {slower:.0%} above the first's")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--flows", type=int, default=500, help="multiple of 100, >= 200 (default 500)")
    parser.add_argument("--concurrency", type=int, default=4, help="flows in flight at once (default 4)")
    args = parser.parse_args(argv)
    print(f"starting the local runtime for {args.flows} flows, {args.concurrency} at a time…", flush=True)
    with running_process(wait_seconds=60, args=SOAK_ARGS) as system:
        result = soak(system, args.flows, concurrency=args.concurrency, say=lambda s: print(s, flush=True))
    for failure in result.failures:
        print(f"FAILED: {failure}")
    print("soak passed" if result.passed else "soak failed")
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
