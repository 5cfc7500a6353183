"""Where ``kata compare`` is while it measures, on stderr (stdout keeps the tables).

On a terminal, one bar redrawn in place; anywhere else (a CI log, a pipe), one line per
step, so a log shows where the time went.
"""

from __future__ import annotations

import sys
import time
from typing import Protocol, TextIO

from kata import terminal


class Steps(Protocol):
    """Told before each step of a run of ``total`` steps: ``done`` of them are finished."""

    def __call__(self, label: str, done: int, total: int) -> None: ...


def quiet(label: str, done: int, total: int) -> None:
    """Steps that say nothing (the tests' collections, a library caller)."""


class Counted:
    """Numbers the steps for ``steps``: call it with each step's label as the step starts."""

    def __init__(self, steps: Steps, total: int) -> None:
        self.steps = steps
        self.total = total  # may shrink once a run knows it has less to do
        self.done = 0

    def __call__(self, label: str) -> None:
        self.steps(label, self.done, self.total)
        self.done += 1


class Progress:
    """Steps shown as a bar on a terminal, as a line each elsewhere."""

    BAR = 24  # characters

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()
        self.drawn = False  # a bar is on the current line

    def __call__(self, label: str, done: int, total: int) -> None:
        seconds = time.perf_counter() - self.started
        if self.stream.isatty():
            self._bar(label, done, total, seconds)
        else:
            print(f"kata compare: [{done + 1}/{total}] {label} ({seconds:.0f} s)", file=self.stream)
        self.stream.flush()

    def finish(self) -> None:
        """Clear the bar, so what follows starts on a line of its own."""
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.drawn = False

    def _bar(self, label: str, done: int, total: int, seconds: float) -> None:
        filled = round(self.BAR * done / total) if total else self.BAR
        text = f"[{'#' * filled}{'.' * (self.BAR - filled)}] {done}/{total} {label} {seconds:.0f} s"
        if len(text) >= terminal.columns():  # it would wrap and the next \r would not erase it
            text = f"{done}/{total} {label}"
        self.stream.write(f"\r\033[K{text}")
        self.drawn = True
