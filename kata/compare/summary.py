"""The summary: one row per variant, shared by the terminal, Markdown and HTML reports."""

from __future__ import annotations

import statistics

from kata.compare.collect import Comparison, VariantFigures
from kata.compare.cost import Cost
from kata.compare.ratios import BASELINE, suite_rows
from kata.compare.testrun import SuiteResult
from kata.compare.workspaces import OwnChange

STABLE = ["variant", "files", "lines", "functions", "complexity mean / max", "contracts kept",
          "SQL place 1 / 20 lines", "SQL cancel 1 / 20 lines", "grows with lines"]  # fmt: skip
MEASURED = ["variant", "place median", "cancel median", "shared suite", "own tests"]


def stable_rows(comparison: Comparison) -> list[list[str]]:
    """Figures that change only when the code changes."""
    return [_stable(figures) for figures in comparison.variants]


def measured_rows(comparison: Comparison) -> list[list[str]]:
    """Figures that differ from run to run: times, and test results."""
    return [_measured(figures) for figures in comparison.variants]


def _stable(figures: VariantFigures) -> list[str]:
    shape = figures.shape
    kept = sum(1 for contract in figures.contracts if contract.kept)
    return [
        figures.name,
        str(shape.files),
        str(shape.lines),
        str(shape.functions),
        f"{shape.mean_complexity:.2f} / {shape.max_complexity}",
        f"{kept} / {len(figures.contracts)}",
        statements(figures, "place order"),
        statements(figures, "cancel"),
        ", ".join(growing(figures)) or "no",
    ]


def _measured(figures: VariantFigures) -> list[str]:
    tests = figures.tests
    return [
        figures.name,
        milliseconds(figures, "place order"),
        milliseconds(figures, "cancel"),
        suite(tests.shared, "of test time") if tests else "not run",
        (suite(tests.own, "wall") if tests.own else "none") if tests else "not run",
    ]


def statements(figures: VariantFigures, use_case: str) -> str:
    one, many = figures.costs[use_case]
    return f"{one.statements} / {many.statements}"


def statements_per_service(figures: VariantFigures, use_case: str) -> str:
    """``statements`` and, for a variant of several services, each service's share and the
    HTTP calls between them: ``17 / 17 (ordering 9 / 9, inventory 8 / 8; 2 HTTP calls)``."""
    one, many = figures.costs[use_case]
    if not several_services(figures):
        return statements(figures, use_case)
    calls = f"{one.calls} HTTP call{'' if one.calls == 1 else 's'}"
    return f"{statements(figures, use_case)} ({_shares(one, many)}; {calls})"


SERVICES = ["variant", "use case", "SQL per service, 1 / 20 lines", "HTTP calls 1 / 20 lines"]


def service_rows(comparison: Comparison) -> list[list[str]]:
    """For each variant of several services: each use case's statements per service and
    the HTTP calls between the services (none for a variant of one service)."""
    return [
        [figures.name, use_case, _shares(one, many), f"{one.calls} / {many.calls}"]
        for figures in comparison.variants
        if several_services(figures)
        for use_case, (one, many) in figures.costs.items()
    ]


def several_services(figures: VariantFigures) -> bool:
    """Did any request of the variant reach more than one service?"""
    return any(
        len(cost.per_service) > 1 or cost.calls for pair in figures.costs.values() for cost in pair
    )


def _shares(one: Cost, many: Cost) -> str:
    return ", ".join(
        f"{service} {count} / {many.services.get(service, 0)}" for service, count in one.per_service
    )


def milliseconds(figures: VariantFigures, use_case: str) -> str:
    return f"{figures.costs[use_case][0].median_ms:.1f} ms"


def growing(figures: VariantFigures) -> list[str]:
    """The use cases whose statement count, or a service's, or the HTTP calls between
    services, grow with the number of order lines."""
    return [
        name
        for name, (one, many) in figures.costs.items()
        if many.statements > one.statements
        or many.calls > one.calls
        or any(count > one.services.get(service, 0) for service, count in many.per_service)
    ]


def suite(result: SuiteResult, how: str) -> str:
    total = result.passed + result.failed
    text = f"{result.passed}/{total} passed, {result.seconds:.1f} s {how}"
    return text + (f", {result.skipped} skipped" if result.skipped else "")


def change_text(figures: VariantFigures, exercise: str) -> str:
    change = figures.changes.get(exercise)
    return str(change) if change else "no solution"


ESSENTIALS = ["variant", "files", "lines", "SQL statements per request",
              "latency × floor", f"latency × {BASELINE}", "shared suite, ms a case",
              "contracts kept"]  # fmt: skip


def essential_rows(comparison: Comparison) -> list[list[str]]:
    """The first table of the HTML report: what a room needs to know of each variant.

    Statements: the fewest and the most a request of one line issues, over the use cases.
    Latency: the geometric mean, over the latency cases, of the variant's median against
    the floor's and against the baseline's, measured in the same run."""
    per_case = {row[0]: row[2] for row in suite_rows(comparison.suite_times())}
    return [
        [
            f.name,
            str(f.shape.files),
            str(f.shape.lines),
            _statement_range(f),
            _latency_ratio(comparison, f.name, "floor"),
            _latency_ratio(comparison, f.name, BASELINE),
            per_case[f.name] if per_case[f.name] != "-" else "not run",
            f"{sum(1 for c in f.contracts if c.kept)} / {len(f.contracts)}",
        ]
        for f in comparison.variants
    ]


def _statement_range(figures: VariantFigures) -> str:
    counts = [one.statements for one, _ in figures.costs.values()]
    fewest, most = min(counts, default=0), max(counts, default=0)
    return str(fewest) if fewest == most else f"{fewest}–{most}"


def latency_ratio(comparison: Comparison, name: str, against: str) -> float | None:
    """The geometric mean over the latency cases of ``name``'s median over ``against``'s."""
    medians = {(f.case, f.app): f.median_ms for f in comparison.latency}
    cases = dict.fromkeys(f.case for f in comparison.latency)
    ratios = [
        medians[case, name] / medians[case, against]
        for case in cases
        if (case, name) in medians and medians.get((case, against))
    ]
    return statistics.geometric_mean(ratios) if ratios else None


def _latency_ratio(comparison: Comparison, name: str, against: str) -> str:
    ratio = latency_ratio(comparison, name, against)
    return "-" if ratio is None else f"{ratio:.2f}"


WORKSPACES = ["workspace", "exercise", "copied from", "its change", "layers it touched",
              "contracts kept", "reference solution", "layers the reference touched"]  # fmt: skip


def workspace_rows(comparison: Comparison) -> list[list[str]]:
    """Each workspace's own change beside its exercise's reference solution on its origin."""
    return [_workspace_row(change) for change in comparison.workspaces.values()]


def _workspace_row(change: OwnChange) -> list[str]:
    return [
        change.workspace,
        change.exercise or "none",
        change.origin,
        str(change.change) if change.change.files else "no change",
        ", ".join(change.layers) or "none",
        f"{change.contracts_kept} / {change.contracts}",
        str(change.reference) if change.reference else "none",
        ", ".join(change.reference_layers) or "-",
    ]
