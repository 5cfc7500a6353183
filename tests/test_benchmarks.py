"""The benchmarks still run and print their table (their figures are read, not asserted)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks import latency
from kata import variants


@pytest.fixture(scope="module")
def contention(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[list[str]], Any]:
    """One small run of the contention benchmark: its table's rows and its recorded JSON."""
    record = tmp_path_factory.mktemp("results") / "contention.json"
    small = ["--clients", "2", "--orders", "3", "--rounds", "2", "--record", str(record)]
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.contention", *small],
        cwd=variants.REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()[2:]]
    return rows, json.loads(Path(record).read_text(encoding="utf-8"))


def test_the_contention_benchmark_prints_a_row_per_variant_and_retry_policy(
    contention: tuple[list[list[str]], Any],
) -> None:
    rows, _ = contention

    assert sorted(row[0] for row in rows) == sorted(variants.names() * 2)
    # SQLite lets one writer in at a time: two clients never make a variant give up.
    assert {row[-6] for row in rows} == {"100%"}, rows


def test_the_contention_benchmark_records_the_figures_it_printed(
    contention: tuple[list[list[str]], Any],
) -> None:
    rows, recorded = contention

    head = subprocess.run(
        ["git", "rev-parse", "HEAD"],
        cwd=variants.REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert (recorded["database"], recorded["commit"]) == ("SQLite", head.stdout.strip())
    assert (recorded["clients"], recorded["orders_per_client"], recorded["rounds"]) == (2, 3, 2)
    assert {each["orders"] for each in recorded["rows"]} == {2 * 2 * 3}  # every round counted
    assert recorded["date"]
    printed = [(row[0], row[-6], row[-5], row[-3]) for row in rows]
    assert printed == [
        (
            each["variant"],
            f"{each['placed_percent']:.0f}%",
            f"{each['gave_up_percent']:.0f}%",
            f"{each['vs_transaction_script']:.2f}",
        )
        for each in recorded["rows"]
    ]
    assert all(each["p95_ms"] > 0 for each in recorded["rows"])


def test_the_latency_benchmark_prints_a_row_per_use_case_and_app() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.latency", "--rounds", "1"],
        cwd=variants.REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    rows = result.stdout.splitlines()[2:-1]  # a title, the column names, then the verdict
    apps = ["floor", *variants.names()]
    expected = [(case.label, app) for case in latency.CASES for app in apps]
    # Columns stand two spaces apart or more; a label holds single spaces.
    assert [tuple(re.split(r"\s{2,}", row)[:2]) for row in rows] == expected, result.stdout
