"""Gather every figure of the comparison, variant by variant.

Each variant runs on a fresh SQLite database in a temporary folder, so the figures never
depend on what an earlier run left behind.
"""

from __future__ import annotations

import tempfile
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path

from kata import variants
from kata.compare.cost import Cost, measure, prepare_app
from kata.compare.paths import Step, trace
from kata.compare.progress import Counted, Steps, quiet
from kata.compare.ratios import (
    LATENCY_ROUNDS,
    Contention,
    Latency,
    Mutation,
    measure_latency,
    recorded_contention,
    recorded_mutation,
)
from kata.compare.rules import ROOT, doc_rules, rule_order, scan_variant, variant_folder
from kata.compare.shape import Shape, measure_shape
from kata.compare.testrun import TestResults, run_tests
from kata.compare.usecases import USE_CASES
from kata.compare.workspaces import OwnChange, own_change
from kata.workshop import check, verify

MANY_LINES = 20  # O1's maximum: a count that grows with lines shows here
_COUNTED_ROUNDS = 2  # a statement count is the second (warm) run's


@dataclass(frozen=True)
class VariantFigures:
    name: str
    paths: dict[str, list[Step]]  # use case -> the variant's own functions, in call order
    rules: dict[str, list[str]]  # rule id -> "path:line" places
    costs: dict[str, tuple[Cost, Cost]]  # use case -> (1 line, MANY_LINES lines)
    shape: Shape
    contracts: list[check.Verdict]  # the contracts of the style the variant is held to
    tests: TestResults | None  # None when the run skipped the tests
    changes: dict[str, verify.ChangeCost]  # exercise -> what its reference solution touches


@dataclass(frozen=True)
class Comparison:
    use_cases: list[str]
    rules: list[str]
    exercises: list[str]
    variants: list[VariantFigures]
    latency: list[Latency]  # benchmarks.latency: the built-ins against a floor, in this run
    contention: Contention | None  # benchmarks.contention, as last recorded
    # Variants (participants' workspaces, mid-edit) that do not load: "FILE:LINE: message".
    unloadable: dict[str, str] = field(default_factory=dict)
    # Each workspace compared: its own change against the variant it was copied from.
    workspaces: dict[str, OwnChange] = field(default_factory=dict)
    # benchmarks.mutation, as last recorded: each variant that has a record.
    mutation: dict[str, Mutation] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [figures.name for figures in self.variants]

    def suite_times(self) -> dict[str, tuple[float, int]]:
        """The shared suite per variant: (seconds of case time, cases passed; 0 if not run)."""
        return {
            f.name: (f.tests.shared.seconds, f.tests.shared.passed) if f.tests else (0.0, 0)
            for f in self.variants
        }


def collect(
    names: list[str],
    rounds: int,
    with_tests: bool,
    *,
    progress: Steps = quiet,
    latency_rounds: int = LATENCY_ROUNDS,
) -> Comparison:
    """Every figure of every variant of ``names`` that loads; one that does not (a syntax
    error, an import error, an app that fails at start) is named with the reason, and the
    others are compared as if it were not there. ``progress`` is told of each step.
    ``latency_rounds``: requests per use case and app timed against the floor (a test that
    reads the report's shape, not its figures, needs one)."""
    step = Counted(progress, total=len(names) + 3 + with_tests)
    step("starting each variant once")
    unloadable = {name: error for name in names if (error := load_error(name))}
    names = [name for name in names if name not in unloadable]
    step.total -= len(unloadable)
    if with_tests:
        step("running the test suites")
    tests = run_tests(names, ROOT) if with_tests else {}
    step("reading the exercises' reference solutions")
    changes = _change_costs()
    figures = []
    for name in names:
        step(f"measuring {name}")
        figures.append(_figures(name, rounds, tests.get(name), changes.get(name, {})))
    exercises = sorted({exercise for per in changes.values() for exercise in per})
    rules = sorted(doc_rules(), key=rule_order)
    step("timing the use cases against the floor")
    latency = measure_latency(names, latency_rounds)
    return Comparison(
        [u.name for u in USE_CASES],
        rules,
        exercises,
        figures,
        latency,
        recorded_contention(),
        unloadable,
        _own_changes(figures),
        recorded_mutation(names),
    )


def load_error(name: str) -> str | None:
    """None if variant ``name`` imports and starts; else where and why it does not."""
    with tempfile.TemporaryDirectory() as folder:
        try:
            app = variants.create_app(name, f"sqlite:///{folder}/probe.sqlite3")
        except Exception as error:  # a participant's half-done edit may raise anything
            return _where(error, variants.source_dir(name))
        variants.close_app(app)
    return None


def _where(error: Exception, folder: Path) -> str:
    """``FILE:LINE: message`` for ``error``, at its deepest frame inside ``folder``."""
    if isinstance(error, SyntaxError) and error.filename:
        return f"{_shown(Path(error.filename))}:{error.lineno}: {error.msg}"
    frames = traceback.extract_tb(error.__traceback__)
    inside = [f for f in frames if Path(f.filename).resolve().is_relative_to(folder.resolve())]
    frame = (inside or frames)[-1]
    return f"{_shown(Path(frame.filename))}:{frame.lineno}: {type(error).__name__}: {error}"


def _shown(path: Path) -> str:
    """``path`` relative to the repository where it lies inside it."""
    resolved = path.resolve()
    root = variants.REPO_ROOT.resolve()
    return str(resolved.relative_to(root)) if resolved.is_relative_to(root) else str(path)


def _figures(
    name: str, rounds: int, tests: TestResults | None, changes: dict[str, verify.ChangeCost]
) -> VariantFigures:
    paths, costs = _run_use_cases(name, rounds)
    return VariantFigures(
        name=name,
        paths=paths,
        rules=_rule_places(name),
        costs=costs,
        shape=measure_shape(variants.package(name), variant_folder(name)),
        contracts=check.check(name),
        tests=tests,
        changes=changes,
    )


def _run_use_cases(
    name: str, rounds: int
) -> tuple[dict[str, list[Step]], dict[str, tuple[Cost, Cost]]]:
    paths: dict[str, list[Step]] = {}
    costs: dict[str, tuple[Cost, Cost]] = {}
    with tempfile.TemporaryDirectory() as folder:
        app = prepare_app(variants.create_app(name, f"sqlite:///{folder}/compare.sqlite3"))
        try:
            client = app.test_client()
            firsts = [number * 1000 for number in range(len(USE_CASES))]  # customers apart
            # Paths and statement counts first, on a history the rounds do not change: what
            # a request does may depend on what came before (event_sourced writes a product's
            # snapshot at every tenth event of its stream), and the report must not.
            for first, use_case in zip(firsts, USE_CASES, strict=True):
                request = use_case.prepare(client, 1, first)
                paths[use_case.name] = trace(app, request, variant_folder(name), ROOT)
            counted = {
                use_case.name: (
                    measure(app, use_case, 1, _COUNTED_ROUNDS, first + 1),
                    measure(app, use_case, MANY_LINES, _COUNTED_ROUNDS, first + 3),
                )
                for first, use_case in zip(firsts, USE_CASES, strict=True)
            }
            for first, use_case in zip(firsts, USE_CASES, strict=True):
                one = measure(app, use_case, 1, rounds, first + 5)
                many = measure(app, use_case, MANY_LINES, rounds, first + 505)
                one_counted, many_counted = counted[use_case.name]
                costs[use_case.name] = (
                    replace(one_counted, median_ms=one.median_ms),
                    replace(many_counted, median_ms=many.median_ms),
                )
        finally:
            variants.close_app(app)
    return paths, costs


def _rule_places(name: str) -> dict[str, list[str]]:
    places: dict[str, list[str]] = {}
    for marker in scan_variant(name).markers:
        for rule in marker.ids:
            places.setdefault(rule, []).append(marker.where)
    return places


def _own_changes(figures: list[VariantFigures]) -> dict[str, OwnChange]:
    """Each workspace among ``figures``: what its participant changed (see workspaces.py)."""
    references = verify.change_costs()
    return {
        f.name: own_change(space, f.contracts, references)
        for f in figures
        if (space := variants.workspace(f.name)) is not None
    }


def _change_costs() -> dict[str, dict[str, verify.ChangeCost]]:
    """variant -> exercise ("02 New rule: coupon codes") -> what its solution touches."""
    costs: dict[str, dict[str, verify.ChangeCost]] = {}
    for solution in verify.solutions():
        exercise = f"{solution.exercise.number} {solution.exercise.title}"
        costs.setdefault(solution.variant, {})[exercise] = solution.cost
    return costs
