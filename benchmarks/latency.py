"""In-process latency of each use case: the floor and every built-in variant, in one run.

The floor (``benchmarks/floor.py``) serves the same requests in one file, with the standard
library's ``sqlite3`` and no layers: the lowest honest cost of each request in this stack. Each
app gets a fresh SQLite file (in ``/dev/shm`` when the machine has it, so the disk does not
decide) and is driven through Flask's test client with the use cases of
``kata.compare.usecases``; only the measured request is timed, never its set-up. The apps take
turns request by request, round after round, so load on the machine hits them all alike.

The table gives each median in milliseconds and two ratios measured in the same run:
transaction_script against the floor (goal: at most 2x), every other variant against
transaction_script (goal: at most 1.5x). A variant of several services (microservices) runs
them all in this process, its calls between them real HTTP messages over httpx's WSGI
transport: the figure holds their encoding and decoding, not a network's round trip.

A request is timed on the CPU clock of its thread by default: the benchmark runs in one
thread on files in memory, so that is the request's cost, and it leaves out the time the
process waits for a core on a busy machine, which otherwise inflates the longer requests
more (a request preempted once waits a whole time slice). On a quiet machine, ``--clock
wall`` gives wall time.

    python -m benchmarks.latency                # 100 rounds
    python -m benchmarks.latency --rounds 300   # steadier medians
    python -m benchmarks.latency --clock wall

The figures depend on the machine and its load: compare ratios of one run, not runs.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from benchmarks import floor
from kata import variants
from kata.compare.cost import prepare_app, timed
from kata.compare.usecases import UseCase, use_case

FLOOR = "floor"
BASELINE = "transaction_script"
# Goals: the baseline against the floor, every other variant against the baseline.
BASELINE_GOAL = 2.0
VARIANT_GOAL = 1.5
DEFAULT_ROUNDS = 100
WARM_UP_ROUNDS = 5  # run, not counted: imports, first connections, statement caches
CLOCKS: dict[str, Callable[[], float]] = {"cpu": time.thread_time, "wall": time.perf_counter}


@dataclass(frozen=True)
class Case:
    """A row group of the table: a use case of ``kata.compare`` on an order of ``lines``."""

    label: str
    use_case: UseCase
    lines: int


CASES = [
    Case("place 1 line", use_case("place order"), 1),
    Case("place 20 lines", use_case("place order"), 20),
    Case("get a 1-line order", use_case("get order"), 1),
    Case("get a 20-line order", use_case("get order"), 20),
    Case("amend", use_case("amend line"), 1),
    Case("cancel", use_case("cancel"), 1),
    Case("pay", use_case("pay"), 1),
]


@dataclass(frozen=True)
class Latency:
    """One app's median for one case, and its ratio to what it is held against."""

    case: str
    app: str  # "floor" or a variant name
    median_ms: float
    against: str | None  # "floor" for the baseline, the baseline for other variants
    ratio: float | None
    goal: float | None

    @property
    def met(self) -> bool:
        return self.ratio is None or self.goal is None or self.ratio <= self.goal


def measure_latency(
    rounds: int = DEFAULT_ROUNDS,
    folder: Path | None = None,
    clock: str = "cpu",
    names: list[str] | None = None,
) -> list[Latency]:
    """The figures of the table, one per case and app: the floor, the baseline, then the
    other variants of ``names`` (default: the built-ins; workspaces may be named)."""
    apps = [FLOOR, *dict.fromkeys([BASELINE, *(names or variants.names())])]
    with _database_folder(folder) as where, _started(apps, where) as started:
        durations = _run_rounds(started, rounds, CLOCKS[clock])
    figures: list[Latency] = []
    for case in CASES:
        medians = {app: statistics.median(durations[case.label, app]) * 1000 for app in apps}
        for app in apps:
            against, goal = _held_against(app)
            ratio = None if against is None else medians[app] / medians[against]
            figures.append(Latency(case.label, app, medians[app], against, ratio, goal))
    return figures


def _held_against(app: str) -> tuple[str | None, float | None]:
    if app == FLOOR:
        return None, None
    if app == BASELINE:
        return FLOOR, BASELINE_GOAL
    return BASELINE, VARIANT_GOAL


def _run_rounds(
    apps: dict[str, Flask], rounds: int, clock: Callable[[], float]
) -> dict[tuple[str, str], list[float]]:
    """Every case on every app, round after round; the first rounds only warm up."""
    clients = {name: app.test_client() for name, app in apps.items()}
    order = list(clients)
    durations: dict[tuple[str, str], list[float]] = {}
    for round_ in range(WARM_UP_ROUNDS + rounds):
        order = order[1:] + order[:1]  # each app takes each place in turn
        for number, case in enumerate(CASES):
            customer = round_ * len(CASES) + number  # O6: three open orders per customer
            for name in order:
                request = case.use_case.prepare(clients[name], case.lines, customer)
                seconds = timed(clients[name], request, clock)
                if round_ >= WARM_UP_ROUNDS:
                    durations.setdefault((case.label, name), []).append(seconds)
    return durations


@contextmanager
def _database_folder(folder: Path | None) -> Iterator[Path]:
    if folder is not None:
        yield folder
        return
    memory = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=memory if memory.is_dir() else None) as made:
        yield Path(made)


@contextmanager
def _started(apps: list[str], folder: Path) -> Iterator[dict[str, Flask]]:
    """Each app on a fresh SQLite file of its own, holding the use cases' products."""
    started: dict[str, Flask] = {}
    try:
        for name in apps:
            path = folder / f"{name}.sqlite3"
            app = floor.create_app(str(path)) if name == FLOOR else None
            app = app or variants.create_app(name, f"sqlite:///{path}")
            started[name] = prepare_app(app)
        yield started
    finally:
        for app in started.values():
            variants.close_app(app)


def table(figures: list[Latency]) -> str:
    """The figures as text: one row per case and app."""
    rows = [f"{'use case':<21}{'app':<20}{'median ms':>10}  {'ratio':<26}goal"]
    for figure in figures:
        ratio = goal = ""
        if figure.ratio is not None and figure.goal is not None:
            ratio = f"{figure.ratio:.2f}x {figure.against}"
            verdict = "met" if figure.met else "MISSED"
            goal = f"<= {figure.goal}x {verdict}"
        rows.append(
            f"{figure.case:<21}{figure.app:<20}{figure.median_ms:>10.3f}  {ratio:<26}{goal}"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS, help="measured rounds")
    parser.add_argument("--clock", choices=list(CLOCKS), default="cpu", help="what is timed")
    args = parser.parse_args()
    figures = measure_latency(args.rounds, clock=args.clock)
    print(
        f"Median in-process latency ({args.clock} time) over {args.rounds} rounds,"
        " SQLite, Flask test client"
    )
    print(table(figures))
    missed = sorted({figure.app for figure in figures if not figure.met})
    print(f"Goal missed by: {', '.join(missed)}" if missed else "Every goal met.")


if __name__ == "__main__":
    main()
