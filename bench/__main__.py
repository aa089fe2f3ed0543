"""`make bench`: cold-start import cost and memory against `import boto3`, and AWS round trips per call.

Exits non-zero when a target is missed, so a regression is visible; tests never assert on timing.
"""

from __future__ import annotations

import sys

from bench import coldstart, firstcall, roundtrips, secrets
from handlers.models.keyring import CACHE_SECONDS

FIRST_CALL_RUNS = 15


def main() -> int:
    failures = 0
    print(
        "Cold start: median of 15 interleaved fresh-process imports, against `import boto3` in the same run"
    )
    costs = coldstart.measure()
    base = costs[0]
    print(f"  {'module':<28} {'ms':>7} {'x boto3':>8} {'RSS KiB':>9} {'x boto3':>8}")
    for cost in costs:
        time_ratio = cost.seconds / base.seconds
        memory_ratio = cost.kib / base.kib
        over = cost.module != base.module and (
            time_ratio > coldstart.IMPORT_RATIO_TARGET or memory_ratio > coldstart.MEMORY_RATIO_TARGET
        )
        failures += over
        print(
            f"  {cost.module:<28} {cost.seconds * 1000:7.0f} {time_ratio:8.2f} {cost.kib:9.0f} "
            f"{memory_ratio:8.2f}{'  OVER TARGET' if over else ''}"
        )
    print(f"  targets: time <= {coldstart.IMPORT_RATIO_TARGET}x, memory <= {coldstart.MEMORY_RATIO_TARGET}x")

    print(
        "\nFirst call: import + first invocation of each API function in a fresh process against a moto"
        f"\nserver, median of {FIRST_CALL_RUNS} interleaved runs, against a boto3-only program making the"
        "\nsame AWS calls (CPU time; spread: the middle half of the rounds' own ratios; wall time beside it)"
    )
    print(
        f"  {'function':<18} {'route':<22} {'import':>7} {'first':>7} {'boto3':>7} {'x boto3':>8}"
        f" {'spread':>11} {'target':>7} {'wall x':>7}"
    )
    calls = firstcall.measure(runs=FIRST_CALL_RUNS)
    for call in calls:
        over = call.ratio > call.target or not call.same_calls or call.status not in {200, 202}
        failures += over
        low, high = call.spread
        print(
            f"  {call.function:<18} {call.route:<22} {call.import_cpu * 1000:5.0f}ms "
            f"{call.cpu * 1000:5.0f}ms {call.baseline_cpu * 1000:5.0f}ms {call.ratio:8.2f} "
            f"{low:5.2f}-{high:<5.2f} {call.target:6.1f}x {call.wall_ratio:7.2f}"
            f"{'  OVER TARGET' if call.ratio > call.target else ''}"
            f"{'' if call.same_calls else '  CALLS DIFFER: ' + ', '.join(call.calls)}"
        )
    for call in calls:
        print(f"  {call.function} and its baseline both make: {', '.join(call.baseline_calls)}")
    print(f"  targets: status <= {firstcall.STATUS_TARGET}x, every API function <= {firstcall.API_TARGET}x")

    print(
        "\nLink keyring read (Powertools Parameters, SSM SecureString on moto), median of 5 fresh processes"
    )
    read = secrets.measure()
    over = len(read.warm_calls) > secrets.WARM_CALLS_TARGET
    failures += over
    print(
        f"  first read after a cold start {read.cold_seconds * 1000:7.1f} ms: {', '.join(read.cold_calls)}\n"
        f"  cached read (max age {CACHE_SECONDS} s)  {read.warm_seconds * 1000:7.1f} ms: "
        f"{', '.join(read.warm_calls) or 'no call'}{'  OVER TARGET' if over else ''}"
    )

    print("\nAWS round trips per call (real handlers on moto, every botocore call counted)")
    for result in roundtrips.measure():
        over = len(result.calls) > result.minimum
        failures += over
        print(
            f"  {result.route:<28} {len(result.calls)} (minimum {result.minimum})"
            f"{'  OVER MINIMUM' if over else ''}: {', '.join(result.calls)}"
        )
    print(f"\n{'all targets met' if not failures else f'{failures} target(s) missed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
