"""`python -m local`: deploy the Pulumi program onto an embedded AWS emulator and serve it on one port.

Environment: PORT (default 8000), PARTNER_WAIT_SECONDS and SWEEP_MARGIN_SECONDS (default: the stack's
settings), SWEEP_SECONDS (how often the declared schedules run here; default 30), LOG_FORMAT (`json`, the
default, prints log lines as CloudWatch receives them; `pretty` prints one readable line per event),
DEMO_RESERVATIONS (extra generated demo reservations, each with its own customer phone, for load tests;
default 0). `--config name=value` overrides any other stack setting, as `pulumi config set` would.
WAF_RATE_LIMIT (the web ACL's requests per address and minute; default: the stack's wafRateLimit).
BEDROCK (`off`, the default: the notification function runs with NOTIFIER=template; `stand-in`: it keeps the
stack's `notifier: bedrock` and its Converse calls reach a local stand-in, see local/converse.py).
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from local import converse
from local.console import DEMO_NON_OPERATOR, DEMO_OPERATOR, create_demo_users
from local.deploy import LOCAL_FUNCTION_OVERRIDES, REGION, STAND_IN_FUNCTION_OVERRIDES, DeploymentError
from local.logformat import FORMATS, PrettyLines
from local.outbox import display_phone

PROJECT_DIR = Path(__file__).resolve().parent.parent
# A deployment that creates no resource for this long is stuck (outputs waiting on each other), however
# busy the machine: a slow one still makes progress.
DEPLOY_STALL_SECONDS = 90
STOP_DEADLINE_SECONDS = 5.0


def _scrubbed(record: logging.LogRecord) -> bool:
    """The runtime's own log lines masked like the functions': a request line may carry a link token."""
    from handlers.observability import scrub

    record.msg, record.args = scrub(record.getMessage()), None
    if record.exc_info and not record.exc_text:
        record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
    return True


def _say(message: str) -> None:
    print(message, flush=True)


def _emulator_environment(base_url: str, port: int) -> None:
    """Point every AWS client in this process (ours, the handlers', moto's interpreter) at the emulator."""
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": base_url,
            "MOTO_PORT": str(port),  # moto's Step Functions interpreter invokes Lambda on this port
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_SESSION_TOKEN": "test",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
        }
    )
    for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        os.environ.pop(name, None)


def _shared_function_environment(functions: Any) -> None:
    """Variables outside the handlers' settings (Powertools') are read from os.environ by libraries.

    Every function shares one process here, so those are set process-wide; they are the same on every
    function, which the deployment is checked for.
    """
    from handlers.settings import ENV

    own = set(ENV.values()) | {"INTENT_CLASSIFIER", "NOTIFIER"}
    shared: dict[str, str] = {}
    for function in functions:
        for name, value in function.environment.items():
            if name in own:
                continue
            if shared.setdefault(name, value) != value:
                logging.getLogger("local").warning(
                    "%s differs between functions; using %r", name, shared[name]
                )
    os.environ.update(shared)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--stack", default="dev", help="stack settings to deploy (Pulumi.<stack>.yaml)")
    parser.add_argument(
        "--project", type=Path, default=PROJECT_DIR, help="the Pulumi project (default: this one)"
    )
    parser.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a stack setting for this run (e.g. smsDailyBudgetParts=5); repeatable",
    )
    args = parser.parse_args(argv)
    log_format = os.environ.get("LOG_FORMAT", "json").strip().lower() or "json"
    if log_format not in FORMATS:
        _say(f"LOG_FORMAT={log_format} is not one of {', '.join(FORMATS)}.")
        return 1
    if log_format == "pretty":
        sys.stdout = PrettyLines(sys.stdout)
    bedrock = os.environ.get(converse.OPTION, converse.OFF).strip().lower() or converse.OFF
    if bedrock not in (converse.OFF, converse.STAND_IN):
        _say(f"{converse.OPTION}={bedrock} is not one of {converse.OFF}, {converse.STAND_IN}.")
        return 1
    stand_in = bedrock == converse.STAND_IN
    try:
        settings = _config_overrides(args.config)
    except ValueError as exc:
        parser.error(str(exc))

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("local").setLevel(logging.INFO)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request drowns the rest
    # Lambda sandboxes run one request at a time; here many share a client, and its pool says so.
    logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_scrubbed)  # the web server's and the emulator's lines too

    wait = os.environ.get("PARTNER_WAIT_SECONDS")
    margin = os.environ.get("SWEEP_MARGIN_SECONDS")
    started = time.monotonic()
    _say("starting the embedded AWS emulator (moto)…")

    from moto.core.config import default_user_config
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    from local.server import LocalSystem

    default_user_config["stepfunctions"] = {"execute_state_machine": True}
    system = LocalSystem(DomainDispatcherApplication(create_backend_app))
    try:
        listener = _listen(args.port)
    except OSError as exc:
        _say(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror}.")
        if exc.errno == errno.EADDRINUSE:
            free = _free_port_near(args.port)
            _say(f"Another program uses port {args.port}; this one is free: PORT={free} make local")
        return 1
    port = int(listener.getsockname()[1])
    # werkzeug would print its own advice and exit on a bind error: hand it the bound socket instead.
    with listener:
        server = make_server(
            "127.0.0.1",
            port,
            system,
            threaded=True,
            request_handler=MotoRequestHandler,
            fd=listener.fileno(),
        )
    base_url = f"http://127.0.0.1:{port}"
    _emulator_environment(base_url, port)
    from local import faults

    faults.install(system.faults)  # before any function makes a client
    serving = threading.Thread(target=server.serve_forever, name="local-server", daemon=True)
    serving.start()
    threading.Thread(target=system.keep_up, name="local-upkeep", daemon=True).start()

    runner = None
    schedules = None
    try:
        from local.deploy import deploy
        from local.lambdas import LambdaRunner

        _say(f"deploying the Pulumi program (stack '{args.stack}') onto the emulator…")
        watchdog = _StallWatch(DEPLOY_STALL_SECONDS, _deployment_stuck)
        overrides = {"aws:region": REGION, "smsMode": "sns"}
        if wait:
            overrides["partnerWaitSeconds"] = wait
        if margin:
            overrides["sweepMarginSeconds"] = margin
        if rate := os.environ.get("WAF_RATE_LIMIT"):
            overrides["wafRateLimit"] = rate
        demo_reservations = os.environ.get("DEMO_RESERVATIONS")
        if demo_reservations:
            overrides["demoReservations"] = demo_reservations
        overrides.update(settings)
        deployment = deploy(
            args.project.resolve(),
            stack=args.stack,
            base_url=base_url,
            config_overrides=overrides,
            progress=lambda line: _say(f"  {line}"),
            heartbeat=watchdog.beat,
            function_overrides=STAND_IN_FUNCTION_OVERRIDES if stand_in else LOCAL_FUNCTION_OVERRIDES,
        )
        watchdog.cancel()
        create_demo_users(deployment.outputs)
        _shared_function_environment(deployment.functions.values())
        runner = LambdaRunner(deployment)
        system.activate(deployment, runner, converse_stand_in=stand_in)
        from local.schedules import SchedulePlayer, sweep_seconds

        schedules = SchedulePlayer(deployment, runner, sweep_seconds())
        schedules.start()
        system.reset_counts()
        system.ready = True
        _print_ready(base_url, deployment, time.monotonic() - started, stand_in=stand_in)
        _wait_for_stop()
    except KeyboardInterrupt:
        pass
    except DeploymentError as exc:
        _say(f"deployment failed: {exc}")
        return 1
    except Exception:  # the program itself raised (a bad stack setting, a bug): show where
        _say("deployment failed: the Pulumi program raised an error")
        traceback.print_exc()
        return 1
    finally:
        _stop(server, runner, schedules)
    _say("stopped.")
    return 0


class _MainThreadOnly:
    """Output once stopping has begun: the main thread's lines only.

    Work still running or queued (invocations, the workflow's interpreter, requests in flight) fails as the
    server goes away; what it would print then is noise, tracebacks included.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        if threading.current_thread() is threading.main_thread():
            return int(self._stream.write(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _exit_now(*_: Any) -> None:
    os._exit(130)


def _stop(server: Any, runner: Any, schedules: Any) -> None:
    """Stop within STOP_DEADLINE_SECONDS whatever the other threads do; then the process exits hard."""
    _say("stopping…")
    out = sys.stdout
    sys.stdout, sys.stderr = _MainThreadOnly(sys.stdout), _MainThreadOnly(sys.stderr)
    threading.excepthook = lambda _: None
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, _exit_now)  # asked twice: no more waiting
    deadline = threading.Timer(STOP_DEADLINE_SECONDS, _stopped_late, args=(out,))
    deadline.daemon = True
    deadline.start()
    if schedules is not None:
        schedules.stop()
    if runner is not None:
        runner.shutdown()  # queued invocations are dropped, running ones are not waited for
    server.shutdown()
    server.server_close()


def _stopped_late(out: Any) -> None:
    out.write(f"stopped (work still running after {STOP_DEADLINE_SECONDS:g} s was dropped).\n")
    out.flush()
    os._exit(0)


def _config_overrides(pairs: list[str]) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for pair in pairs:
        name, separator, value = pair.partition("=")
        if not separator or not name.strip():
            raise ValueError(f"--config takes NAME=VALUE, not {pair!r}")
        overrides[name.strip()] = value
    return overrides


def _listen(port: int) -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # As http.server does: a port left in TIME_WAIT by the last run is free, one in use is not.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(128)
    except OSError:
        listener.close()
        raise
    return listener


def _free_port_near(port: int) -> int:
    """The first port after `port` that can be bound now (else any free one), to suggest instead."""
    for candidate in range(port + 1, min(port + 100, 65536)):
        try:
            _listen(candidate).close()
        except OSError:
            continue
        return candidate
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _StallWatch:
    """Calls `stuck` once `seconds` pass without a `beat`, until cancelled."""

    def __init__(self, seconds: float, stuck: Callable[[], None]) -> None:
        self._seconds = seconds
        self._last = time.monotonic()
        self._done = threading.Event()
        self._stuck = stuck
        threading.Thread(target=self._watch, name="deploy-watchdog", daemon=True).start()

    def beat(self) -> None:
        self._last = time.monotonic()

    def cancel(self) -> None:
        self._done.set()

    def _watch(self) -> None:
        while not self._done.wait(min(1.0, self._seconds / 2)):
            if time.monotonic() - self._last > self._seconds:
                self._stuck()
                return


def _deployment_stuck() -> None:
    # Outputs that wait on each other never resolve, under `pulumi up` as here: fail instead of hanging.
    _say(
        f"deployment failed: no resource was created for {DEPLOY_STALL_SECONDS} s. Resources are "
        "probably waiting on each other (an output that depends on itself through other resources)."
    )
    os._exit(1)


def _wait_for_stop() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass


def _print_ready(base_url: str, deployment: Any, elapsed: float, *, stand_in: bool) -> None:
    functions = deployment.functions.values()
    wait = next(
        (f.environment["PARTNER_WAIT_SECONDS"] for f in functions if "PARTNER_WAIT_SECONDS" in f.environment),
        "?",
    )
    lines = [
        "",
        f"ready in {elapsed:.1f} s: the whole system runs on {base_url}",
        f"  deployed {len(deployment.functions)} functions, {len(deployment.routes)} API routes, "
        f"{len(deployment.objects)} site files, {len(deployment.table_items)} table items",
        f"  customer page   {base_url}/",
        f"  SMS outbox      {base_url}/_local/outbox",
    ]
    if deployment.outputs.get("consoleUserPoolId"):
        lines += [
            f"  console         {base_url}/admin/   sign in as {DEMO_OPERATOR[0]} / {DEMO_OPERATOR[1]}",
            f"    ({DEMO_NON_OPERATOR[0]} / {DEMO_NON_OPERATOR[1]} signs in too but is no operator: refused)",
        ]
    lines += [
        "  try these reservations (reservation number / customer phone):",
    ]
    for reservation in deployment.reservations()[:2]:
        phone = str(reservation.get("customerPhone", ""))
        lines.append(
            f"    {reservation.get('reservationNumber')} / {display_phone(phone)}"
            f"   ({reservation.get('partnerName', '')}, {reservation.get('serviceType', '')})"
        )
    verifies = any(f.environment.get("CUSTOMER_VERIFICATION") == "sms" for f in functions)
    if verifies:
        lines.append("  customers verify their phone first: the 6-digit code arrives in the SMS outbox")
    extra = sum(1 for r in deployment.reservations() if str(r["reservationNumber"]).startswith("RSV-LOAD-"))
    if extra > 0:
        lines.append(f"  and {extra} generated reservations RSV-LOAD-0001... (DEMO_RESERVATIONS)")
    lines += [
        f"  partners have {wait} s to answer (PARTNER_WAIT_SECONDS=... to change)",
        *_who_writes(deployment, stand_in=stand_in),
        "press Ctrl-C to stop.",
    ]
    _say("\n".join(lines))


def _who_writes(deployment: Any, *, stand_in: bool) -> list[str]:
    """What writes intents and notifications here, read from the functions as deployed (never a guess)."""
    notifiers = {
        f.environment.get("NOTIFIER") for f in deployment.functions.values() if "NOTIFIER" in f.environment
    }
    if "bedrock" not in notifiers and stand_in:
        return [
            "  intents come from the local classifier and notifications from the built-in templates:",
            "  the stack's notifier is template, so the Converse stand-in (BEDROCK=stand-in) goes unused;",
            "  state lives in memory and resets when you stop.",
        ]
    if "bedrock" not in notifiers:
        return [
            "  intents come from the local classifier and notifications from the built-in templates",
            "  (no Lex or Bedrock emulator exists; BEDROCK=stand-in runs the notifier's Bedrock path);",
            "  state lives in memory and resets when you stop.",
        ]
    return [
        "  intents come from the local classifier; notifications take the notifier's Bedrock path",
        "  (guardrail named, answer checked, template on failure) to a local Converse stand-in that",
        "  returns the built-in template text: no model runs (BEDROCK=stand-in; no Lex emulator exists);",
        "  state lives in memory and resets when you stop.",
    ]


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Worker threads still inside an invocation must not hold the exit (interpreter shutdown joins them).
    os._exit(code)
