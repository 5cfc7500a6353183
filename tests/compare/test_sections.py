"""Each section of ``kata compare`` measures what it claims, checked on the real variants and
on small planted cases so that a section that finds nothing cannot pass."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from kata import variants
from kata.compare import ratios
from kata.compare.collect import MANY_LINES, Comparison, VariantFigures
from kata.compare.cost import Cost
from kata.compare.diagram import mermaid, ranks, svg
from kata.compare.shape import Layer, Shape
from kata.compare.summary import growing

LAYERS = ("presentation", "services", "data")


def test_every_use_case_has_a_recorded_path_in_every_variant(comparison: Comparison) -> None:
    for figures in comparison.variants:
        for use_case in comparison.use_cases:
            path = figures.paths[use_case]
            assert path, f"{figures.name}: no own function recorded for {use_case}"
            assert path[0].depth == 0
            assert all(step.path.startswith(f"kata/{figures.name}/") for step in path)


def test_a_path_reaches_the_code_that_does_the_work(comparison: Comparison) -> None:
    cancel = {f.name: [s.function for s in f.paths["cancel"]] for f in comparison.variants}
    assert "cancel_order" in cancel["transaction_script"]
    assert "Order.cancel" in cancel["domain_model"]
    assert "Order.cancel" in cancel["aggregate"]
    assert "Order.cancel" in cancel["hexagonal"]
    # Event sourcing: the aggregate decides, the store appends, the projector updates the
    # read side, all on the command's path.
    assert {"Order.cancel", "SqlEventStore.commit", "project"} <= set(cancel["event_sourced"])


def test_a_path_of_the_microservices_variant_crosses_into_inventory(
    comparison: Comparison,
) -> None:
    """Placing runs the use case, its saga and the HTTP proxy in ordering, then inventory's
    API and store on the far side of the call: the path follows the request across."""
    (figures,) = [f for f in comparison.variants if f.name == "microservices"]
    place = figures.paths["place order"]
    functions = [step.function for step in place]
    assert {"place_order", "move_stock", "HttpInventory.hold", "Inventory.hold"} <= set(functions)
    assert functions.index("HttpInventory.hold") < functions.index("Inventory.hold")
    files = {step.path.removeprefix("kata/microservices/") for step in place}
    assert {"ordering/application/sagas.py", "inventory/api.py", "inventory/store.py"} <= files


def test_a_read_of_the_event_sourced_variant_loads_no_aggregate(comparison: Comparison) -> None:
    """CQRS: a query answers from the read side; replaying a stream is the write side's."""
    (figures,) = [f for f in comparison.variants if f.name == "event_sourced"]
    for use_case in ("get order", "list orders"):
        read = [step.function for step in figures.paths[use_case]]
        assert any(name.startswith("Queries.") for name in read), read
        assert "EventSourced.replay" not in read, read
    assert "EventSourced.replay" in [step.function for step in figures.paths["cancel"]]


def test_every_step_carries_its_source(comparison: Comparison) -> None:
    for figures in comparison.variants:
        for step in figures.paths["place order"]:
            name = step.function.rpartition(".")[2]
            assert f"def {name}" in step.source, f"{step.path}:{step.line}"


def test_every_rule_has_a_place_in_every_variant(comparison: Comparison) -> None:
    for figures in comparison.variants:
        assert set(comparison.rules) <= set(figures.rules), figures.name


def test_statement_counts_are_measured_for_both_order_sizes(comparison: Comparison) -> None:
    for figures in comparison.variants:
        for use_case, (one, many) in figures.costs.items():
            assert (one.lines, many.lines) == (1, MANY_LINES)
            assert one.statements >= 1, f"{figures.name} {use_case}: nothing counted"


def test_the_statements_of_each_service_and_the_calls_between_them_are_counted(
    comparison: Comparison,
) -> None:
    (figures,) = [f for f in comparison.variants if f.name == "microservices"]
    for use_case in ("place order", "cancel"):
        one, _ = figures.costs[use_case]
        assert set(one.services) == {"ordering", "inventory"}, use_case
        assert sum(one.services.values()) == one.statements
        assert one.calls >= 1, use_case  # the hold, over HTTP
    read, _ = figures.costs["get order"]  # ordering answers alone
    assert (list(read.services), read.calls) == (["ordering"], 0)
    (script,) = [f for f in comparison.variants if f.name == "transaction_script"]
    assert {one.calls for one, _ in script.costs.values()} == {0}


def test_a_count_that_grows_with_lines_is_reported() -> None:
    costs = {"cancel": (Cost("cancel", 1, 8, 1.0), Cost("cancel", 20, 27, 1.0))}
    figures = _figures_with(costs=costs)
    assert growing(figures) == ["cancel"]


def test_a_service_whose_count_grows_is_reported_though_the_total_does_not() -> None:
    one = Cost("cancel", 1, 10, 1.0, (("ordering", 6), ("inventory", 4)), 1)
    many = Cost("cancel", 20, 10, 1.0, (("ordering", 5), ("inventory", 5)), 1)
    more_calls = Cost("place order", 20, 10, 1.0, one.per_service, 2)
    costs = {"cancel": (one, many), "place order": (one, more_calls)}
    assert growing(_figures_with(costs=costs)) == ["cancel", "place order"]


def test_the_layers_and_their_imports_are_read_from_the_code(comparison: Comparison) -> None:
    shapes = {f.name: f.shape for f in comparison.variants}
    script = shapes["transaction_script"]
    assert {layer.name for layer in script.layers} >= set(LAYERS)
    assert ("presentation", "services") in script.imports
    assert ("services", "presentation") not in script.imports
    assert script.lines > 0
    assert script.functions > 0
    assert script.max_complexity >= 1
    assert ("adapters", "application") in shapes["hexagonal"].imports


def test_the_diagram_ranks_importers_above_what_they_import() -> None:
    shape = _shape(("presentation", "services"), ("services", "data"))
    assert ranks(shape) == {"presentation": 2, "services": 1, "data": 0}
    assert "presentation --> services" in mermaid(shape)
    assert "#c00" not in svg(shape)


def test_an_import_against_the_layering_is_drawn_red() -> None:
    cycle = _shape(("presentation", "services"), ("services", "data"), ("data", "presentation"))
    assert "#c00" in svg(cycle)


def test_each_variant_is_held_to_its_own_style(comparison: Comparison) -> None:
    for figures in comparison.variants:
        assert figures.contracts, f"{figures.name}: no contract found"
        assert all(contract.kept for contract in figures.contracts), figures.name
        assert all(figures.name in contract.name for contract in figures.contracts)


def test_change_cost_is_shown_for_every_solution(comparison: Comparison) -> None:
    assert comparison.exercises, "no exercise with reference solutions found"
    for figures in comparison.variants:
        assert set(figures.changes) == set(comparison.exercises), figures.name


def _shape(*imports: tuple[str, str]) -> Shape:
    names = sorted({name for pair in imports for name in pair})
    return Shape(tuple(Layer(n, 1, 1, 1, (1,)) for n in names), tuple(imports))


def _figures_with(costs: dict[str, tuple[Cost, Cost]]) -> VariantFigures:
    return VariantFigures("planted", {}, {}, costs, _shape(), [], None, {})


def test_latency_is_measured_against_the_floor_and_the_transaction_script(
    comparison: Comparison,
) -> None:
    held = {(figure.app, figure.case): figure.ratio for figure in comparison.latency}
    cases = {figure.case for figure in comparison.latency}
    assert len(cases) >= 5, cases
    for case in cases:
        assert held["floor", case] is None
        for name in comparison.names:
            ratio = held[name, case]
            assert ratio is not None, (name, case)
            assert ratio > 0, (name, case)
    rows = ratios.latency_rows(comparison.latency, comparison.names)
    assert [row[0] for row in rows] == sorted(cases, key=[r[0] for r in rows].index)
    assert all("x floor" in row[2] for row in rows), rows  # transaction_script's column
    assert all("x TS" in cell for row in rows for cell in row[3:]), rows


def test_suite_time_is_given_a_case_and_as_a_ratio() -> None:
    rows = ratios.suite_rows({"transaction_script": (3.0, 300), "planted": (6.0, 300)})

    assert rows == [
        ["transaction_script", "300", "10.0", "1.00"],
        ["planted", "300", "20.0", "2.00"],
    ]
    assert ratios.suite_rows({"planted": (0.0, 0)}) == [["planted", "0", "-", "-"]]


# git's empty tree: every variant's folder differs from it.
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def _recorded(folder: Path, commit: str) -> list[list[str]]:
    """The contention rows ``kata compare`` shows for a record made at ``commit``."""
    record = folder / ratios.CONTENTION_RECORD
    record.parent.mkdir(parents=True, exist_ok=True)
    row = {"retry_policy": "as shipped", "placed_percent": 100.0, "gave_up_percent": 0.0}
    row |= {"vs_transaction_script": 0.8, "p95_ms": 12.0}
    rows = [{**row, "variant": name} for name in variants.names()]
    meta = {"commit": commit, "date": "2026-12-06", "database": "PostgreSQL", "clients": 16}
    record.write_text(json.dumps({**meta, "rows": rows}), encoding="utf-8")
    contention = ratios.recorded_contention(folder)
    assert contention is not None
    assert "PostgreSQL" in ratios.contention_note(contention)
    return ratios.contention_rows(contention, [*variants.names(), "planted"])


def test_recorded_contention_is_marked_stale_once_a_variant_changed(tmp_path: Path) -> None:
    rows = _recorded(tmp_path, EMPTY_TREE)

    assert [row[-1] for row in rows] == [
        *(f"stale: kata/{name} changed since" for name in variants.names()),
        "not measured",  # a workspace, never measured
    ]
    assert rows[0][1:5] == ["100%", "0%", "0.80", "12 ms"]


def test_recorded_contention_from_an_unknown_commit_says_so(tmp_path: Path) -> None:
    rows = _recorded(tmp_path, "0" * 40)

    assert {row[-1] for row in rows[:-1]} == {"commit not in this clone"}


def _mutation_rows(folder: Path, commit: str) -> list[list[str]]:
    """The mutation rows ``kata compare`` shows when only transaction_script has a record,
    made at ``commit``."""
    record = folder / ratios.MUTATION_RECORDS / "mutation-transaction_script.json"
    record.parent.mkdir(parents=True)
    meta = {"commit": commit, "date": "2026-12-06", "database": "SQLite"}
    score = {"killed_of_all": 86.84, "killed_of_non_equivalent": 89.66}
    counts = {"killed": 80, "killed by own tests": 5, "survived": 15}
    record.write_text(json.dumps({**meta, "score": score, "counts": counts}), encoding="utf-8")
    recorded = ratios.recorded_mutation(["transaction_script", "domain_model"], folder)
    return ratios.mutation_rows(recorded, ["transaction_script", "domain_model"])


def test_a_recorded_mutation_score_shows_where_it_was_measured(tmp_path: Path) -> None:
    head = _head()
    rows = _mutation_rows(tmp_path, head)

    # "current" on a clean checkout; whatever an edit in progress makes it otherwise.
    folder = Path("kata") / "transaction_script"
    freshness = ratios.folder_freshness(head, folder, variants.REPO_ROOT)
    assert rows[0] == [
        "transaction_script", "86.8%", "89.7%", "5.0%", "SQLite", f"{head[:10]} (2026-12-06)",
        freshness,
    ]  # fmt: skip
    assert rows[1] == ["domain_model", "-", "-", "-", "-", "-", "not measured"]


def test_a_recorded_mutation_score_is_stale_once_its_variant_changed(tmp_path: Path) -> None:
    assert _mutation_rows(tmp_path, EMPTY_TREE)[0][-1] == (
        "stale: kata/transaction_script changed since"
    )


def test_a_mutation_score_from_an_unknown_commit_says_so(tmp_path: Path) -> None:
    assert _mutation_rows(tmp_path, "0" * 40)[0][-1] == "commit not in this clone"


def _head(root: Path = variants.REPO_ROOT) -> str:
    """The commit the git repository at ``root`` has checked out."""
    done = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=root, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def test_a_file_git_does_not_track_yet_makes_the_record_stale(tmp_path: Path) -> None:
    """A variant registered before it is committed (or a module added since) is new code
    the recorded figures never ran, though ``git diff`` alone shows no change."""
    folder = Path("kata") / "planted"
    (tmp_path / folder).mkdir(parents=True)
    (tmp_path / folder / "app.py").write_text("", encoding="utf-8")
    commit = _commit_all(tmp_path)
    assert ratios.folder_freshness(commit, folder, tmp_path) == "current"

    (tmp_path / folder / "store.py").write_text("", encoding="utf-8")

    assert ratios.folder_freshness(commit, folder, tmp_path) == "stale: kata/planted changed since"


def test_an_edit_of_a_variant_s_readme_keeps_its_record_current(tmp_path: Path) -> None:
    folder = Path("kata") / "planted"
    (tmp_path / folder).mkdir(parents=True)
    (tmp_path / folder / "app.py").write_text("", encoding="utf-8")
    (tmp_path / folder / "README.md").write_text("# Planted\n", encoding="utf-8")
    commit = _commit_all(tmp_path)

    (tmp_path / folder / "README.md").write_text("# Planted, explained\n", encoding="utf-8")
    (tmp_path / folder / "NOTES.md").write_text("new\n", encoding="utf-8")
    assert ratios.folder_freshness(commit, folder, tmp_path) == "current"

    (tmp_path / folder / "app.py").write_text("x = 1\n", encoding="utf-8")
    assert ratios.folder_freshness(commit, folder, tmp_path) == "stale: kata/planted changed since"


def _commit_all(root: Path) -> str:
    """Make ``root`` a git repository holding its files in one commit; that commit's id."""
    identity = ["-c", "user.name=kata", "-c", "user.email=kata@example.invalid"]
    for arguments in (["init", "-q"], ["add", "."], [*identity, "commit", "-q", "-m", "one"]):
        subprocess.run(["git", *arguments], cwd=root, check=True, capture_output=True)
    return _head(root)
