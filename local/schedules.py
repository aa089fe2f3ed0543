"""Plays the program's EventBridge Scheduler schedules: every `SWEEP_SECONDS` (default 30) instead of the
declared rate, so a stuck request is ended within a demo's patience. Each run is an asynchronous invoke of
the schedule's target, with the schedule's input, as Scheduler makes it."""

from __future__ import annotations

import json
import logging
import os
import threading

from local.deploy import Deployment
from local.lambdas import LambdaRunner

DEFAULT_SWEEP_SECONDS = 30.0

log = logging.getLogger("local.schedules")


def sweep_seconds() -> float:
    value = float(os.environ.get("SWEEP_SECONDS", DEFAULT_SWEEP_SECONDS))
    if value <= 0:
        raise ValueError("SWEEP_SECONDS must be positive")
    return value


class SchedulePlayer:
    def __init__(self, deployment: Deployment, runner: LambdaRunner, every_seconds: float) -> None:
        self._deployment = deployment
        self._runner = runner
        self._every = every_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="local-schedules", daemon=True)

    def start(self) -> None:
        if self._deployment.schedules:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def run_once(self) -> None:
        for schedule in self._deployment.schedules:
            try:
                function = self._runner.resolve(schedule.target_arn)
                self._runner.invoke_async(function, json.loads(schedule.input or "{}"))
            except Exception:  # a schedule that cannot fire must not stop the others
                log.exception("schedule %s could not invoke its target", schedule.name)

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self.run_once()
