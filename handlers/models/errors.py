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
    """Too many requests from one client in the current minute."""


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
