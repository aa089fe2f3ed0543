"""`POST /verify` and `POST /verify/confirm`: prove the reservation's phone with a one-time code.

`/verify` answers the same body, after about the same time, whether or not the pair exists: it never tells
a stranger that a reservation number and phone belong together. Code texts are limited per reservation
(silently: a refusal would tell that the pair is real) and per address (429, for any pair).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from handlers import clock as wall_clock
from handlers.adapters.sms import SmsSender
from handlers.models import customer_token
from handlers.models.errors import (
    CodeInvalidError,
    CodeLockedError,
    SmsDeliveryError,
    SmsOutcomeUnknownError,
)
from handlers.models.messages import VERIFY_ACCEPTED, code_sms_body
from handlers.models.sms_parts import parts
from handlers.models.verification import CustomerTokenAnswer, VerifyAccepted, VerifyConfirm, VerifyRequest
from handlers.observability import count, logger
from handlers.store.guards import Guards
from handlers.store.table import Store
from handlers.usecases.limits import check_address, check_budget_left, spend_budget

CODE_SECONDS = 300
CODE_MAX_TRIES = 5
TOKEN_SECONDS = 1800
CODE_WINDOW_SECONDS = 600
# Every `/verify` answer leaves no earlier than this after the request arrived, so a real pair (lookup,
# code item, budget, SMS) and an unknown one (lookup only) take the same time from outside.
VERIFY_FLOOR_SECONDS = 0.8


def request_code(
    body: VerifyRequest,
    source_ip: str,
    *,
    store: Store,
    guards: Guards,
    sms: SmsSender,
    keys: tuple[bytes, ...],
    codes_per_reservation: int,
    codes_per_address: int,
    sms_daily_budget_parts: int,
    started: float,
    clock: Callable[[], float] | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> VerifyAccepted:
    """`started`: `monotonic()` when the request arrived (the floor is measured from there)."""
    clock = clock or wall_clock.now
    check_address(guards, "code-address", source_ip, codes_per_address, CODE_WINDOW_SECONDS, clock())
    check_budget_left(guards, sms_daily_budget_parts, clock())
    reservation = store.find_reservation(body.reservationNumber, body.customerPhone)
    if reservation is not None:
        _text_code(
            body,
            store=store,
            guards=guards,
            sms=sms,
            key=keys[0],
            per_reservation=codes_per_reservation,
            budget=sms_daily_budget_parts,
            clock=clock,
        )
    else:
        count("VerificationUnknownPair")
    left = VERIFY_FLOOR_SECONDS - (monotonic() - started)
    if left > 0:
        sleep(left)
    return VerifyAccepted(message=VERIFY_ACCEPTED)


def _text_code(
    body: VerifyRequest,
    *,
    store: Store,
    guards: Guards,
    sms: SmsSender,
    key: bytes,
    per_reservation: int,
    budget: int,
    clock: Callable[[], float],
) -> None:
    now = clock()
    verdict = guards.take(
        "code-reservation", body.reservationNumber, per_reservation, CODE_WINDOW_SECONDS, now
    )
    if not verdict.allowed:
        # Told to nobody: a 429 here would say the pair is real. The page explains the limit up front.
        count("VerificationCodeLimited")
        logger().info("code texts for this reservation are at their limit")
        return
    code = customer_token.new_code()
    pair = customer_token.pair_digest(body.reservationNumber, body.customerPhone)
    text = code_sms_body(code)
    spend_budget(guards, parts(text), budget, now)
    guards.put_code(
        pair,
        customer_token.code_digest(key, body.reservationNumber, body.customerPhone, code),
        now,
        int(now) + CODE_SECONDS,
    )
    try:
        sms.send(body.customerPhone, text)
    except SmsDeliveryError:
        count("VerificationCodeFailed")
        logger().exception("verification code not delivered")
        return  # same answer: the customer asks for a new code
    except SmsOutcomeUnknownError:
        # SNS may have texted the code without saying so: the same 202 (a 500 here told nothing more);
        # the code stands, and a customer whose text never came asks for a new one.
        logger().warning("SNS did not answer the code's publish; treated as sent")
        count("SmsOutcomeUnknown")
        return
    count("VerificationCodeSent")


def confirm_code(
    body: VerifyConfirm,
    *,
    guards: Guards,
    keys: tuple[bytes, ...],
    clock: Callable[[], float] | None = None,
) -> CustomerTokenAnswer:
    clock = clock or wall_clock.now
    now = clock()
    pair = customer_token.pair_digest(body.reservationNumber, body.customerPhone)
    stored = guards.get_code(pair)
    if stored is None or int(stored.get("expiresAt", 0)) <= int(now):
        count("VerificationCodeInvalid")
        raise CodeInvalidError("no live code for this pair")
    if int(stored.get("attempts", 0)) >= CODE_MAX_TRIES:
        raise CodeLockedError(retry_after=int(stored["expiresAt"]) - int(now))
    digest = str(stored["codeDigest"])
    if not customer_token.code_matches(keys, digest, body.reservationNumber, body.customerPhone, body.code):
        count("VerificationCodeInvalid")
        guards.count_wrong_try(pair, digest, CODE_MAX_TRIES)
        raise CodeInvalidError("wrong code")
    if not guards.use_code(pair, digest, CODE_MAX_TRIES, now):
        raise CodeInvalidError("code replaced, used or locked meanwhile")
    token = customer_token.issue(
        keys[0], body.reservationNumber, body.customerPhone, int(now) + TOKEN_SECONDS
    )
    count("CustomerVerified")
    expires = datetime.fromtimestamp(token.expires_at, UTC).isoformat().replace("+00:00", "Z")
    return CustomerTokenAnswer(customerToken=token.value, expiresAt=expires)
