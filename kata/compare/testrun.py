"""Tests: the shared suite's cases passed per variant, and each variant's own suite.

The shared acceptance suite runs once for every variant (SQLite, in process, in parallel);
its time per variant is the sum of its cases' durations. A variant's own suite is
``tests/<variant>/`` (the transaction script has none: it is tested through the shared
suite alone), run on its own so its wall time includes nothing else.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from pathlib import Path

# The compare report runs where every reader can: on SQLite, with no broker.
SERVER_VARIABLES = ("KATA_TEST_POSTGRES_URL", "KATA_TEST_AMQP_URL")


@dataclass(frozen=True)
class SuiteResult:
    passed: int
    failed: int
    skipped: int  # e.g. PostgreSQL-only tests where no server is configured
    seconds: float


@dataclass(frozen=True)
class TestResults:
    shared: SuiteResult  # seconds: the sum of the variant's case durations
    own: SuiteResult | None  # seconds: wall time of the suite run alone


def run_tests(names: list[str], root: Path) -> dict[str, TestResults]:
    shared = _shared_suite(names, root)
    return {
        name: TestResults(shared.get(name, SuiteResult(0, 0, 0, 0.0)), _own_suite(name, root))
        for name in names
    }


def _shared_suite(names: list[str], root: Path) -> dict[str, SuiteResult]:
    chosen = [arg for name in names for arg in ("--variant", name)]
    cases = _pytest(root, ["tests/acceptance", "-n", "auto", *chosen])[0]
    return {
        name: summary([case for case in cases if f"[{name}-sqlite" in case.name]) for name in names
    }


def _own_suite(name: str, root: Path) -> SuiteResult | None:
    folder = root / "tests" / name
    if not folder.is_dir():
        return None
    cases, wall = _pytest(root, [str(folder.relative_to(root))])
    return replace(summary(cases), seconds=wall)


@dataclass(frozen=True)
class Case:
    name: str
    outcome: str  # "passed", "failed" or "skipped"
    seconds: float
    module: str = ""  # dotted, as junit's classname: "tests.acceptance.test_products"


def summary(cases: list[Case]) -> SuiteResult:
    def count(outcome: str) -> int:
        return sum(1 for case in cases if case.outcome == outcome)

    seconds = sum(case.seconds for case in cases)
    return SuiteResult(count("passed"), count("failed"), count("skipped"), seconds)


def _pytest(root: Path, args: list[str]) -> tuple[list[Case], float]:
    """Run pytest; return (test id, passed, seconds) per test case, and the wall time."""
    environment = {k: v for k, v in os.environ.items() if k not in SERVER_VARIABLES}
    with tempfile.TemporaryDirectory() as folder:
        junit = Path(folder) / "junit.xml"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        started = time.perf_counter()
        subprocess.run(
            [*command, f"--junitxml={junit}", *args],
            cwd=root,
            env=environment,
            capture_output=True,
            check=False,
        )
        wall = time.perf_counter() - started
        return read_junit(junit), wall


def read_junit(junit: Path) -> list[Case]:
    """The test cases a pytest ``--junitxml`` file records, with their outcomes."""
    if not junit.exists():
        return []  # pytest did not even start: every count stays 0, which the report shows
    return [
        Case(
            case.get("name", ""),
            _outcome(case),
            float(case.get("time", "0")),
            case.get("classname", ""),
        )
        for case in ET.parse(junit).getroot().iter("testcase")
    ]


def _outcome(case: ET.Element) -> str:
    if case.find("skipped") is not None:
        return "skipped"
    failed = case.find("failure") is not None or case.find("error") is not None
    return "failed" if failed else "passed"
