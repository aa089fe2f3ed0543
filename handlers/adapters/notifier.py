"""Bedrock `Converse` under the stack's guardrail: writes a draft of the customer's message, or says why not.

Every call names the guardrail (identifier and version). The instructions are a text block; the customer's
text and the partner's note are guarded content blocks of their own, so the guardrail's prompt-attack filter
reads them and nothing in them is spliced into the instructions. A guardrail intervention, an error or an
unfinished answer gives no message, only the reason; judging the message itself is the use case's job
(`handlers/models/notification_check.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from handlers.models.notification_prompt import NOTE_LABEL, QUERY_LABEL, SYSTEM_PROMPT, NotificationPrompt

FINISHED: Final = frozenset({"end_turn", "stop_sequence"})

# Reasons a draft has no message (docs/contracts.md, metrics `NotificationGuardrailIntervened` and
# `NotificationModelFailed`).
GUARDRAIL_INTERVENED: Final = "guardrail_intervened"
MODEL_ERROR: Final = "model_error"
UNFINISHED: Final = "unfinished"
NO_TEXT: Final = "no_text"


@dataclass(frozen=True, slots=True)
class Guardrail:
    identifier: str
    version: str


@dataclass(frozen=True, slots=True)
class Draft:
    """What the model wrote (`message`), or why nothing usable came back (`reason`, `detail` for the log)."""

    message: str | None = None
    reason: str | None = None
    detail: tuple[str, ...] = ()


def converse_content(prompt: NotificationPrompt) -> list[dict[str, Any]]:
    """The user turn: our instructions, then each piece of other people's text as guarded content."""
    content: list[dict[str, Any]] = [
        {"text": prompt.instructions},
        {"text": QUERY_LABEL},
        _guarded(prompt.customer_text),
    ]
    if prompt.partner_note:
        content += [{"text": NOTE_LABEL}, _guarded(prompt.partner_note)]
    return content


def _guarded(text: str) -> dict[str, Any]:
    return {"guardContent": {"text": {"text": text, "qualifiers": ["guard_content"]}}}


class BedrockNotifier:
    def __init__(self, client: Any, model_id: str, guardrail: Guardrail, max_tokens: int = 400) -> None:
        self._client = client
        self._model_id = model_id
        self._guardrail = guardrail
        self._max_tokens = max_tokens

    def write(self, prompt: NotificationPrompt) -> Draft:
        try:
            answer = self._client.converse(
                modelId=self._model_id,
                system=[{"text": SYSTEM_PROMPT}],
                messages=[{"role": "user", "content": converse_content(prompt)}],
                inferenceConfig={"maxTokens": self._max_tokens, "temperature": 0.3},
                guardrailConfig={
                    "guardrailIdentifier": self._guardrail.identifier,
                    "guardrailVersion": self._guardrail.version,
                    # The trace names the policies that intervened (logged without the text they matched).
                    "trace": "enabled",
                },
            )
        # moto has no Converse and raises NotImplementedError in process; either way the template answers.
        except (ClientError, BotoCoreError, NotImplementedError) as exc:
            code = exc.response.get("Error", {}).get("Code") if isinstance(exc, ClientError) else None
            return Draft(reason=MODEL_ERROR, detail=(str(code or type(exc).__name__),))
        stop = answer.get("stopReason")
        if stop == GUARDRAIL_INTERVENED:
            return Draft(reason=GUARDRAIL_INTERVENED, detail=tuple(sorted(_policies(answer))))
        # Anything else but a finished turn is not a message: cut off (max_tokens), or a content filter.
        if stop not in FINISHED:
            return Draft(reason=UNFINISHED, detail=(str(stop),))
        text = _text(answer)
        return Draft(message=text) if text else Draft(reason=NO_TEXT)


def _text(answer: Any) -> str | None:
    try:
        blocks = answer["output"]["message"]["content"]
    except (KeyError, TypeError):
        return None
    texts = [b["text"] for b in blocks if isinstance(b, dict) and isinstance(b.get("text"), str)]
    return ("\n".join(texts).strip() or None) if texts else None


def _policies(answer: Mapping[str, Any]) -> set[str]:
    """`contentPolicy:PROMPT_ATTACK`, `topicPolicy:<topic>`, `sensitiveInformationPolicy:PHONE`, ...: what
    intervened, never the text it matched (the trace also carries the model's unmasked output)."""
    trace = (answer.get("trace") or {}).get("guardrail") or {}
    assessments: list[Mapping[str, Any]] = list((trace.get("inputAssessment") or {}).values())
    for outputs in (trace.get("outputAssessments") or {}).values():
        assessments += list(outputs or [])
    found: set[str] = set()
    for assessment in assessments:
        for policy, names in _named(assessment):
            found.update(f"{policy}:{name}" for name in names)
    return found or {"unknown"}


def _named(assessment: Mapping[str, Any]) -> Iterable[tuple[str, list[str]]]:
    content = assessment.get("contentPolicy") or {}
    yield "contentPolicy", [str(f.get("type")) for f in content.get("filters", []) if f.get("detected", True)]
    topics = assessment.get("topicPolicy") or {}
    yield "topicPolicy", [str(t.get("name")) for t in topics.get("topics", [])]
    words = assessment.get("wordPolicy") or {}
    if words.get("customWords") or words.get("managedWordLists"):
        yield "wordPolicy", ["words"]
    pii = assessment.get("sensitiveInformationPolicy") or {}
    yield "sensitiveInformationPolicy", [str(e.get("type")) for e in pii.get("piiEntities", [])]
    yield "sensitiveInformationPolicy", [str(r.get("name")) for r in pii.get("regexes", [])]
