"""Where each rule lives: every variant marks the code that enforces each spec rule.

The marker is a Python comment, either at the end of the line that checks or computes the
rule or on a line of its own just above the block that does::

    if open_orders >= MAX_OPEN_ORDERS:  # rule: O6
    if amount != order.total:  # rule: O7, O10
    # rule: O2 (a new line takes today's price, an existing one keeps its own)

The syntax is strict: ``# rule:``, one space, then one or more rule ids separated by
``", "`` (comma and one space), optionally followed by one space and a note in parentheses,
and nothing else. A rule id is one or more capital letters followed by digits (``O5``).
A marker may follow another comment on the same line (``# noqa: E501  # rule: O5``).

Any comment that *starts* with the word ``rule`` or ``rules`` in any case (``# rule O5``,
``# rules: O5``, ``# Rule: O5``, ``#rule:O5``, ``# rule: O5,O6``, ``# rule: o5``) is taken
for a marker and must be well formed; a malformed one fails with its ``file:line``. Only
real comments count (``tokenize``), never text inside strings or docstrings.

The rule ids come from the repository's own ``docs/domain.md`` (the id column of the
tables under "The rules"), so the test runs on a fresh clone; the table must list exactly
P1-P4 and O1-O12. For every registered variant (``kata.variants.names()``), every file of
its package is scanned, and:

(a) every rule is marked at least once (failures list the missing ids per variant);
(b) no marker names an id that is not a rule.

The scanner is also run over small synthetic sources with one planted fault each, so that
a scanner that finds nothing cannot pass.
"""

from __future__ import annotations

import pytest

from kata import variants
from kata.compare.rules import (
    Marker,
    doc_rules,
    missing_rules,
    rule_order,
    rules_in_doc,
    scan_source,
    scan_variant,
    unknown_markers,
)

SPEC_RULES = frozenset({*(f"P{n}" for n in range(1, 5)), *(f"O{n}" for n in range(1, 13))})


# --- the repository -------------------------------------------------------------------------


def test_the_domain_doc_lists_exactly_the_spec_rules() -> None:
    listed = doc_rules()
    assert len(listed) == len(set(listed)), f"a rule is listed twice: {listed}"
    assert sorted(listed, key=rule_order) == sorted(SPEC_RULES, key=rule_order)


@pytest.mark.parametrize("variant", variants.names())
def test_every_rule_marker_is_well_formed(variant: str) -> None:
    malformed = scan_variant(variant).malformed
    assert not malformed, f"{variant}: malformed rule markers:\n" + "\n".join(malformed)


@pytest.mark.parametrize("variant", variants.names())
def test_every_rule_is_marked_where_it_is_enforced(variant: str) -> None:
    missing = missing_rules(scan_variant(variant), doc_rules())
    assert not missing, f"{variant} marks no code for: {', '.join(missing)}"


@pytest.mark.parametrize("variant", variants.names())
def test_markers_name_only_rules_of_the_spec(variant: str) -> None:
    unknown = unknown_markers(scan_variant(variant), doc_rules())
    assert not unknown, f"{variant}: markers name no spec rule:\n" + "\n".join(unknown)


# --- the scanner, on planted faults ----------------------------------------------------------

SAMPLE = '''\
"""# rule: X1 in a docstring is no marker."""
LIMIT = "# rule: X2 in a string is no marker"


def place(open_orders: int) -> None:
    if open_orders >= 3:  # rule: O6
        raise ValueError
    # rule: O4, O5 (the total, then its limit)
    total = 1  # noqa: F841  # rule: P1
'''

SAMPLE_RULES = ("P1", "O4", "O5", "O6")


def test_the_scanner_finds_markers_in_comments_only() -> None:
    scan = scan_source(SAMPLE, "sample.py")
    assert scan.malformed == ()
    assert scan.markers == (
        Marker("sample.py:6", ("O6",)),
        Marker("sample.py:8", ("O4", "O5")),
        Marker("sample.py:9", ("P1",)),
    )
    assert missing_rules(scan, SAMPLE_RULES) == []
    assert unknown_markers(scan, SAMPLE_RULES) == []


def test_the_scanner_reports_a_rule_no_code_marks() -> None:
    scan = scan_source(SAMPLE.replace("  # rule: O6", ""), "sample.py")
    assert missing_rules(scan, SAMPLE_RULES) == ["O6"]


def test_the_scanner_reports_a_marker_naming_no_rule() -> None:
    scan = scan_source(SAMPLE.replace("# rule: O4, O5", "# rule: O4, O13"), "sample.py")
    assert unknown_markers(scan, SAMPLE_RULES) == ["sample.py:8: O13"]
    assert missing_rules(scan, SAMPLE_RULES) == ["O5"]


@pytest.mark.parametrize(
    "comment",
    [
        "# rule O6",
        "# rules: O6",
        "# Rule: O6",
        "#rule: O6",
        "# rule:O6",
        "# rule:  O6",
        "# rule: o6",
        "# rule: O6,O5",
        "# rule: O6 O5",
        "# rule: O6, ",
        "# rule: O6 because",
        "# rule:",
    ],
)
def test_the_scanner_reports_a_malformed_marker_with_its_place(comment: str) -> None:
    scan = scan_source(SAMPLE.replace("# rule: O6", comment), "sample.py")
    assert scan.malformed == (f"sample.py:6: {comment.rstrip()!r}",)
    assert "O6" not in scan.marked()


def test_the_doc_parser_reads_only_the_rules_section() -> None:
    doc = """\
## Values

| value | rules |
|---|---|
| X1 | not a rule |

## The rules

### Products

| id | rule |
|---|---|
| P1 | first |

### Orders

| id | rule |
|---|---|
| O1 | second |
| O2 | third, with a | pipe |

## Events

| O9 | not a rule |
"""
    assert rules_in_doc(doc) == ["P1", "O1", "O2"]
