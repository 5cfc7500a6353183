"""Costs as ratios: what each style costs a workshop, each figure against a baseline.

- **The shared suite**: milliseconds a case (in process, SQLite: the sum of the case
  durations over the cases), against transaction_script's.
- **Latency** of each use case, measured in the same run as a floor (``benchmarks/floor.py``:
  the same requests in one file, stdlib ``sqlite3``, no layers): transaction_script against
  the floor, every other variant against transaction_script (``benchmarks/latency.py``).
- **Contention**: placements under 16 clients on PostgreSQL (``benchmarks/contention.py``),
  too slow and too dependent on a server to run here: the last recorded run, with the commit
  it was measured at, and "stale" for a variant whose code changed since.
- **Mutation score**: how many changes to a variant's business code the shared suite notices
  (``benchmarks/mutation.py``), slower still: each variant's last recorded run, shown the same
  way ("stale" once the variant's code changed, which may be outside the mutated part).

The rows are shared by the terminal, Markdown and HTML reports.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from kata import variants

BASELINE = "transaction_script"
CONTENTION_RECORD = Path("benchmarks") / "results" / "contention-postgresql.json"
MUTATION_RECORDS = Path("benchmarks") / "results"  # mutation-VARIANT.json, one per variant
LATENCY_ROUNDS = 30  # per use case and app: the medians of benchmarks.latency, kept short here


class Latency(Protocol):
    """One median of ``benchmarks.latency``, and its ratio to what the app is held against."""

    @property
    def case(self) -> str: ...
    @property
    def app(self) -> str: ...
    @property
    def median_ms(self) -> float: ...
    @property
    def ratio(self) -> float | None: ...


@dataclass(frozen=True)
class Contention:
    """The recorded contention run: its rows as shipped, and where it was measured."""

    rows: dict[str, dict[str, Any]]  # variant -> its "as shipped" row
    commit: str
    date: str
    database: str
    clients: int

    def freshness(self, name: str) -> str:
        """``current``, or why the figures may no longer hold for variant ``name``."""
        if name not in variants.names():
            return "not measured (not built in)"
        folder = variants.source_dir(name).relative_to(variants.REPO_ROOT)
        return folder_freshness(self.commit, folder, variants.REPO_ROOT)


@dataclass(frozen=True)
class Mutation:
    """A variant's recorded mutation run: its score and where it was measured."""

    killed_of_all: float  # percent of every mutant
    killed_of_non_equivalent: float  # percent of the mutants that change behaviour
    killed_by_own_tests: float  # percent of every mutant: the part of the first the own tests made
    database: str
    commit: str
    date: str


def folder_freshness(commit: str, folder: Path, root: Path) -> str:
    """``current`` if the code of ``folder`` (relative to the git work tree ``root``) is what
    it was at ``commit``; else why not. Only Python files count: a README or a diagram
    changes no figure. ``git diff`` sees only tracked files, so files git does not track yet
    (a new module, a whole variant not yet committed) count as a change too."""
    code = f":(glob){folder.as_posix()}/**/*.py"
    changed = _git(root, "diff", "--quiet", commit, "--", code).returncode
    if changed not in (0, 1):
        return "commit not in this clone"
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "--", code)
    if changed == 1 or untracked.stdout.strip():
        return f"stale: {folder} changed since"
    return "current"


def _git(root: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *arguments], cwd=root, capture_output=True, text=True, check=False
    )


def measure_latency(names: list[str], rounds: int = LATENCY_ROUNDS) -> list[Latency]:
    """``benchmarks.latency``'s figures for ``names`` (the benchmarks live beside the package
    in the repository, not in it)."""
    if str(variants.REPO_ROOT) not in sys.path:
        sys.path.append(str(variants.REPO_ROOT))
    latency = importlib.import_module("benchmarks.latency")
    figures: list[Latency] = latency.measure_latency(rounds, names=names)
    return figures


def recorded_contention(root: Path = variants.REPO_ROOT) -> Contention | None:
    path = root / CONTENTION_RECORD
    if not path.is_file():
        return None
    record = json.loads(path.read_text(encoding="utf-8"))
    shipped = {row["variant"]: row for row in record["rows"] if row["retry_policy"] == "as shipped"}
    return Contention(
        shipped, record["commit"], record["date"], record["database"], record["clients"]
    )


def recorded_mutation(names: list[str], root: Path = variants.REPO_ROOT) -> dict[str, Mutation]:
    """The last recorded mutation run of each variant of ``names`` that has one."""
    found = {}
    for name in names:
        path = root / MUTATION_RECORDS / f"mutation-{name}.json"
        if path.is_file():
            record = json.loads(path.read_text(encoding="utf-8"))
            score = record["score"]
            counts = record.get("counts", {})
            own = counts.get("killed by own tests", 0)
            found[name] = Mutation(
                score["killed_of_all"],
                score["killed_of_non_equivalent"],
                100 * own / (sum(counts.values()) or 1),
                record["database"],
                record["commit"],
                record["date"],
            )
    return found


# --- rows -------------------------------------------------------------------------------------

SUITE_HEADER = ["variant", "cases", "ms a case", f"x {BASELINE}"]
MUTATION_HEADER = [
    "variant", "killed", "killed of non-equivalent", "of all, by own tests", "database", "commit",
    "figures",
]  # fmt: skip
CONTENTION_HEADER = ["variant", "placed", "gave up", f"placed/s x {BASELINE}", "p95", "figures"]


def suite_rows(seconds_and_cases: dict[str, tuple[float, int]]) -> list[list[str]]:
    """Per variant: cases, ms a case and the ratio to the baseline's (``seconds_and_cases``:
    the shared suite's time and cases passed, per variant)."""
    per_case = {name: s / c * 1000 for name, (s, c) in seconds_and_cases.items() if c}
    base = per_case.get(BASELINE)
    return [
        [
            name,
            str(cases),
            f"{per_case[name]:.1f}" if name in per_case else "-",
            f"{per_case[name] / base:.2f}" if base and name in per_case else "-",
        ]
        for name, (_, cases) in seconds_and_cases.items()
    ]


def latency_header(names: list[str]) -> list[str]:
    return ["use case", "floor", *names]


LATENCY_NOTE = (
    "Median in-process cost per request (CPU time of the request's thread), every app in "
    "the same run, taking turns: transaction_script against a floor (benchmarks/floor.py: "
    "the same requests in one file, stdlib sqlite3, no layers; goal: 2x at most), every "
    "other variant against transaction_script, TS (goal: 1.5x at most)."
)


def latency_rows(figures: list[Latency], names: list[str]) -> list[list[str]]:
    """Per use case: the floor's median, then each variant's median with its ratio (to the
    floor for the baseline, to the baseline for the others)."""
    cases = list(dict.fromkeys(figure.case for figure in figures))
    found = {(figure.case, figure.app): figure for figure in figures}

    def cell(case: str, app: str) -> str:
        figure = found.get((case, app))
        if figure is None:
            return "-"
        if figure.ratio is None:
            return f"{figure.median_ms:.2f} ms"
        against = "floor" if app == BASELINE else "TS"
        return f"{figure.median_ms:.2f} ms, {figure.ratio:.2f}x {against}"

    return [[case, cell(case, "floor"), *(cell(case, name) for name in names)] for case in cases]


def contention_rows(contention: Contention, names: list[str]) -> list[list[str]]:
    rows = []
    for name in names:
        row = contention.rows.get(name)
        if row is None:
            rows.append([name, "-", "-", "-", "-", "not measured"])
            continue
        rows.append([
            name,
            f"{row['placed_percent']:.0f}%",
            f"{row['gave_up_percent']:.0f}%",
            f"{row['vs_transaction_script']:.2f}",
            f"{row['p95_ms']:.0f} ms",
            contention.freshness(name),
        ])  # fmt: skip
    return rows


def contention_note(contention: Contention) -> str:
    return (
        f"Recorded on {contention.database} with {contention.clients} clients at commit "
        f"{contention.commit[:10]} ({contention.date}); run "
        f"`python -m benchmarks.contention --database-url URL --record {CONTENTION_RECORD}` "
        "to measure again."
    )


MUTATION_NOTE = (
    "Mutation score of each variant's business code under the shared suite, as last recorded "
    "(too slow to run here): the share of all mutants the suite kills, and of those that "
    "change behaviour (benchmarks/mutation-equivalents.toml lists the others). Code the "
    "shared suite never reaches (an adapter only the variant plugs in, a command of its own), "
    "or reaches but cannot pin without a fault of the variant's own (a service down, a saga "
    "half done, two servers starting at once) or a call no request makes (a domain guard "
    "the request schema has already passed, a retry's backoff), is judged by the variant's "
    "own tests: the "
    "part of the score they make is shown apart. Run "
    "`python -m benchmarks.mutation VARIANT --record` to measure a variant again."
)


def mutation_rows(recorded: dict[str, Mutation], names: list[str]) -> list[list[str]]:
    rows = []
    for name in names:
        run = recorded.get(name)
        if run is None:
            rows.append([name, "-", "-", "-", "-", "-", "not measured"])
            continue
        folder = variants.source_dir(name).relative_to(variants.REPO_ROOT)
        rows.append([
            name,
            f"{run.killed_of_all:.1f}%",
            f"{run.killed_of_non_equivalent:.1f}%",
            f"{run.killed_by_own_tests:.1f}%",
            run.database,
            f"{run.commit[:10]} ({run.date})",
            folder_freshness(run.commit, folder, variants.REPO_ROOT),
        ])  # fmt: skip
    return rows
