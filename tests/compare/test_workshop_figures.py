"""The facilitator guide's figures (``docs/workshop/*.md``) are the code's (issue 18): every
block ``<!-- figures: NAME -->`` holds what :mod:`kata.workshop.figures` writes from this
comparison, the reference solutions and the exercises' tests, never a number typed by hand."""

from __future__ import annotations

import difflib

import pytest

from kata.compare.collect import Comparison
from kata.workshop import figures

REGENERATE = "python -m kata.workshop.figures"


@pytest.fixture(scope="module")
def sources(comparison: Comparison) -> figures.Sources:
    return figures.gather(comparison)


def test_the_guide_figures_are_current(sources: figures.Sources) -> None:
    stale = {}
    for page in figures.pages():
        committed = page.read_text(encoding="utf-8")
        fresh = figures.rewrite(committed, sources)
        if fresh != committed:
            diff = difflib.unified_diff(
                committed.splitlines(), fresh.splitlines(), "committed", "fresh", n=0
            )
            stale[page.name] = "\n".join(diff)
    assert stale == {}, f"stale figures; run `{REGENERATE}`"


def test_the_guide_has_figures_on_every_page_that_quotes_them() -> None:
    blocks = {
        page.name: [found["name"] for found in figures.BLOCK.finditer(page.read_text("utf-8"))]
        for page in figures.pages()
    }
    for page in ("debrief.md", "exercises.md", "README.md", "agenda-half-day-services.md"):
        assert blocks[page], page
    named = {block.split()[0] for names in blocks.values() for block in names}
    assert named <= set(figures.FIGURES)


def test_a_stale_figure_is_written_again_in_its_sentence(sources: figures.Sources) -> None:
    text = "Exercise 02 has <!-- figures: tests 02 -->999<!-- figures: end --> tests.\n"

    fresh = figures.rewrite(text, sources)

    assert fresh != text
    assert fresh == text.replace("999", figures.render("tests 02", sources))
    assert figures.rewrite(fresh, sources) == fresh


def test_a_table_is_written_on_lines_of_its_own(sources: figures.Sources) -> None:
    text = "Before.\n\n<!-- figures: change-costs --><!-- figures: end -->\n\nAfter.\n"

    fresh = figures.rewrite(text, sources)

    table = fresh.split("<!-- figures: change-costs -->\n", 1)[1].split("\n<!-- figures: end")[0]
    assert table.startswith("| exercise | transaction_script |")
    assert "| 02 New rule: coupon codes |" in table


@pytest.mark.parametrize(
    "block", ["no-such-figure", "tests 99", "statements transaction_script teleport", "size"]
)
def test_a_block_naming_no_figure_is_refused(sources: figures.Sources, block: str) -> None:
    with pytest.raises(figures.FiguresError):
        figures.render(block, sources)
