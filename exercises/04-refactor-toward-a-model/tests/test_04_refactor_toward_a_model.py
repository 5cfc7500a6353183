"""Exercise 04, refactor toward a model: the pricing rules and the lifecycle live in the domain
layer, and the layers keep the domain model's import contracts.

Run with ``pytest --exercise 04 --variant NAME`` (``kata exercise check 04 --variant NAME``
adds the shared suite, which must stay green at every step). Both checks read the code, so
they run once per variant: the PostgreSQL case is skipped.

The aggregate, hexagonal, event_sourced and microservices variants are domain models already,
with layers of other names (application, infrastructure, adapters, eventstore, projections;
in microservices, the ordering service's hexagon beside the inventory service): they are held
to the contracts of their own style, which forbid the domain at least as much. For them the
exercise is reading only.
"""

from __future__ import annotations

from pathlib import Path

from kata import variants
from kata.compare.rules import Marker, scan_files
from kata.workshop import check
from tests.acceptance.conftest import Target
from tests.workshop.code import code_under_test

# O4 pricing, O5 the order limit, O7 the lifecycle: the rules an Order keeps in this exercise.
MODEL_RULES = ("O4", "O5", "O7")
TARGET_STYLE = "domain_model"
# Styles that are domain models already, under layer names of their own.
BEYOND_THE_TARGET = ("aggregate", "hexagonal", "event_sourced", "microservices")
# Where a style also applies a model rule outside domain/, and which rule: event sourcing's
# read side prices an order's view with the domain's own `price` (O4), since the events
# carry lines, not subtotals. The rule is still the domain's; the projection computes with it.
ALSO_APPLIED_IN: dict[str, tuple[str, tuple[str, ...]]] = {
    "event_sourced": ("projections", ("O4",)),
}


def style_to_keep(name: str) -> str:
    """The domain model's contracts, unless ``name`` is held to a style that goes beyond it."""
    own = variants.style_of(name)
    return own if own in BEYOND_THE_TARGET else TARGET_STYLE


def model_markers(name: str) -> list[Marker]:
    """The variant's ``# rule:`` markers of O4, O5 and O7 (kata.compare.rules finds them)."""
    folder = variants.source_dir(name)
    scan = scan_files(folder.rglob("*.py"), folder)
    return [m for m in scan.markers if any(rule in MODEL_RULES for rule in m.ids)]


def in_model_layer(marker: Marker, style: str) -> bool:
    """Under a domain/ folder, or where ``style`` also applies that rule (``ALSO_APPLIED_IN``)."""
    folders = Path(marker.where.rpartition(":")[0]).parts[:-1]
    also, rules = ALSO_APPLIED_IN.get(style, ("", ()))
    marked = [rule for rule in marker.ids if rule in MODEL_RULES]
    return "domain" in folders or (also in folders and all(rule in rules for rule in marked))


def test_o4_o5_and_o7_are_enforced_in_the_domain_layer(target: Target) -> None:
    """Every `# rule: O4`, `O5` and `O7` marker of the variant lies in a file under a domain/
    folder (event_sourced: O4 also in its read side, which prices with the domain's own
    function), and each of the three rules is still marked somewhere."""
    name = code_under_test(target)
    style = variants.style_of(name)
    markers = model_markers(name)
    unmarked = [r for r in MODEL_RULES if not any(r in m.ids for m in markers)]
    assert not unmarked, (
        f"no `# rule:` marker for {', '.join(unmarked)}: keep each marker on the code that "
        "enforces the rule when you move that code"
    )
    outside = [
        f"{m.where} ({', '.join(r for r in m.ids if r in MODEL_RULES)})"
        for m in markers
        if not in_model_layer(m, style)
    ]
    assert not outside, "enforced outside a domain/ folder:\n  " + "\n  ".join(outside)


def test_the_layers_keep_the_domain_models_contracts(target: Target) -> None:
    """The variant keeps every import contract of the domain_model style (aggregate, hexagonal,
    event_sourced and microservices, domain models under other layer names: every contract of
    their own style)."""
    name = code_under_test(target)
    style = style_to_keep(name)

    verdicts = check.check(name, style)

    assert check.broken(verdicts) == [], f"the {style} contracts:\n{check.report(verdicts)}"
