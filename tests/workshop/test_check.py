"""``kata check``: any variant or workspace held to any style's contracts, and they bite.

Runs import-linter in process through its reporting API, which (unlike ``lint_imports``)
leaves logging and ``sys.path`` alone.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

import pytest

from kata import variants
from kata.workshop import check, styles
from kata.workshop.reasons import REASONS


def _plant(module: Path, line: str) -> int:
    """Append ``line`` to ``module``; its line number."""
    lines = module.read_text("utf-8").splitlines()
    lines.append(line)
    module.write_text("\n".join(lines) + "\n", "utf-8")
    return len(lines)


def _verdict(verdicts: list[check.Verdict], contract: str) -> check.Verdict:
    return next(verdict for verdict in verdicts if verdict.contract == contract)


@pytest.mark.parametrize("variant", variants.names())
def test_every_built_in_variant_keeps_its_own_style(variant: str) -> None:
    verdicts = check.check(variant)

    assert check.broken(verdicts) == [], check.report(verdicts)
    assert len(verdicts) == styles.template(variant).count("[importlinter:contract:")


def test_a_variant_held_to_another_style_breaks_with_reasons() -> None:
    verdicts = check.check("domain_model", "aggregate")

    layers = _verdict(verdicts, "aggregate-layers")
    assert not layers.kept
    assert layers.reasons[0] == "missing layers of kata.domain_model: infrastructure, application"
    inside = _verdict(verdicts, "aggregate-no-framework-inside")
    assert inside.reasons[0] == "missing modules: kata.domain_model.application"
    # What exists is checked all the same: the ORM-mapped domain reaches sqlalchemy.
    assert "kata.domain_model.domain is not allowed to import sqlalchemy:" in inside.reasons


def test_a_forbidden_import_in_a_workspace_breaks_its_contract_naming_the_line(
    ws: variants.Workspace, workshop_dir: Path
) -> None:
    orders = workshop_dir / "ws" / "services" / "orders.py"
    line = _plant(orders, "from flask import current_app  # planted")

    verdicts = check.check("ws")

    assert [v.contract for v in check.broken(verdicts)] == [
        "transaction-script-no-web-below-presentation"
    ]
    reasons = _verdict(verdicts, "transaction-script-no-web-below-presentation").reasons
    assert reasons[0] == "workshop.ws.services is not allowed to import flask:"
    assert reasons[1].endswith(f" workshop.ws.services.orders -> flask (l.{line})"), reasons
    # The report says it in plain words first: who imported what, why the style forbids it,
    # where to read about it and which exercise practises it; import-linter's detail below.
    shown = check.report(verdicts, width=1000)  # one line each: the words, not the wrapping
    reason = REASONS["transaction-script-no-web-below-presentation"]
    assert f"  - workshop.ws.services.orders imports flask (line {line})" in shown
    assert f"  why: {reason.why}" in shown
    assert shown.index("  practise:") < shown.index("import-linter's detail")


def test_a_workspace_that_imports_a_built_in_variant_does_not_stand_alone(
    ws: variants.Workspace, workshop_dir: Path
) -> None:
    _plant(workshop_dir / "ws" / "records.py", "import kata.transaction_script.records  # planted")

    verdicts = check.check("ws")

    assert [v.contract for v in check.broken(verdicts)] == ["workspace-stands-alone"]
    assert "workshop.ws.records -> kata.transaction_script.records" in check.report(verdicts)


def test_a_module_outside_the_layers_breaks_the_exhaustive_layers_contract(
    ws: variants.Workspace, workshop_dir: Path
) -> None:
    (workshop_dir / "ws" / "helpers.py").write_text('"""Belongs to no layer."""\n', "utf-8")

    verdicts = check.check("ws")

    layers = _verdict(verdicts, "transaction-script-layers")
    assert not layers.kept
    assert "- workshop.ws.helpers" in layers.reasons


def test_checking_leaves_logging_and_the_import_path_alone() -> None:
    loggers = {
        name: logger.disabled
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    path = list(sys.path)

    check.check("hexagonal")

    assert list(sys.path) == path
    assert {name: logging.getLogger(name).disabled for name in loggers} == loggers


def test_code_that_does_not_parse_is_reported_not_checked(
    ws: variants.Workspace, workshop_dir: Path
) -> None:
    _plant(workshop_dir / "ws" / "records.py", "def unfinished(:")

    with pytest.raises(
        check.CheckError, match=r"cannot read the code: Syntax error in .*records\.py"
    ):
        check.check("ws")


def test_every_contract_has_a_reason_a_readme_section_and_an_exercise() -> None:
    ids = {
        section.removeprefix("importlinter:contract:")
        for style in styles.STYLES
        for section in re.findall(
            r"^\[(importlinter:contract:[a-z-]+)\]", styles.template(style), re.M
        )
    }

    assert set(REASONS) == {*ids, "workspace-stands-alone"}
    for reason in REASONS.values():
        path, _, section = reason.read.partition(", section ")
        assert f"\n## {section}\n" in (variants.REPO_ROOT / path).read_text("utf-8"), reason
        assert (variants.REPO_ROOT / reason.practise.split(" ")[0] / "README.md").is_file()


def test_import_linter_detail_reads_as_plain_sentences() -> None:
    detail = (
        "a.application is not allowed to import flask:",
        "-   a.application.services -> a.adapters.views (l.2)",
        "    a.adapters.views -> flask (l.9)",
        "- a.domain.order -> sqlalchemy (l.3, l.7)",
        "missing modules: a.ports",
        "The following modules are not listed as layers:",
        "- a.helpers",
    )

    assert check.in_plain_words(detail) == [
        "a.application.services reaches flask through a.adapters.views"
        " (line 2 of a.application.services)",
        "a.domain.order imports sqlalchemy (lines 3, 7)",
        "the style expects what the code lacks: missing modules: a.ports",
        "a.helpers is in no layer: place it in one",
    ]
