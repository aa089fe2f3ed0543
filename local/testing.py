"""Start the local system exactly as the README does, for tests and tools: `with running_system() as url:`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

PROJECT_DIR = Path(__file__).resolve().parent.parent


class LocalSystemError(RuntimeError):
    """The local system did not start, or stopped while in use."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_system(
    wait_seconds: int | None = None,
    *,
    port: int | None = None,
    extra_env: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
    startup_timeout: float = 120.0,
) -> Iterator[str]:
    """Run `python -m local` on a free port, yield its base URL once healthy, and stop it afterwards.

    The process's output goes to a file that is printed to stderr when startup or the enclosed block
    fails, so a failing test shows what the runtime said.
    """
    with running_process(
        wait_seconds, port=port, extra_env=extra_env, args=args, startup_timeout=startup_timeout
    ) as running:
        yield running.base_url


@dataclass(frozen=True)
class RunningSystem:
    base_url: str
    process: subprocess.Popen[bytes]
    output: Path  # everything the process printed so far (stdout and stderr)

    def resident_bytes(self) -> int:
        """The process's resident memory now (VmRSS), as `ps` would show it."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
        return int(kib) * 1024

    def printed(self) -> str:
        return self.output.read_text("utf-8", "replace")


@contextmanager
def running_process(
    wait_seconds: int | None = None,
    *,
    port: int | None = None,
    extra_env: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
    startup_timeout: float = 120.0,
) -> Iterator[RunningSystem]:
    """`running_system`, yielding the process and its output too (memory figures, log scans)."""
    port = port or free_port()
    env = {**os.environ, "PORT": str(port), **(extra_env or {})}
    if wait_seconds is not None:
        env["PARTNER_WAIT_SECONDS"] = str(wait_seconds)
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.NamedTemporaryFile("w+b", prefix="local-system-", suffix=".log") as output:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter running our own package
            [sys.executable, "-m", "local", *args],
            cwd=PROJECT_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_healthy(process, base_url, startup_timeout)
            yield RunningSystem(base_url, process, Path(output.name))
            if process.poll() is not None:
                raise LocalSystemError(f"the local system exited early with code {process.returncode}")
        except BaseException:
            _stop(process)
            output.seek(0)
            sys.stderr.write("---- output of python -m local ----\n")
            sys.stderr.write(output.read().decode("utf-8", "replace")[-20000:])
            sys.stderr.write("---- end of output ----\n")
            raise
        else:
            _stop(process)


def _wait_until_healthy(process: subprocess.Popen[bytes], base_url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LocalSystemError(f"python -m local exited with code {process.returncode} while starting")
        try:
            if requests.get(f"{base_url}/_local/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise LocalSystemError(f"python -m local was not healthy after {timeout:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)  # what Ctrl-C does
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
