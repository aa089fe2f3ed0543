"""A stand-in for Bedrock Runtime's `Converse` API, so the notifier's Bedrock path runs locally.

It is not a model and writes nothing of its own. moto has no Bedrock Runtime, so without it the local
runtime runs the notification function with `NOTIFIER=template` and the Converse call, its guardrail
configuration, the check of the answer, the metrics and the fallback to the template never run here. With
`BEDROCK=stand-in` the function keeps the stack's `notifier: bedrock`; its own boto3 `bedrock-runtime`
client sends `POST /model/{modelId}/converse` to the runtime's port like every other AWS call (so
`/_local/faults` with `"operation": "bedrock-runtime.Converse"` applies to it as to DynamoDB or SNS), and
this module answers.

What it checks, as Converse would refuse them (400 `ValidationException`):
- the model id is one the deployment names (`BEDROCK_MODEL_ID` of a function);
- `guardrailConfig` names a guardrail the local deploy recorded (its id or ARN) and one of its versions
  (`DRAFT` or a published one), with a known `trace` value;
- `messages` is a conversation: user first and last, roles alternating, each content block one known kind,
  text non-empty; `system` blocks are text or guarded content; `inferenceConfig` values are in range.

What it cannot do, and refuses rather than pretends (400 `ValidationException`, its message saying so): a
call without `guardrailConfig` (only the notification calls Converse here, and always with one), and a
prompt that is not the notification prompt (`handlers/models/notification_prompt.py`).

What it answers: the text the prompt's instructions give as `반드시 전할 내용` (the built-in template for the
request's facts), which the handler's check accepts, with `stopReason: end_turn` (`max_tokens`, the text cut,
when `maxTokens` is smaller than it), `usage` counted in characters (no tokenizer here) and, when the
configuration asks for a trace, a guardrail trace naming the guardrail with no findings: none of the
guardrail's policies is applied here.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from handlers.models.notification_prompt import INSTRUCTIONS

if TYPE_CHECKING:
    from local.deploy import Deployment

# `python -m local`'s option: BEDROCK=stand-in (see local/__main__.py and docs/local.md).
OPTION: Final = "BEDROCK"
STAND_IN: Final = "stand-in"
OFF: Final = "off"

PATH: Final = re.compile(r"^/model/(?P<model>[^/]+)/converse$")
OPERATION: Final = "bedrock-runtime.Converse"  # as `/_local/faults` and `/_local/calls` name it

_BLOCK_KINDS: Final = frozenset(
    {
        "text",
        "image",
        "document",
        "video",
        "toolUse",
        "toolResult",
        "guardContent",
        "cachePoint",
        "reasoningContent",
        "citationsContent",
    }
)
_SYSTEM_KINDS: Final = frozenset({"text", "guardContent", "cachePoint"})
_TRACE: Final = frozenset({"enabled", "disabled", "enabled_full"})
_QUALIFIERS: Final = frozenset({"grounding_source", "query", "guard_content"})

# The facts the instructions carry, found by the prompt builder's own layout (a changed layout fails the
# stand-in's tests, not silently the runtime).
_BEFORE_FACTS, _, _AFTER_FACTS = INSTRUCTIONS.partition("{facts}")
_FACTS: Final = re.compile(
    re.escape(_BEFORE_FACTS.rsplit("\n", 1)[-1])
    + r"(?P<facts>.+?)"
    + re.escape(_AFTER_FACTS.split("{", 1)[0]),
    re.DOTALL,
)


class ValidationError(ValueError):
    """What Converse answers as 400 ValidationException; the message says what is wrong."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    error_type: str | None = None


class ConverseStandIn:
    """Answers `Converse` for the models and guardrails the deployment declared."""

    def __init__(self, models: set[str], guardrails: Mapping[str, set[str]]) -> None:
        self._models = frozenset(models)
        self._guardrails = {name: frozenset(versions) for name, versions in guardrails.items()}

    @classmethod
    def for_deployment(cls, deployment: Deployment) -> ConverseStandIn:
        models = {
            function.environment["BEDROCK_MODEL_ID"]
            for function in deployment.functions.values()
            if function.environment.get("BEDROCK_MODEL_ID")
        }
        return cls(models, deployment.guardrails)

    def answer(self, model_id: str, request: Any) -> Answer:
        started = time.monotonic()
        try:
            text, guardrail_id, trace = self._check(model_id, request)
        except ValidationError as exc:
            return Answer(400, {"message": str(exc)}, "ValidationException")
        max_tokens = int((request.get("inferenceConfig") or {}).get("maxTokens") or len(text))
        stop = "end_turn" if len(text) <= max_tokens else "max_tokens"
        written = text[:max_tokens]
        read = sum(len(piece) for piece in _texts(request))
        body: dict[str, Any] = {
            "output": {"message": {"role": "assistant", "content": [{"text": written}]}},
            "stopReason": stop,
            "usage": {"inputTokens": read, "outputTokens": len(written), "totalTokens": read + len(written)},
            "metrics": {"latencyMs": int((time.monotonic() - started) * 1000)},
        }
        if trace in ("enabled", "enabled_full"):
            # The guardrail by name, with no findings: the stand-in applies none of its policies.
            body["trace"] = {
                "guardrail": {
                    "inputAssessment": {guardrail_id: {}},
                    "outputAssessments": {guardrail_id: [{}]},
                }
            }
        return Answer(200, body)

    def _check(self, model_id: str, request: Any) -> tuple[str, str, str]:
        if not isinstance(request, dict):
            raise ValidationError("The request body must be a JSON object.")
        if not model_id or model_id not in self._models:
            raise ValidationError("The provided model identifier is invalid.")
        guardrail_id, trace = self._guardrail(request.get("guardrailConfig"))
        _system(request.get("system"))
        _inference(request.get("inferenceConfig"))
        messages = _messages(request.get("messages"))
        facts = _FACTS.search(_first_text(messages[-1]))
        if facts is None or not facts["facts"].strip():
            raise ValidationError(
                "The local Converse stand-in answers only the notification prompt "
                "(handlers/models/notification_prompt.py): it found no '반드시 전할 내용' in it."
            )
        return facts["facts"].strip(), guardrail_id, trace

    def _guardrail(self, config: Any) -> tuple[str, str]:
        if config is None:
            raise ValidationError(
                "The local Converse stand-in answers only calls that name the stack's guardrail "
                "(guardrailConfig), as the notification's calls do."
            )
        if not isinstance(config, dict):
            raise ValidationError("guardrailConfig must be an object.")
        identifier, version = config.get("guardrailIdentifier"), config.get("guardrailVersion")
        if not isinstance(identifier, str) or not isinstance(version, str):
            raise ValidationError("guardrailConfig needs guardrailIdentifier and guardrailVersion.")
        versions = self._guardrails.get(identifier)
        if versions is None or version not in versions:
            raise ValidationError(
                f"The guardrail {identifier} with version {version} does not exist in this deployment."
            )
        trace = config.get("trace", "disabled")
        if trace not in _TRACE:
            raise ValidationError(f"guardrailConfig.trace must be one of {', '.join(sorted(_TRACE))}.")
        return identifier.rsplit("/", 1)[-1], str(trace)


def _messages(messages: Any) -> list[dict[str, Any]]:
    if not isinstance(messages, list) or not messages:
        raise ValidationError("A conversation must start with a user message.")
    expected = "user"
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            raise ValidationError(f"messages.{index}.role must be user or assistant.")
        if message["role"] != expected:
            raise ValidationError(
                "A conversation must start with a user message and alternate between user and assistant "
                "roles."
            )
        expected = "assistant" if expected == "user" else "user"
        content = message.get("content")
        if not isinstance(content, list) or not content:
            raise ValidationError(f"messages.{index}.content must hold at least one content block.")
        for number, block in enumerate(content):
            _block(block, _BLOCK_KINDS, f"messages.{index}.content.{number}")
    if messages[-1]["role"] != "user":
        raise ValidationError("A conversation must end with a user message.")
    return messages


def _system(system: Any) -> None:
    if system is None:
        return
    if not isinstance(system, list):
        raise ValidationError("system must be a list of content blocks.")
    for number, block in enumerate(system):
        _block(block, _SYSTEM_KINDS, f"system.{number}")


def _block(block: Any, kinds: frozenset[str], where: str) -> None:
    if not isinstance(block, dict) or len(block) != 1 or next(iter(block)) not in kinds:
        raise ValidationError(f"{where} must be exactly one of: {', '.join(sorted(kinds))}.")
    kind, value = next(iter(block.items()))
    if kind == "text" and (not isinstance(value, str) or not value.strip()):
        raise ValidationError(f"{where}.text must not be blank.")
    if kind == "guardContent":
        text = value.get("text") if isinstance(value, dict) else None
        qualifiers = text.get("qualifiers", []) if isinstance(text, dict) else None
        if (
            not isinstance(text, dict)
            or not isinstance(text.get("text"), str)
            or not isinstance(qualifiers, list)
            or not set(qualifiers) <= _QUALIFIERS
        ):
            raise ValidationError(f"{where}.guardContent must be {{text: {{text, qualifiers}}}}.")
    elif kind not in ("text", "cachePoint"):
        raise ValidationError(
            f"{where}: the local Converse stand-in reads text and guardContent blocks only."
        )


def _inference(config: Any) -> None:
    if config is None:
        return
    if not isinstance(config, dict):
        raise ValidationError("inferenceConfig must be an object.")
    max_tokens = config.get("maxTokens")
    if max_tokens is not None and (
        isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1
    ):
        raise ValidationError("inferenceConfig.maxTokens must be at least 1.")
    for name in ("temperature", "topP"):
        value = config.get(name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1
        ):
            raise ValidationError(f"inferenceConfig.{name} must be between 0 and 1.")


def _first_text(message: Mapping[str, Any]) -> str:
    return next((block["text"] for block in message["content"] if "text" in block), "")


def _texts(request: Mapping[str, Any]) -> list[str]:
    """Every piece of text the call hands the model (for `usage`)."""
    pieces: list[str] = []
    blocks = list(request.get("system") or [])
    for message in request.get("messages") or []:
        blocks += message.get("content") or []
    for block in blocks:
        if isinstance(block.get("text"), str):
            pieces.append(block["text"])
        guarded = (block.get("guardContent") or {}).get("text") or {}
        if isinstance(guarded.get("text"), str):
            pieces.append(guarded["text"])
    return pieces
