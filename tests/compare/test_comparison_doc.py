"""``docs/comparison.md`` is the Markdown report of the code as it is (issue 6).

Measured figures (times, test results) differ from run to run and sit in marked blocks;
everything else (paths, rule places, statement counts, sizes, contracts, change cost) must
match the code exactly.
"""

from __future__ import annotations

import difflib

from kata.compare import markdown
from kata.compare.collect import Comparison
from kata.compare.rules import ROOT

DOC = ROOT / "docs" / "comparison.md"
REGENERATE = "kata compare --built-in --markdown docs/comparison.md"


def test_the_comparison_doc_is_current(comparison: Comparison) -> None:
    fresh = markdown.stable_part(markdown.render(comparison))
    committed = markdown.stable_part(DOC.read_text(encoding="utf-8"))
    diff = "\n".join(
        difflib.unified_diff(committed.splitlines(), fresh.splitlines(), "committed", "fresh", n=1)
    )
    assert fresh == committed, f"docs/comparison.md is stale; run `{REGENERATE}`:\n{diff[:4000]}"


def test_measured_blocks_are_left_out_of_the_comparison() -> None:
    text = "a\n<!-- measured -->\n1.2 ms\n<!-- /measured -->\nb"
    assert markdown.stable_part(text) == "a\nb"
    assert markdown.stable_part(text.replace("1.2", "9.9")) == markdown.stable_part(text)
    assert markdown.stable_part(text.replace("b", "c")) != markdown.stable_part(text)
