"""Where the operator's commands read from: the stack outputs, and the table (on AWS or the local runtime)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import requests
from botocore.config import Config

LOCAL_REGION = "ap-northeast-2"  # the local runtime's region (local.deploy.REGION)


class OpsError(RuntimeError):
    """Something the operator can fix: printed as one line, exit status 2."""


@dataclass(frozen=True)
class Target:
    """The deployment the commands look at."""

    endpoint: str | None = None
    """An AWS-compatible endpoint (the local runtime); None for AWS itself."""
    region: str | None = None
    stack: str | None = None
    outputs_file: Path | None = None
    table: str | None = None

    @classmethod
    def from_args(
        cls,
        *,
        endpoint: str | None,
        region: str | None,
        stack: str | None,
        outputs_file: str | None,
        table: str | None,
    ) -> Target:
        return cls(
            endpoint=endpoint or os.environ.get("AWS_ENDPOINT_URL") or None,
            region=region,
            stack=stack,
            outputs_file=Path(outputs_file) if outputs_file else None,
            table=table,
        )

    def outputs(self) -> dict[str, Any]:
        """The stack outputs: from a file, from the local runtime, or from the Pulumi CLI."""
        if self.outputs_file is not None:
            try:
                return dict(json.loads(self.outputs_file.read_text(encoding="utf-8")))
            except (OSError, ValueError) as exc:
                raise OpsError(f"cannot read outputs from {self.outputs_file}: {exc}") from exc
        if self.endpoint is not None:
            return _local_outputs(self.endpoint)
        return _pulumi_outputs(self.stack)

    def table_name(self) -> str:
        if self.table:
            return self.table
        name = self.outputs().get("tableName")
        if not name:
            raise OpsError("the stack outputs have no tableName: pass --table")
        return str(name)

    def dynamodb(self) -> Any:
        return self.client("dynamodb")

    def client(self, service: str) -> Any:
        # The local runtime lives in one region whatever the operator's AWS configuration says.
        default = LOCAL_REGION if self.endpoint is not None else _configured_region()
        region = self.region or default
        if not region:
            raise OpsError("no AWS region: pass --region or set AWS_REGION")
        session = boto3.session.Session(region_name=region)
        options: dict[str, Any] = {"config": Config(retries={"mode": "standard", "max_attempts": 3})}
        if self.endpoint is not None:
            options["endpoint_url"] = self.endpoint
            if session.get_credentials() is None:
                # The emulator accepts any signature; an operator without AWS credentials can still look.
                options.update(aws_access_key_id="local", aws_secret_access_key="local")  # noqa: S106
        return session.client(service, **options)


def _configured_region() -> str | None:
    return (
        os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or boto3.session.Session().region_name
    )


def _local_outputs(endpoint: str) -> dict[str, Any]:
    url = endpoint.rstrip("/") + "/_local/outputs"
    try:
        answer = requests.get(url, timeout=5)
    except requests.ConnectionError as exc:
        raise OpsError(
            f"nothing answers at {endpoint}: start the local runtime (make local, PORT=... for another port) "
            "or pass the --endpoint it printed"
        ) from exc
    except requests.RequestException as exc:
        raise OpsError(f"the local runtime does not answer at {endpoint}: {exc}") from exc
    if answer.status_code != 200:
        raise OpsError(f"{url} answered {answer.status_code}: is this the local runtime, and is it ready?")
    outputs = answer.json()
    if not isinstance(outputs, Mapping):
        raise OpsError(f"{url} did not answer with the stack outputs")
    return dict(outputs)


def _pulumi_outputs(stack: str | None) -> dict[str, Any]:
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise OpsError(
            "the Pulumi CLI is not installed: pass --outputs-file (from pulumi stack output --json), "
            "--table, or --endpoint for the local runtime"
        )
    command = [pulumi, "stack", "output", "--json", *(["--stack", stack] if stack else [])]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv
    if result.returncode != 0:
        raise OpsError(f"pulumi stack output failed: {result.stderr.strip()}")
    return dict(json.loads(result.stdout))


def run_pulumi(arguments: list[str], stack: str | None) -> subprocess.CompletedProcess[str]:
    """`pulumi <arguments> [--stack S]` in the project directory (the current one), its output captured."""
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise OpsError("the Pulumi CLI is not installed: this command changes the stack's settings with it")
    command = [pulumi, *arguments, *(["--stack", stack] if stack else [])]
    return subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv


def stack_setting(name: str, stack: str | None) -> str | None:
    """The stack file's value of `<project>:name` (`pulumi config --json`), or None when it is not set."""
    result = run_pulumi(["config", "--json"], stack)
    if result.returncode != 0:
        raise OpsError(f"pulumi config failed: {result.stderr.strip()}")
    settings = json.loads(result.stdout or "{}")
    for key, entry in settings.items():
        if key.endswith(f":{name}") and not key.startswith("aws:"):
            return None if entry.get("value") is None else str(entry["value"])
    return None


def set_stack_setting(name: str, value: str, stack: str | None) -> None:
    """Write `<project>:name` into the stack file (`Pulumi.<stack>.yaml`), as plain text."""
    result = run_pulumi(["config", "set", name, value], stack)
    if result.returncode != 0:
        raise OpsError(f"pulumi config set {name} failed: {result.stderr.strip()}")
