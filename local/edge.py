"""The parts of the edge CloudFront and AWS WAF apply before a request reaches an origin.

Played from what the program declares: the web ACL's rate-based rules (requests per client address over
the rule's evaluation window, answered with the rule's block response) and the origin's custom headers
(the secret CloudFront adds for the API). AWS's managed rule groups have no emulator: their rules are
AWS's own and unpublished, so they are named at startup and not played.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("local.edge")

_CONTENT_TYPES = {
    "APPLICATION_JSON": "application/json",
    "TEXT_PLAIN": "text/plain; charset=utf-8",
    "TEXT_HTML": "text/html; charset=utf-8",
}


@dataclass(frozen=True)
class Blocked:
    """The answer of a blocking rule."""

    rule: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class RateRule:
    """A rate-based rule aggregated on the client address: at most `limit` requests in any `window`."""

    name: str
    limit: int
    window: float
    block: Blocked
    clock: Callable[[], float] = time.monotonic
    _seen: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pruned: float = 0.0

    def check(self, address: str) -> Blocked | None:
        """Count this request and answer the block response once the address is over its limit.

        Every request the rule evaluates counts, blocked ones too, as on AWS: an address that keeps
        flooding stays blocked until its rate falls below the limit.
        """
        now = self.clock()
        with self._lock:
            seen = self._seen.setdefault(address, deque())
            while seen and seen[0] <= now - self.window:
                seen.popleft()
            seen.append(now)
            over = len(seen) > self.limit
            if now - self._pruned >= self.window:
                # Once a window, forget the addresses quiet for a whole one: a runtime left up for days
                # meets every address once and would keep each for good.
                self._pruned = now
                for quiet in [a for a, hits in self._seen.items() if hits[-1] <= now - self.window]:
                    del self._seen[quiet]
        return self.block if over else None


class WebAcl:
    """A declared web ACL, as far as it can be played: its rate-based rules on the client address."""

    def __init__(self, inputs: dict[str, Any], clock: Callable[[], float] = time.monotonic) -> None:
        bodies = {
            str(body["key"]): body for body in inputs.get("customResponseBodies") or [] if body.get("key")
        }
        self.rate_rules: list[RateRule] = []
        self.not_played: list[str] = []
        for rule in sorted(inputs.get("rules") or [], key=lambda r: int(r.get("priority", 0))):
            statement = rule.get("statement") or {}
            rate = statement.get("rateBasedStatement")
            if rate and rate.get("aggregateKeyType", "IP") == "IP" and not rate.get("scopeDownStatement"):
                self.rate_rules.append(
                    RateRule(
                        name=str(rule["name"]),
                        limit=int(rate["limit"]),
                        window=float(rate.get("evaluationWindowSec") or 300),
                        block=_block_response(str(rule["name"]), rule.get("action") or {}, bodies),
                        clock=clock,
                    )
                )
            else:
                self.not_played.append(str(rule.get("name")))

    def check(self, address: str) -> Blocked | None:
        for rule in self.rate_rules:
            blocked = rule.check(address)
            if blocked is not None:
                return blocked
        return None


def _block_response(rule: str, action: dict[str, Any], bodies: dict[str, dict[str, Any]]) -> Blocked:
    custom = (action.get("block") or {}).get("customResponse")
    if not custom:
        # WAF's default block answer.
        return Blocked(rule, 403, [("Content-Type", "text/html; charset=utf-8")], b"<h1>403 Forbidden</h1>")
    headers = [(str(h["name"]), str(h["value"])) for h in custom.get("responseHeaders") or []]
    body = b""
    key = custom.get("customResponseBodyKey")
    if key:
        declared = bodies.get(str(key))
        if declared is None:
            raise ValueError(
                f"web ACL rule {rule!r} names custom response body {key!r}, which is not declared"
            )
        body = str(declared["content"]).encode()
        headers.append(("Content-Type", _CONTENT_TYPES.get(str(declared.get("contentType")), "text/plain")))
    return Blocked(rule, int(custom["responseCode"]), headers, body)


def origin_headers(origin: dict[str, Any]) -> dict[str, str]:
    """The custom headers CloudFront adds to every request it sends `origin`."""
    return {str(h["name"]): str(h["value"]) for h in origin.get("customHeaders") or []}


def describe(acl: WebAcl) -> str:
    played = ", ".join(f"{r.name} ({r.limit} per {r.window:.0f} s per address)" for r in acl.rate_rules)
    line = f"web ACL: {played or 'no rate rule'}"
    if acl.not_played:
        line += f"; not played locally (no emulator): {', '.join(acl.not_played)}"
    return line
