"""The benchmarks still run and print their table (their figures are read, not asserted)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from benchmarks import contention as benchmark
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
    # It exited 0, so the rules held; the record says so.
    assert {(each["server_errors"], each["stock_drift"]) for each in recorded["rows"]} == {(0, 0)}


def test_a_contention_run_that_broke_the_rules_of_section_6_says_which() -> None:
    def run(**outcomes: int) -> benchmark.Run:
        return benchmark.Run("planted", "as shipped", Counter(outcomes), 1.0, [0.01])

    assert run(placed=4).broken == []
    broken = benchmark.Run("planted", "as shipped", Counter(placed=3), 1.0, [0.01], 2)
    broken.outcomes[benchmark.SERVER_ERROR] = 1
    assert broken.broken == ["1 answers of 500 or more", "2 units of stock unaccounted for"]
    assert benchmark._outcome(500, {"type": "https://kata.example/problems/internal-error"}) == (
        benchmark.SERVER_ERROR
    )


def test_the_stock_read_back_must_account_for_every_unit_placed() -> None:
    app = Flask("planted")
    app.add_url_rule(
        "/products/<sku>", view_func=lambda sku: {"sku": sku, "stock": benchmark.STOCK - 5}
    )
    each = dict.fromkeys(benchmark.PRODUCTS, 5)

    assert benchmark.stock_drift(app, Counter(each)) == 0
    assert benchmark.stock_drift(app, Counter({**each, "HOT-1": 7})) == 2  # 2 units oversold
    assert benchmark.stock_drift(app, Counter({**each, "HOT-2": 4})) == 1  # a unit lost


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
