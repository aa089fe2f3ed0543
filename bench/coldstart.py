"""Cold start: each handler module's import time and peak memory in fresh processes, against `import boto3`.

Memory is the process's peak resident set after the import (what a function's memory setting must hold),
so the interpreter itself is part of both sides of the ratio. Cases run interleaved in a shuffled order
so that machine noise hits every case alike; the medians are compared with the baseline measured in the
same batch.
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from components.functions import FUNCTION_KEYS

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "boto3"
# Every function the program deploys, so a new one cannot be left out of the table.
HANDLER_MODULES = tuple(f"handlers.{key}" for key in FUNCTION_KEYS)
IMPORT_RATIO_TARGET = 2.0
MEMORY_RATIO_TARGET = 2.0

# Measures one import in a fresh interpreter: its wall time and the process's peak RSS afterwards. The
# peak is the kernel's high-water mark of this program's own memory (VmHWM): `ru_maxrss` survives exec, so
# it would report the bench's own, larger, resident set for every case and no ratio could exceed 1.
_PROBE = """
import json, sys, time
start = time.perf_counter()
__import__(sys.argv[1])
elapsed = time.perf_counter() - start
with open("/proc/self/status") as status:
    after = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"seconds": elapsed, "kib": after}))
"""


@dataclass(frozen=True)
class ImportCost:
    module: str
    seconds: float
    kib: float


def _probe(module: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, module],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "0"},
    )
    result: dict[str, float] = json.loads(out.stdout)
    return result


def measure(modules: tuple[str, ...] = HANDLER_MODULES, runs: int = 15) -> list[ImportCost]:
    cases = [BASELINE, *modules]
    for module in cases:  # warm the bytecode cache so every case pays the same disk cost
        _probe(module)
    samples: dict[str, list[dict[str, float]]] = {module: [] for module in cases}
    rng = random.Random(7)
    for _ in range(runs):
        order = cases[:]
        rng.shuffle(order)
        for module in order:
            samples[module].append(_probe(module))
    return [
        ImportCost(
            module=module,
            seconds=statistics.median(s["seconds"] for s in samples[module]),
            kib=statistics.median(s["kib"] for s in samples[module]),
        )
        for module in cases
    ]
