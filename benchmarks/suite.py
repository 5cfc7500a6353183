"""What the shared acceptance suite costs a workshop: milliseconds a case, per variant.

Each variant's suite runs as a participant runs it, ``pytest tests/acceptance --variant NAME``
in a new process, serially, in process, on SQLite; the wall time includes the start-up
(interpreter, imports, collection, the app's start). The variants take turns round by round,
so a busy machine slows them alike; each figure is the median of the rounds (the first
writes the bytecode caches a participant's later runs reuse). The CPU time
of the same processes is printed beside it: it moves less than the wall time when other work
shares the machine.

    python -m benchmarks.suite                       # every built-in variant, 3 rounds
    python -m benchmarks.suite --variant aggregate --rounds 5

The goal (the fast-feedback issue): 15 ms a case or less, wall, for every variant.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

from kata import variants

GOAL_MS_PER_CASE = 15.0
_PASSED = re.compile(r"(\d+) passed")


@dataclass(frozen=True)
class SuiteRun:
    variant: str
    cases: int
    wall_seconds: float
    cpu_seconds: float


def run_suite(variant: str, select: str | None = None) -> SuiteRun:
    """One serial run of the shared suite against ``variant``; fails if a case does."""
    command = [sys.executable, "-m", "pytest", "tests/acceptance", "--variant", variant, "-q"]
    if select:
        command += ["-k", select]
    # As a participant runs it: Python's defaults, so no PYTHONDONTWRITEBYTECODE, which would
    # make every run compile the kata and rewrite the tests' assertions again.
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KATA_TEST_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        command,
        cwd=variants.REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    passed = _PASSED.search(done.stdout.splitlines()[-1] if done.stdout else "")
    if done.returncode != 0 or passed is None:
        raise SystemExit(f"the suite failed for {variant}:\n{done.stdout[-3000:]}{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return SuiteRun(variant, int(passed.group(1)), wall, cpu)


def measure(names: list[str], rounds: int, select: str | None = None) -> list[SuiteRun]:
    """The median run of each variant over ``rounds`` interleaved rounds."""
    runs: dict[str, list[SuiteRun]] = {name: [] for name in names}
    for _ in range(rounds):
        for name in names:
            runs[name].append(run_suite(name, select))
    return [
        SuiteRun(
            name,
            taken[0].cases,
            statistics.median(r.wall_seconds for r in taken),
            statistics.median(r.cpu_seconds for r in taken),
        )
        for name, taken in runs.items()
    ]


def table(results: list[SuiteRun]) -> list[str]:
    baseline = results[0]
    rows = [
        f"{'variant':20} {'cases':>5} {'wall s':>7} {'ms/case':>8} {'cpu ms/case':>11} "
        f"{'x ' + baseline.variant:>22} {'goal':>5}",
    ]
    for run in results:
        per_case = run.wall_seconds / run.cases * 1000
        rows.append(
            f"{run.variant:20} {run.cases:5} {run.wall_seconds:7.2f} {per_case:8.1f} "
            f"{run.cpu_seconds / run.cases * 1000:11.1f} "
            f"{run.wall_seconds / baseline.wall_seconds:22.2f} "
            f"{'yes' if per_case <= GOAL_MS_PER_CASE else 'no':>5}"
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variant", action="append", help="only these (repeatable)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("-k", dest="select", help="only the cases pytest -k selects")
    options = parser.parse_args(argv)
    names = options.variant or variants.names()
    print("\n".join(table(measure(names, options.rounds, options.select))))
    print(f"\nwall: median of {options.rounds} rounds, start-up included; goal <= 15 ms a case")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
