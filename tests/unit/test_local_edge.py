"""The local web ACL's rate rule: counts per address in a sliding window, and forgets quiet addresses."""

from __future__ import annotations

from local.edge import Blocked, RateRule

BLOCKED = Blocked(rule="rate-per-address", status=429, headers=[], body=b"{}")


def _rule(now: list[float]) -> RateRule:
    return RateRule("rate-per-address", limit=2, window=60.0, block=BLOCKED, clock=lambda: now[0])


def test_an_address_over_its_limit_is_blocked_until_its_window_passes() -> None:
    now = [1000.0]
    rule = _rule(now)

    assert [rule.check("a") for _ in range(3)] == [None, None, BLOCKED]
    now[0] += 61
    assert rule.check("a") is None


def test_addresses_quiet_for_a_whole_window_are_forgotten() -> None:
    now = [1000.0]
    rule = _rule(now)
    for address in ("a", "b"):
        rule.check(address)

    now[0] += 61
    rule.check("c")

    assert set(rule._seen) == {"c"}
