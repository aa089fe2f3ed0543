"""A customer, a partner and an observer of the local system, talking HTTP only."""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import boto3
import requests
import urllib3
from requests.adapters import HTTPAdapter

T = TypeVar("T")

HANGUL = re.compile(r"[가-힣]")
LINK = re.compile(r"https?://\S+/r/(?P<token>[A-Za-z0-9_-]+)")
CODE = re.compile(r"인증번호 (?P<code>[0-9]{6})")
# Verification and every limit are on in `make local`; the tests that are not about the per-address code
# limit run many customers from one address, so their runtimes raise that one limit.
RELAXED = ("--config", "codeTextsPerAddress=1000")
TERMINAL = {"Responded", "Timeout", "Failed"}
# How often a client asks for a request's status: as a page would, well within the edge's rate per address.
STATUS_POLL_SECONDS = 1.0

_addresses = itertools.count()
_addresses_lock = threading.Lock()


def visitor_address() -> str:
    """A loopback address of its own (Linux routes all of 127/8 to loopback): one visitor, as the edge's
    rate per address sees them. 127.0.1.x is left to tests that number their customers themselves."""
    with _addresses_lock:
        n = next(_addresses)
    return f"127.0.{100 + n // 250}.{n % 250 + 1}"


class _FromAddress(HTTPAdapter):
    """Connections that leave from one source address."""

    def __init__(self, address: str) -> None:
        self._address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self._address, 0)
        super().init_poolmanager(*args, **kwargs)


def wait_for(probe: Callable[[], T | None], *, timeout: float, what: str, interval: float = 0.2) -> T:
    """Poll `probe` until it returns something truthy; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def emulator_client(base_url: str, service: str) -> Any:
    """A boto3 client for the local runtime's emulator (it accepts any credentials)."""
    return boto3.client(
        service,
        endpoint_url=base_url,
        region_name="ap-northeast-2",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


class LocalClient:
    """One visitor (customer and partner in one, for short flows), from its own loopback address."""

    def __init__(
        self, base_url: str, address: str | None = None, tokens: dict[tuple[str, str], str] | None = None
    ) -> None:
        self.base_url = base_url
        self.address = address or visitor_address()
        self.http = requests.Session()
        # Customer tokens by (reservation, phone): a customer verified once may ask again from anywhere.
        self._tokens: dict[tuple[str, str], str] = {} if tokens is None else tokens
        self.http.mount("http://", _FromAddress(self.address))

    # -- customer ---------------------------------------------------------------------------------

    def chat(self, body: dict[str, Any] | str, token: str | None = None) -> requests.Response:
        data = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.post(f"{self.base_url}/api/chat", data=data.encode(), headers=headers, timeout=30)

    def post_from(
        self, source_ip: str | None, path: str, body: dict[str, Any], token: str | None = None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """POST `/api{path}` from `source_ip` (a customer on their own address: limits count per address)."""
        host, port = self.base_url.removeprefix("http://").split(":")
        # Without an address of its own, the request leaves from this visitor's.
        source = (source_ip or self.address, 0)
        pool = urllib3.HTTPConnectionPool(host, int(port), source_address=source, timeout=60.0)
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        try:
            answer = pool.request(
                "POST",
                f"/api{path}",
                body=json.dumps(body, ensure_ascii=False).encode(),
                headers=headers,
                retries=False,
            )
            return answer.status, json.loads(answer.data), dict(answer.headers)
        finally:
            pool.close()

    def chat_from(
        self, source_ip: str, body: dict[str, Any], token: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        status, data, _ = self.post_from(source_ip, "/chat", body, token)
        return status, data

    def codes_to(self, phone: str) -> list[str]:
        """The verification codes texted to `phone`, oldest first (the local SMS outbox)."""
        return [m["code"] for t in self.sms() if t["to"] == phone and (m := CODE.search(t["body"]))]

    def request_code(self, reservation: dict[str, Any], source_ip: str | None = None) -> str:
        """Ask for a code as the customer and read it from the outbox, as the customer reads their phone."""
        phone = str(reservation["customerPhone"])
        before = len(self.codes_to(phone))
        pair = {"reservationNumber": reservation["reservationNumber"], "customerPhone": phone}
        status, data, _ = self.post_from(source_ip, "/verify", pair)
        assert status == 202, data
        codes = wait_for(
            lambda: codes if len(codes := self.codes_to(phone)) > before else None,
            timeout=60,
            what=f"the verification code for {reservation['reservationNumber']}",
        )
        return codes[-1]

    def verify(self, reservation: dict[str, Any], source_ip: str | None = None) -> str:
        """A customer token for the reservation (verified once, then reused within its life)."""
        pair = (str(reservation["reservationNumber"]), str(reservation["customerPhone"]))
        if pair not in self._tokens:
            code = self.request_code(reservation, source_ip)
            body = {"reservationNumber": pair[0], "customerPhone": pair[1], "code": code}
            status, data, _ = self.post_from(source_ip, "/verify/confirm", body)
            assert status == 200, data
            self._tokens[pair] = str(data["customerToken"])
        return self._tokens[pair]

    def ask(self, reservation: dict[str, Any], message: str = "예약 날짜를 바꿀 수 있을까요") -> str:
        answer = self.chat(
            {
                "customerPhone": reservation["customerPhone"],
                "reservationNumber": reservation["reservationNumber"],
                "message": message,
            },
            token=self.verify(reservation),
        )
        assert answer.status_code == 202, answer.text
        return str(answer.json()["requestId"])

    def status(self, request_id: str) -> dict[str, Any]:
        answer = self.http.get(f"{self.base_url}/api/requests/{request_id}", timeout=30)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def wait_for_notification(self, request_id: str, *, timeout: float) -> dict[str, Any]:
        """The request's final answer: a terminal status with the customer's notification."""

        def probe() -> dict[str, Any] | None:
            status = self.status(request_id)
            return status if status["notification"] and status["status"] in TERMINAL else None

        return wait_for(
            probe,
            timeout=timeout,
            what=f"the notification of request {request_id}",
            interval=STATUS_POLL_SECONDS,
        )

    # -- partner ----------------------------------------------------------------------------------

    def confirm(self, token: str) -> requests.Response:
        return self.http.get(f"{self.base_url}/api/confirm/{token}", timeout=30)

    def respond(self, token: str, response: str, alternative_time: str | None = None) -> requests.Response:
        body: dict[str, Any] = {"token": token, "response": response}
        if alternative_time is not None:
            body["alternativeTime"] = alternative_time
        return self.http.post(f"{self.base_url}/api/respond", json=body, timeout=30)

    def partner_texts(self) -> list[dict[str, str]]:
        """The texts that carry a partner link (the outbox also holds customers' codes)."""
        return [text for text in self.sms() if LINK.search(text["body"])]

    def link_token(self, request_id: str, *, timeout: float) -> str:
        """The token of the link texted for `request_id`, found the way a partner would: open the links."""
        seen: set[str] = set()

        def probe() -> str | None:
            for message in reversed(self.partner_texts()):
                match = LINK.search(message["body"])
                if match is None or match["token"] in seen:
                    continue
                seen.add(match["token"])
                if self.confirm(match["token"]).json().get("requestId") == request_id:
                    return match["token"]
            return None

        return wait_for(probe, timeout=timeout, what=f"the partner's SMS for request {request_id}")

    # -- observer ---------------------------------------------------------------------------------

    def sms(self) -> list[dict[str, str]]:
        answer = self.http.get(f"{self.base_url}/_local/sms", timeout=30)
        assert answer.status_code == 200, answer.text
        return list(answer.json())

    def reservations(self) -> list[dict[str, Any]]:
        return list(self.http.get(f"{self.base_url}/_local/reservations", timeout=30).json())

    def outputs(self) -> dict[str, Any]:
        return dict(self.http.get(f"{self.base_url}/_local/outputs", timeout=30).json())

    def stored_request_count(self) -> int:
        """Request items in the table, read through the emulator's DynamoDB API."""
        dynamodb = emulator_client(self.base_url, "dynamodb")
        pages = dynamodb.get_paginator("scan").paginate(
            TableName=self.outputs()["tableName"],
            FilterExpression="begins_with(PK, :request)",
            ExpressionAttributeValues={":request": {"S": "REQ#"}},
            Select="COUNT",
        )
        return sum(page["Count"] for page in pages)
