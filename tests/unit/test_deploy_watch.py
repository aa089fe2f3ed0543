"""The local deployment's watchdog: a deployment that stops making resources is stuck; a slow one is not."""

from __future__ import annotations

import threading

from local.__main__ import _StallWatch


def test_a_deployment_that_makes_no_resource_is_called_stuck() -> None:
    stuck = threading.Event()
    _StallWatch(0.1, stuck.set)
    assert stuck.wait(10)


def test_a_finished_deployment_is_never_called_stuck() -> None:
    stuck = threading.Event()
    _StallWatch(0.1, stuck.set).cancel()
    assert not stuck.wait(0.5)


def test_each_resource_made_starts_the_count_again() -> None:
    stuck = threading.Event()
    watch = _StallWatch(1.0, stuck.set)
    beats = 0
    while beats < 30 and not stuck.is_set():  # thirty beats 0.1 s apart outlast the 1 s allowance
        watch.beat()
        beats += 1
        stuck.wait(0.1)
    watch.cancel()
    assert beats == 30
