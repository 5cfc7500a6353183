"""The workshop's commands fit an 80-column terminal (issue 18): ``kata variants``, ``kata
check``, ``kata exercise list|start|check`` and the change-cost table of the reference
solutions wrap at spaces, or split a table into blocks of columns, and never cut a name.
(``kata compare``'s tables: tests/compare/test_terminal_output.py.)"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kata import cli, terminal, variants
from kata.compare import testrun
from kata.workshop import commands, verify
from tests.workshop.conftest import EXERCISE

COLUMNS = 80
# A participant's name may be long; it must still be shown whole.
LONG_NAME = "team_blue_refactoring_attempt"


@pytest.fixture(autouse=True)
def eighty_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", str(COLUMNS))


def _wider_than_80(text: str) -> list[str]:
    return [line for line in text.splitlines() if len(line) > COLUMNS]


def _printed(capsys: pytest.CaptureFixture[str], *arguments: str) -> str:
    cli.main(list(arguments))
    return capsys.readouterr().out


def test_kata_variants_and_kata_exercise_start_fit_80_columns(
    workshop_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(workshop_dir.parent)  # where a participant runs kata: beside workshop/
    started = _printed(
        capsys, "exercise", "start", EXERCISE, "--from", "transaction_script", "--name", LONG_NAME
    )
    listed = _printed(capsys, "variants")
    exercises = _printed(capsys, "exercise", "list")

    for text in (started, listed, exercises):
        assert _wider_than_80(text) == [], text
    assert f"kata exercise check {EXERCISE} --variant {LONG_NAME}" in started
    assert f"(workshop/{LONG_NAME})" in started
    first, *rest = listed.splitlines()[len(variants.names()) :]
    assert first.startswith(f"{LONG_NAME}  (workspace:")
    assert rest
    assert all(line.startswith("    ") for line in rest)  # indented under the name
    assert " ".join([first, *rest]).split() == (
        f"{LONG_NAME} (workspace: copy of transaction_script, held to transaction_script)".split()
    )


def test_kata_check_fits_80_columns_and_says_all_it_said_before(
    ws: variants.Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["check", "ws", "--style", "hexagonal"]) == 1
    report = capsys.readouterr().out

    assert _wider_than_80(report) == []
    unwrapped = " ".join(report.split())
    assert "hexagonal: inbound adapters and outbound adapters never import each other BROKEN" in (
        unwrapped
    )
    assert "missing layers of workshop.ws: bootstrap, adapters, application, domain" in unwrapped
    assert unwrapped.endswith("Contracts: 1 kept, 4 broken.")


def test_kata_exercise_check_fits_80_columns(
    ws: variants.Workspace, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """pytest's own lines are pytest's: the run is planted (its junit file written as
    pytest would), and what kata prints around it is checked."""

    def pytest_run(command: list[str], **_options: object) -> int:
        junit = Path(next(a for a in command if a.startswith("--junitxml=")).partition("=")[2])
        junit.write_text(
            '<testsuites><testsuite><testcase classname="tests.acceptance.test_products" '
            'name="case" time="0.01"/><testcase classname="exercises.t" name="own" '
            'time="0.01"><failure/></testcase></testsuite></testsuites>',
            encoding="utf-8",
        )
        return 1

    monkeypatch.setattr(subprocess, "call", pytest_run)

    assert cli.main(["exercise", "check", EXERCISE, "--variant", "ws"]) == 1
    said = capsys.readouterr().out

    assert _wider_than_80(said) == []
    assert " ".join(said.split()).endswith(f"kata: exercise {EXERCISE} on ws: FAILED: the "
                                           "exercise's tests")  # fmt: skip


def test_the_verdict_of_kata_exercise_check_wraps_and_keeps_every_word() -> None:
    cases = [testrun.Case("c", "failed", 0.1, "tests.acceptance.test_products")]
    said = commands.totals("06", LONG_NAME, cases, contracts=1)

    assert _wider_than_80(said) == []
    assert " ".join(said.split()).endswith(
        f"kata: exercise 06 on {LONG_NAME}: FAILED: the exercise's tests, the shared suite, "
        "the contracts"
    )


def test_the_change_cost_table_fits_80_columns_with_a_legend() -> None:
    found = verify.solutions()
    table = verify.cost_table(found)

    assert _wider_than_80(table) == []
    for solution in found:
        assert f"{solution.exercise.number}  {solution.exercise.title}" in table
        assert str(solution.cost) in table
    for name in variants.names():
        assert table.count(f"\n{name} ") >= 2, name  # in each block of columns


# --- the table itself -------------------------------------------------------------------


def test_a_table_too_wide_is_split_into_blocks_that_repeat_the_first_column() -> None:
    header = ["variant", "a long header of several words", "b", "c"]
    rows = [["transaction_script", "1", "x" * 30, "y" * 30], [LONG_NAME, "2", "z", "w"]]

    text = terminal.table(header, rows, width=80)

    blocks = text.split("\n\n")
    assert len(blocks) == 2
    for block in blocks:
        assert block.splitlines()[-2].startswith("transaction_script ")
        assert block.splitlines()[-1].startswith(f"{LONG_NAME} ")
    assert "a long header of" in blocks[0]  # wrapped onto two lines, every word kept
    assert "several words" in blocks[0]
    assert "x" * 30 in text
    assert "y" * 30 in text


def test_a_table_that_fits_is_one_block_and_a_cell_wider_than_the_page_is_kept_whole() -> None:
    assert "\n\n" not in terminal.table(["a", "b"], [["1", "2"]], width=80)
    wide = terminal.table(["a", "b"], [["1", "w" * 100]], width=80)
    assert "w" * 100 in wide


def test_the_width_is_the_terminal_s(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    assert terminal.columns() == 120
    assert _wider_than_80(terminal.wrap("word " * 30)) != []
