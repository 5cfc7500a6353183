"""The benchmarks still run and print their table (their figures are read, not asserted)."""

from __future__ import annotations

import subprocess
import sys

from kata import variants


def test_the_contention_benchmark_prints_a_row_per_variant_and_retry_policy() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.contention", "--clients", "2", "--orders", "3"],
        cwd=variants.REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()[2:]]
    assert sorted(row[0] for row in rows) == sorted(variants.names() * 2)
    # SQLite lets one writer in at a time: two clients never make a variant give up.
    assert {row[-6] for row in rows} == {"100%"}, result.stdout
