"""The summary: one row per variant, shared by the terminal, Markdown and HTML reports."""

from __future__ import annotations

from kata.compare.collect import Comparison, VariantFigures
from kata.compare.cost import Cost
from kata.compare.testrun import SuiteResult

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


def table(header: list[str], rows: list[list[str]]) -> str:
    """A plain-text table with aligned columns, for the terminal."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
             for row in [header, *rows]]  # fmt: skip
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def change_text(figures: VariantFigures, exercise: str) -> str:
    change = figures.changes.get(exercise)
    return str(change) if change else "no solution"
