"""Domain errors. The API layer maps each one to its HTTP status, code and Korean message in one place."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a customer or partner can be told about."""


class TokenInvalidError(DomainError):
    """The link token is malformed, forged or unknown."""


class TokenExpiredError(DomainError):
    """The link token's lifetime is over."""


class TokenUsedError(DomainError):
    """The link token was already used to answer."""


class WaitEndedError(DomainError):
    """The request no longer waits for the partner (timed out or failed)."""


class RequestNotFoundError(DomainError):
    """No request with this id."""


class RateLimitedError(DomainError):
    """Too many requests from one client in the sliding window; `retry_after` seconds until one frees up."""

    def __init__(self, message: str = "rate limit reached", retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class SmsDeliveryError(DomainError):
    """SNS refused the partner SMS after every retry: the workflow task fails."""


class SmsOutcomeUnknownError(DomainError):
    """SNS took the request but its answer never came (read timeout, connection dropped): the partner may
    have the text, so it is never sent again."""


class ReservationMismatchError(DomainError):
    """No reservation with this number and phone (deliberately one error for both cases)."""


class InvalidInputError(DomainError):
    """A body that parses but breaks a rule pydantic cannot check alone (e.g. a time in the past)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class UnavailableError(DomainError):
    """A store call kept failing with throttling, server or connection errors until its retries ran out."""


# -- customer verification and limits (issue 10) ------------------------------------------------------


class VerificationRequiredError(DomainError):
    """`/chat` without a valid customer token for the body's reservation and phone."""


class CodeInvalidError(DomainError):
    """Wrong, expired or never-sent one-time code (one answer for all three)."""


class CodeLockedError(DomainError):
    """Five wrong tries: the code is dead; a new one must be requested."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("code locked")
        self.retry_after = max(1, int(retry_after))


class RequestOpenError(DomainError):
    """The reservation already has a question waiting for its partner."""

    def __init__(self, request_id: str) -> None:
        super().__init__("a request is open for this reservation")
        self.request_id = request_id


class SmsBudgetError(DomainError):
    """The stack's daily SMS budget is spent: nothing more is texted today."""


class PartnerTextCapError(DomainError):
    """The partner got as many texts as the hourly cap allows."""


class UnsupportedMediaTypeError(DomainError):
    """A body sent as something other than `application/json`."""


class SignInRequiredError(DomainError):
    """An operator route without the claims of a verified access token (the JWT authorizer's)."""


class NotOperatorError(DomainError):
    """Signed in, but not a member of the `operators` group."""

    def __init__(self, username: str) -> None:
        super().__init__(f"{username} is not an operator")
        self.username = username


class StateConflictError(DomainError):
    """An operator action the request's state does not allow (409); `status` is the state found."""

    def __init__(self, status: str, message: str = "") -> None:
        super().__init__(message or f"request is {status}")
        self.status = status


class NotWaitingError(StateConflictError):
    """resend-link or answer while no partner wait runs (not started yet, answered, or ended)."""


class AlreadyEndedError(StateConflictError):
    """close on a request that has already ended."""


class NoPhoneError(StateConflictError):
    """reveal of a phone the request does not know (yet)."""


# -- the customer's reply to a proposed time (issue 12) -------------------------------------------------


class NoProposalError(DomainError):
    """The request's partner did not propose another time, so there is nothing to confirm or decline."""


class AlreadyRepliedError(DomainError):
    """The customer already answered the proposal; `choice` is the reply on record."""

    def __init__(self, choice: str) -> None:
        super().__init__("already replied")
        self.choice = choice


class ReplyClosedError(DomainError):
    """The window for answering the proposal (`replyWindowHours` after the partner's answer) is over."""
