"""Starting and stopping `python -m local` as a person does: a busy port, Ctrl-C, and SIGTERM under load."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from e2e_client import LocalClient

from local.testing import PROJECT_DIR, free_port

pytestmark = pytest.mark.e2e


def _start(port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "local"],
        cwd=PROJECT_DIR,
        env={**{k: v for k, v in os.environ.items() if k != "PARTNER_WAIT_SECONDS"}, "PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_port_in_use_is_named_with_a_port_that_is_actually_free() -> None:
    with socket.socket() as taken, socket.socket() as next_one:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with contextlib.suppress(OSError):  # the next port is taken too (by us, or already by someone)
            next_one.bind(("127.0.0.1", port + 1))
            next_one.listen()
        process = _start(port)
        output, _ = process.communicate(timeout=60)

    assert process.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use." in output
    suggested = re.search(r"PORT=(\d+) make local", output)
    assert suggested, output
    assert int(suggested.group(1)) not in (port, port + 1)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", int(suggested.group(1))))  # free: binds


def test_an_unknown_bedrock_option_is_named_before_anything_starts() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "local"],
        cwd=PROJECT_DIR,
        env={**os.environ, "PORT": str(free_port()), "BEDROCK": "claude"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output, _ = process.communicate(timeout=60)

    assert process.returncode == 1
    assert output.strip() == "BEDROCK=claude is not one of off, stand-in."


def _wait_until_healthy(process: subprocess.Popen[str], port: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(f"http://127.0.0.1:{port}/_local/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)


def _normalised(text: str, port: int) -> list[str]:
    """Lines without what changes between runs: the port, the time taken, Pulumi's name suffixes."""
    text = text.replace(f"127.0.0.1:{port}", "127.0.0.1:PORT")
    text = re.sub(r"ready in \d+\.\d s", "ready in N s", text)
    text = re.sub(r"-[0-9a-f]{7}\b", "-SUFFIX", text)
    return [line.rstrip() for line in text.splitlines()]


def _readme_sample(port: int) -> list[str]:
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Try it\n.*?```\n(.*?)```", readme, re.DOTALL)
    assert block, "README.md has no sample output under 'Try it'"
    return _normalised(block.group(1).replace("127.0.0.1:8000", f"127.0.0.1:{port}"), port)


def test_ctrl_c_stops_it_cleanly_after_printing_what_the_readme_shows() -> None:
    port = free_port()
    process = _start(port)
    try:
        _wait_until_healthy(process, port)

        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert process.returncode == 0, output
    assert output.rstrip().endswith("stopping…\nstopped."), output[-2000:]
    printed = iter(_normalised(output, port))
    # The README's sample appears line by line, in order (log lines may come between).
    assert all(line in printed for line in _readme_sample(port)), output[:3000]


BURST = 60


def _burst(port: int, stop: threading.Event) -> None:
    """Customers asking at once, each from their own address, until told to stop; failures are expected."""
    base_url = f"http://127.0.0.1:{port}"
    reservations = requests.get(f"{base_url}/_local/reservations", timeout=10).json()

    def ask(index: int) -> None:
        reservation = reservations[index % len(reservations)]
        body = {
            "customerPhone": reservation["customerPhone"],
            "reservationNumber": reservation["reservationNumber"],
            "message": "예약 날짜를 바꿀 수 있을까요",
        }
        with contextlib.suppress(Exception):
            LocalClient(base_url).chat_from(f"127.0.3.{index + 1}", body)

    with ThreadPoolExecutor(max_workers=16) as pool:
        for index in range(BURST):
            if stop.is_set():
                break
            pool.submit(ask, index)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_during_a_burst_ends_the_process_without_tracebacks(sig: signal.Signals) -> None:
    port = free_port()
    process = _start(port)
    stop = threading.Event()
    customers = threading.Thread(target=_burst, args=(port, stop), daemon=True)
    try:
        _wait_until_healthy(process, port)
        customers.start()
        time.sleep(3)  # questions in flight, invocations queued, workflows starting
        process.send_signal(sig)
        output, _ = process.communicate(timeout=30)  # the runtime's own deadline is 5 s
    finally:
        stop.set()
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert process.returncode == 0, output[-3000:]
    _, _, after_stop = output.rpartition("stopping…\n")
    assert after_stop.startswith("stopped"), output[-3000:]
    assert "Traceback" not in after_stop, after_stop[-3000:]
