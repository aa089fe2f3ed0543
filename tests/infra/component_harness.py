"""Build one component under fresh Pulumi mocks and hand back its resolved outputs and recorded resources.

`resolve` returns only after the Pulumi runtime has finished every registration, so the assertions that
follow it always run on complete data (an empty result means the outputs never resolved: tests fail).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi_mocks import ROOT, RecordingMocks, use_mocks

from components.code import code_archive
from components.functions import FunctionDefaults

SECRET_SIG = "4dabf18193072939515e22adb298388d"


def unwrap(value: Any) -> Any:
    """Inputs as plain values: secrets unwrapped (see `is_secret`)."""
    if isinstance(value, dict):
        if SECRET_SIG in value:
            return unwrap(value["value"])
        return {key: unwrap(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unwrap(item) for item in value]
    return value


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and SECRET_SIG in value


@dataclass
class Built:
    mocks: RecordingMocks
    outputs: dict[str, Any] = field(default_factory=dict)

    def inputs(self, name: str) -> dict[str, Any]:
        return dict(unwrap(self.mocks.named(name).inputs))

    def raw_inputs(self, name: str) -> dict[str, Any]:
        return dict(self.mocks.named(name).inputs)

    def of_type(self, typ: str) -> list[dict[str, Any]]:
        return [dict(unwrap(resource.inputs)) for resource in self.mocks.of_type(typ)]

    def names(self, typ: str) -> list[str]:
        return [resource.name for resource in self.mocks.of_type(typ)]


def resolve(build: Callable[[], Mapping[str, Any]], config: dict[str, str] | None = None) -> Built:
    """Run `build` (which declares resources and returns outputs to resolve) to completion under mocks."""
    built = Built(mocks=use_mocks("dev", config or {}))

    @pulumi.runtime.test
    def program() -> pulumi.Output[Any]:
        return pulumi.Output.all(**build()).apply(built.outputs.update)

    program()
    return built


def defaults() -> FunctionDefaults:
    return FunctionDefaults(
        code=code_archive(ROOT),
        layer_arn="arn:aws:lambda:ap-northeast-2:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:27",
        log_retention_days=14,
        log_level="INFO",
        log_group_prefix="/aws/lambda/partner-confirm-test",
    )
