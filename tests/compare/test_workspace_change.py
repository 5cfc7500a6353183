"""A workspace's own change (issue 18): what its participant changed against the variant it
was copied from, beside the exercise's reference solution, so a debrief can compare the
room's solutions with the reference ones."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from kata import variants
from kata.compare import command, html, markdown
from kata.compare.collect import Comparison, _own_changes
from kata.compare.workspaces import layers_of, own_change
from kata.workshop import check, exercises, verify, workspace
from tests.workshop.conftest import forget_workshop_package

EXERCISE = "06"  # break a contract: its reference solution stays in one file of the variant


@pytest.fixture
def mine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[variants.Workspace]:
    monkeypatch.setenv(variants.WORKSHOP_ENV, str(tmp_path / "workshop"))
    yield workspace.start(EXERCISE, "transaction_script", "mine")
    forget_workshop_package()


def _folder(space: variants.Workspace) -> Path:
    return variants.workshop_dir() / space.name


def test_a_fresh_workspace_has_no_change_of_its_own(mine: variants.Workspace) -> None:
    change = own_change(mine, [], verify.change_costs())

    assert change.change == verify.ChangeCost((), 0, 0)  # the rewritten imports do not count
    assert change.layers == ()


def test_edited_added_and_deleted_files_are_counted_with_their_layers(
    mine: variants.Workspace,
) -> None:
    folder = _folder(mine)
    orders = folder / "services" / "orders.py"
    lines = orders.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[10:11] = ["# one line replaced\n", "# and one added\n"]
    orders.write_text("".join(lines), encoding="utf-8")
    (folder / "data" / "coupons.py").write_text("A = 1\nB = 2\nC = 3\n", encoding="utf-8")
    records = (folder / "records.py").read_text(encoding="utf-8").splitlines()
    (folder / "records.py").unlink()
    (folder / "services" / "__pycache__").mkdir(exist_ok=True)
    (folder / "services" / "__pycache__" / "orders.cpython-311.pyc").write_bytes(b"\0")

    change = own_change(mine, [], verify.change_costs())

    assert change.change.files == ("data/coupons.py", "records.py", "services/orders.py")
    assert change.change.added == 2 + 3
    assert change.change.removed == 1 + len(records)
    assert change.layers == ("data", "records", "services")


def test_a_workspace_changed_as_the_reference_solution_costs_what_it_costs(
    mine: variants.Workspace,
) -> None:
    """The reference patch, applied to the workspace (its imports rewritten as the copy's
    are), is a change the workspace's figures must count exactly as the patch's own."""
    patch = exercises.find(EXERCISE).solutions()["transaction_script"].read_text("utf-8")
    package = f"{variants.WORKSHOP_PACKAGE}.{mine.name}"
    rewritten = workspace.retarget(patch, "transaction_script", package, mine.name)
    subprocess.run(
        ["git", "apply", "-p3", "-"], input=rewritten, text=True, cwd=_folder(mine), check=True
    )
    references = verify.change_costs()

    change = own_change(mine, check.check(mine.name), references)

    reference = references[EXERCISE, "transaction_script"]
    assert (change.change.added, change.change.removed) == (reference.added, reference.removed)
    assert change.reference is not None
    assert change.change.files == change.reference.files
    assert change.layers == change.reference_layers == ("presentation",)
    assert (change.contracts_kept, change.contracts) == (4, 4)  # its style's 3, standing alone


def test_a_reference_file_outside_the_variant_is_named_by_its_folder() -> None:
    assert layers_of(("domain/order.py", "app.py", "../docs/openapi.yaml")) == (
        "domain",
        "app",
        "docs/ (outside the variant)",
    )


def test_each_workspace_compared_shows_its_change_in_every_report(
    mine: variants.Workspace, comparison: Comparison
) -> None:
    orders = _folder(mine) / "services" / "orders.py"
    orders.write_text(orders.read_text(encoding="utf-8") + "# mine\n", encoding="utf-8")
    (script,) = [f for f in comparison.variants if f.name == "transaction_script"]
    changes = _own_changes([script, replace(script, name=mine.name)])
    with_workspace = replace(comparison, workspaces=changes)

    assert list(changes) == [mine.name]  # a built-in variant has no change of its own
    row = [mine.name, EXERCISE, "transaction_script", "1 file +1 -0", "services", "3 / 3"]
    reference = str(verify.change_costs()[EXERCISE, "transaction_script"])
    page = html._workspaces(with_workspace)
    assert f"<td>{'</td><td>'.join(row)}</td><td>{reference}</td>" in page
    assert f"| {' | '.join(row)} | {reference} |" in markdown.render(with_workspace)
    text = command.report(with_workspace)
    assert all(re.search(rf"\b{re.escape(cell)}\b", text) for cell in [*row, reference])
    assert "8. Workspaces" not in markdown.render(comparison)  # docs/comparison.md: none


def test_the_html_report_says_how_to_get_workspaces_when_none_were_compared(
    comparison: Comparison,
) -> None:
    said = html._workspaces(replace(comparison, workspaces={}))
    assert "kata exercise start" in said
