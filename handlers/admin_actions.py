"""The operator console's four actions, as `handlers/admin.py` runs them: each reads its body and calls its
use case with what the settings give it.

The admin function imports this module on its first action, not at its cold start: the console's first
call is the queue, which needs neither the bodies and answers (pydantic) nor the actions' use cases, link
signing and SMS texts (`make bench`, first call).
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel

from handlers import api, wiring
from handlers.adapters.workflow import Workflow
from handlers.clients import client
from handlers.models.admin import AnswerBody, CloseBody, ResendLinkBody, RevealBody
from handlers.resolver import APIGatewayHttpResolver
from handlers.settings import Settings
from handlers.usecases import operator_actions

# An action: (the resolver holding the request, the request id, the operator, the settings) -> its answer.
Action = Callable[[APIGatewayHttpResolver, str, str, Settings], BaseModel]


def _workflow(settings: Settings) -> Workflow:
    return Workflow(client("stepfunctions", settings))


def resend_link(app: APIGatewayHttpResolver, request_id: str, by: str, settings: Settings) -> BaseModel:
    body = api.parse_body(app, ResendLinkBody)
    return operator_actions.resend_link(
        request_id,
        by=by,
        note=body.note,
        store=wiring.console_store(settings),
        **wiring.link_texting(settings),
    )


def answer(app: APIGatewayHttpResolver, request_id: str, by: str, settings: Settings) -> BaseModel:
    body = api.parse_body(app, AnswerBody)
    return operator_actions.answer_for_partner(
        request_id, body, by=by, store=wiring.console_store(settings), workflow=_workflow(settings)
    )


def close(app: APIGatewayHttpResolver, request_id: str, by: str, settings: Settings) -> BaseModel:
    body = api.parse_body(app, CloseBody)
    return operator_actions.close_request(
        request_id,
        body.note,
        by=by,
        store=wiring.console_store(settings),
        workflow=_workflow(settings),
        state_machine_arn=settings.require("state_machine_arn"),
    )


def reveal(app: APIGatewayHttpResolver, request_id: str, by: str, settings: Settings) -> BaseModel:
    body = api.parse_body(app, RevealBody)
    return operator_actions.reveal_phone(
        request_id, body.who, body.note, by=by, store=wiring.console_store(settings)
    )


# Each action by the last segment of its route, `POST /admin/requests/{requestId}/<action>`.
ACTIONS: dict[str, Action] = {"resend-link": resend_link, "answer": answer, "close": close, "reveal": reveal}
