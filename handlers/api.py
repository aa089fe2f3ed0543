"""What the three API functions share: the resolver, body parsing, and every error mapped in one place."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from handlers import wiring
from handlers.models import errors
from handlers.models.api import MAX_BODY_BYTES, error_body
from handlers.models.messages import (
    ERROR_MESSAGES,
    FIELD_MESSAGES,
    MALFORMED_JSON,
    TOO_LARGE,
    UNKNOWN_FIELD,
)
from handlers.observability import logger
from handlers.resolver import APIGatewayHttpResolver, NotFoundError, Response, content_types
from handlers.settings import get_settings

if TYPE_CHECKING:
    # pydantic is imported where a body is parsed, not here: a function that parses none (the status
    # poll) would pay its import on every cold start (`make bench`).
    from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound="BaseModel")

# CloudFront adds this header with the stack's generated secret to every request it forwards to the API
# (components/site.py); payload 2.0 events carry header names in lower case.
ORIGIN_HEADER = "x-origin-verify"
VIEWER_ADDRESS_HEADER = "cloudfront-viewer-address"

# Domain error -> (HTTP status, code). Each gets its own exception handler, registered in `build`.
DOMAIN_ERRORS: dict[type[errors.DomainError], tuple[int, str]] = {
    errors.TokenInvalidError: (401, "TOKEN_INVALID"),
    errors.TokenExpiredError: (401, "TOKEN_EXPIRED"),
    errors.TokenUsedError: (409, "TOKEN_USED"),
    errors.WaitEndedError: (410, "WAIT_ENDED"),
    errors.RequestNotFoundError: (404, "NOT_FOUND"),
    errors.RateLimitedError: (429, "RATE_LIMITED"),
    errors.UnavailableError: (503, "UNAVAILABLE"),  # the store's retries are spent (issue 11)
    # Customer verification and limits (issue 10); the 429s and 409 have their own handlers below.
    errors.VerificationRequiredError: (401, "VERIFICATION_REQUIRED"),
    errors.CodeInvalidError: (401, "CODE_INVALID"),
    errors.SmsBudgetError: (503, "SMS_BUDGET"),
    errors.UnsupportedMediaTypeError: (415, "UNSUPPORTED_MEDIA_TYPE"),
    # Operator console (issue 13): the claims API Gateway's JWT authorizer verified, read by `operator`.
    errors.SignInRequiredError: (401, "UNAUTHORIZED"),
    errors.NotOperatorError: (403, "FORBIDDEN"),
    # The customer's reply to a proposed time (issue 12); ALREADY_REPLIED has its own handler below.
    errors.NoProposalError: (409, "NO_PROPOSAL"),
    errors.ReplyClosedError: (410, "REPLY_CLOSED"),
}
# Operator actions the request's state does not allow: 409 with the status found.
STATE_CONFLICTS: dict[type[errors.StateConflictError], str] = {
    errors.NotWaitingError: "NOT_WAITING",
    errors.AlreadyEndedError: "ALREADY_ENDED",
    errors.NoPhoneError: "NO_PHONE",
}
_THROTTLING = frozenset(
    {
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "ServiceUnavailable",
        # The store retries a transaction that collided with another; one still colliding escapes raw,
        # as does a single write that met a transaction on its item. Both are worth trying again.
        "TransactionCanceledException",
        "TransactionConflictException",
    }
)


class BodyInvalidError(Exception):
    """The request body broke its model. Only bodies: a ValidationError anywhere else is our bug, a 500."""

    def __init__(self, error: ValidationError) -> None:
        super().__init__(str(error.error_count()))
        self.error = error


class BadRequestError(Exception):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def error_response(
    status: int,
    code: str,
    message: str | None = None,
    field: str | None = None,
    *,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body = {**error_body(code, message or ERROR_MESSAGES[code], field), **(extra or {})}
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body, ensure_ascii=False),
        headers=headers,
    )


def json_response(status: int, body: BaseModel | Mapping[str, Any]) -> Response:
    """A model, or a plain body built as a dict, as the same compact UTF-8 JSON pydantic writes."""
    if isinstance(body, Mapping):
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    else:
        text = body.model_dump_json()
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=text)


def parse_body(app: APIGatewayHttpResolver, model: type[Model]) -> Model:
    # Only JSON is read as JSON: a cross-site `text/plain` form post needs no preflight, so it is refused.
    content_type = str((app.current_event.headers or {}).get("content-type") or "")
    if content_type.split(";", 1)[0].strip().lower() != "application/json":
        raise errors.UnsupportedMediaTypeError(content_type[:60])
    raw = _body_bytes(app.current_event.body or "", bool(app.current_event.is_base64_encoded))
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequestError(TOO_LARGE)
    from pydantic import ValidationError

    # Bytes, not text: pydantic refuses invalid UTF-8 as malformed JSON instead of raising a decode error.
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise BodyInvalidError(exc) from exc


def _body_bytes(body: str, is_base64: bool) -> bytes:
    """The body as sent. API Gateway base64-encodes bodies it deems binary (any odd content-type)."""
    if is_base64:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise BadRequestError(MALFORMED_JSON) from exc
    # `surrogatepass` keeps a lone surrogate as the invalid UTF-8 it is, for pydantic to refuse.
    return body.encode("utf-8", "surrogatepass")


def _validation_response(exc: ValidationError) -> Response:
    problems = exc.errors(include_url=False, include_input=False)
    if any(p["type"] == "json_invalid" for p in problems):
        return error_response(400, "BAD_REQUEST", MALFORMED_JSON)
    if any(p["type"] == "model_type" for p in problems):
        return error_response(400, "BAD_REQUEST", MALFORMED_JSON)
    fields = {str(p["loc"][0]) for p in problems if p["loc"]}
    # A rule over the whole body (alternative without a time) concerns alternativeTime.
    if not fields and problems:
        fields = {"alternativeTime"}
    if len(fields) == 1:
        (field,) = fields
        if all(p["type"] == "extra_forbidden" for p in problems):
            return error_response(400, "BAD_REQUEST", UNKNOWN_FIELD.format(field=field), field)
        return error_response(400, "BAD_REQUEST", FIELD_MESSAGES.get(field), field)
    named = ", ".join(sorted(fields))
    return error_response(400, "BAD_REQUEST", f"{ERROR_MESSAGES['BAD_REQUEST']} 확인할 항목: {named}")


def _edge_refusal(event: dict[str, Any]) -> dict[str, Any] | None:
    """The answer to a request that did not come through CloudFront (straight to execute-api), or None."""
    try:
        accepted = wiring.origin_secrets(get_settings())
    except Exception:
        logger().exception("cannot read the origin secret")
        return _proxy_result(error_response(500, "INTERNAL"))
    headers = event.get("headers") or {}
    presented = str(headers.get(ORIGIN_HEADER, "")).encode("utf-8")
    # Every key compared, in constant time each: the answer takes as long whichever matched.
    matches = [hmac.compare_digest(presented, secret) for secret in accepted]
    if any(matches):
        return None
    logger().warning("request did not come through the edge", extra={"error": "EDGE_REQUIRED"})
    return _proxy_result(error_response(403, "EDGE_REQUIRED"))


def _proxy_result(response: Response) -> dict[str, Any]:
    """A resolver's Response as the payload 2.0 proxy result API Gateway reads."""
    return {
        "statusCode": response.status_code,
        "headers": {"Content-Type": content_types.APPLICATION_JSON},
        "body": response.body,
        "isBase64Encoded": False,
    }


def resolve(app: APIGatewayHttpResolver, event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Serve one API event. A request that did not come through the edge is refused here, before any
    route: it costs no body parsing, table read or paid call."""
    refused = _edge_refusal(event)
    if refused is not None:
        return refused
    return _resolve_own_event(app, event, context)


def build() -> APIGatewayHttpResolver:
    """A resolver with every error mapped to the JSON error body; the caller adds its routes and serves
    events through `resolve`, which refuses those that skipped the edge. No CORS: the pages call the API
    on their own origin."""
    # Never debug mode, whatever POWERTOOLS_DEV says: it prints each raw event (phones, link tokens)
    # past the log scrubbing, and answers errors with a traceback.
    app = APIGatewayHttpResolver(debug=False)

    @app.exception_handler(BodyInvalidError)
    def _invalid(exc: BodyInvalidError) -> Response:
        return _validation_response(exc.error)

    @app.exception_handler(BadRequestError)
    def _bad(exc: BadRequestError) -> Response:
        return error_response(400, "BAD_REQUEST", exc.message, exc.field)

    @app.exception_handler(errors.InvalidInputError)
    def _rule(exc: errors.InvalidInputError) -> Response:
        return error_response(400, "BAD_REQUEST", exc.message, exc.field)

    for exc_class, (status, code) in DOMAIN_ERRORS.items():
        app.exception_handler(exc_class)(_domain_handler(status, code))

    @app.exception_handler(errors.RateLimitedError)
    def _limited(exc: errors.RateLimitedError) -> Response:
        logger().info("request refused", extra={"error": "RATE_LIMITED"})
        return error_response(429, "RATE_LIMITED", headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(errors.CodeLockedError)
    def _locked(exc: errors.CodeLockedError) -> Response:
        logger().info("request refused", extra={"error": "CODE_LOCKED"})
        return error_response(429, "CODE_LOCKED", headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(errors.RequestOpenError)
    def _open(exc: errors.RequestOpenError) -> Response:
        logger().info("request refused", extra={"error": "REQUEST_OPEN"})
        return error_response(409, "REQUEST_OPEN", extra={"requestId": exc.request_id})

    for conflict, conflict_code in STATE_CONFLICTS.items():
        app.exception_handler(conflict)(_conflict_handler(conflict_code))

    @app.exception_handler(errors.AlreadyRepliedError)
    def _replied(exc: errors.AlreadyRepliedError) -> Response:
        logger().info("request refused", extra={"error": "ALREADY_REPLIED"})
        return error_response(409, "ALREADY_REPLIED", extra={"choice": exc.choice})

    @app.not_found
    def _no_route(exc: NotFoundError) -> Response:
        return error_response(404, "NOT_FOUND")

    @app.exception_handler(ClientError)
    def _aws(exc: ClientError) -> Response:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        logger().exception("AWS call failed", extra={"awsError": code})
        if code in _THROTTLING:
            return error_response(503, "UNAVAILABLE")
        return error_response(500, "INTERNAL")

    @app.exception_handler(BotoCoreError)
    def _network(exc: BotoCoreError) -> Response:
        logger().exception("AWS call failed")
        return error_response(503, "UNAVAILABLE")

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response:
        logger().exception("unexpected error")
        return error_response(500, "INTERNAL")

    return app


def per_thread(make: Callable[[], APIGatewayHttpResolver]) -> Callable[[], APIGatewayHttpResolver]:
    """Build a function's resolver once per thread, not on every invocation.

    A resolver holds the event it is resolving, so threads never share one: the local runtime runs
    several invocations at once in one process, while a Lambda environment runs one at a time.
    """
    local = threading.local()

    def get() -> APIGatewayHttpResolver:
        built: APIGatewayHttpResolver | None = getattr(local, "built", None)
        if built is None:
            built = local.built = make()
        return built

    return get


def _domain_handler(status: int, code: str) -> Any:
    def handle(exc: errors.DomainError) -> Response:
        logger().info("request refused", extra={"error": code})
        return error_response(status, code)

    return handle


def _conflict_handler(code: str) -> Any:
    def handle(exc: errors.StateConflictError) -> Response:
        logger().info("action refused", extra={"error": code, "status": exc.status})
        return error_response(409, code, extra={"status": exc.status})

    return handle


def _resolve_own_event(app: APIGatewayHttpResolver, event: dict[str, Any], context: Any) -> dict[str, Any]:
    """`app.resolve`, with the event held by this resolver.

    Powertools keeps the current event on a class attribute that every resolver of the process shares, so
    two invocations at once (the local runtime runs them in threads) would read each other's body, headers
    and address. An instance attribute shadows it for this resolver.
    """
    app.current_event = app._to_proxy_event(event)  # type: ignore[assignment]
    return dict(app.resolve(event, context))


def source_ip(app: APIGatewayHttpResolver) -> str:
    """The visitor's address. Behind CloudFront, API Gateway's client is an edge server: CloudFront sends
    the visitor's address as `CloudFront-Viewer-Address` (`<ip>:<port>`, forwarded by the managed origin
    request policy). It is trusted because `resolve` has already proved the request came from
    CloudFront, which sets that header itself."""
    viewer = str((app.current_event.headers or {}).get(VIEWER_ADDRESS_HEADER, ""))
    address, _, port = viewer.rpartition(":")
    if address and port.isdigit():
        return address
    return str(app.current_event.request_context.http.source_ip or "unknown")


def bearer_token(app: APIGatewayHttpResolver) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if there is one."""
    header = str((app.current_event.headers or {}).get("authorization") or "")
    scheme, _, token = header.strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


# The Cognito group whose members may use the operator console (components/console.py).
OPERATORS_GROUP: Final = "operators"


@dataclass(frozen=True)
class Operator:
    """The signed-in operator of an `/admin` request."""

    username: str
    """The access token's `username`: the operator's email address. `by` in the events they cause."""
    groups: frozenset[str]


def claim_values(value: Any) -> list[str]:
    """A list claim as API Gateway hands it over: JWT authorizers write every claim as text, a list as
    `[a b]` (space-separated in brackets); a JSON list (some emulators) and a single value also read."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            parsed = json.loads(text)
        except ValueError:
            return [part for part in text[1:-1].replace(",", " ").split() if part]
        if isinstance(parsed, list):
            return [str(item) for item in parsed]
    return [text] if text else []


def jwt_claims(app: APIGatewayHttpResolver) -> dict[str, Any]:
    """The claims API Gateway's JWT authorizer verified (`requestContext.authorizer.jwt.claims`), or {}."""
    context = app.current_event.raw_event.get("requestContext") or {}
    authorizer = context.get("authorizer") or {}
    jwt = authorizer.get("jwt") if isinstance(authorizer, dict) else None
    claims = jwt.get("claims") if isinstance(jwt, dict) else None
    return dict(claims) if isinstance(claims, dict) else {}


def operator(app: APIGatewayHttpResolver) -> Operator:
    """The operator behind an `/admin` request; call it first in every admin route.

    API Gateway has already refused a missing, expired, tampered or foreign token (401). What is left here:
    the token must be an access token (an ID token of the same client also passes the authorizer; the page
    sends access tokens) naming a user, or `SignInRequiredError` (401); that user must be in `operators`,
    or `NotOperatorError` (403).
    """
    claims = jwt_claims(app)
    username = str(claims.get("username") or "")
    if claims.get("token_use") != "access" or not username:
        logger().info("request refused", extra={"error": "UNAUTHORIZED"})
        raise errors.SignInRequiredError("no verified access token")
    groups = frozenset(claim_values(claims.get("cognito:groups")))
    if OPERATORS_GROUP not in groups:
        raise errors.NotOperatorError(username)
    return Operator(username=username, groups=groups)


def path_param(app: APIGatewayHttpResolver, name: str) -> str:
    return str((app.current_event.path_parameters or {}).get(name, ""))
