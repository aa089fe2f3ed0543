"""Evaluate `__main__.py` under Pulumi mocks for one stack file and print what it declared, as JSON.

One subprocess per stack, since the Pulumi runtime is process-global:
`python tests/infra/evaluate_program.py dev`.
"""

from __future__ import annotations

import json
import runpy
import sys
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]
warnings.filterwarnings("ignore", category=DeprecationWarning)

import pulumi  # noqa: E402
from pulumi_mocks import ROOT as MOCKS_ROOT  # noqa: E402
from pulumi_mocks import use_mocks  # noqa: E402

# How the mock monitor hands over a secret input: {SECRET_SIG: ..., "value": <the value>}.
SECRET_SIG = "4dabf18193072939515e22adb298388d"


def _is_secret(value: Any) -> bool:
    return isinstance(value, dict) and SECRET_SIG in value


def _plain(value: Any) -> Any:
    if _is_secret(value):
        return _plain(value["value"])
    if isinstance(value, pulumi.AssetArchive):
        return {"archive": sorted(value.assets)}
    if isinstance(value, pulumi.FileAsset):
        return {"file": str(Path(value.path).resolve().relative_to(MOCKS_ROOT))}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items() if key != "__provider"}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def evaluate(stack: str) -> dict[str, Any]:
    mocks = use_mocks(stack)
    exports: dict[str, Any] = {}

    @pulumi.runtime.test
    def run() -> pulumi.Output[Any]:
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")
        root = pulumi.runtime.get_root_resource()
        outputs = getattr(root, "outputs", {})
        return pulumi.Output.all(**outputs).apply(exports.update)

    run()
    return {
        "exports": _plain(exports),
        "resources": [
            {
                "type": r.typ,
                "name": r.name,
                "id": mocks.answers[r.name][0],
                "inputs": _plain(r.inputs),
                "secretInputs": sorted(key for key, value in r.inputs.items() if _is_secret(value)),
                "outputs": _plain(mocks.answers[r.name][1]),
                "provider": r.provider,
            }
            for r in mocks.resources
        ],
    }


if __name__ == "__main__":
    json.dump(evaluate(sys.argv[1]), sys.stdout, ensure_ascii=False, default=str)
