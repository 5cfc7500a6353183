"""Each section of ``kata compare`` measures what it claims, checked on the real variants and
on small planted cases so that a section that finds nothing cannot pass."""

from __future__ import annotations

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


def test_a_count_that_grows_with_lines_is_reported() -> None:
    costs = {"cancel": (Cost("cancel", 1, 8, 1.0), Cost("cancel", 20, 27, 1.0))}
    figures = _figures_with(costs=costs)
    assert growing(figures) == ["cancel"]


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
