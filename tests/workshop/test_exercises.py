"""The exercises: found, shown, indexed, built to the kit's shape, collected only when chosen."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kata import variants
from kata.workshop import commands, exercises

# What every exercise README tells (issue 7): the words its headings or lines must hold.
README_PARTS = ("goal", "story", "timing", "hint", "debrief")


def _kata(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kata.cli", *args], capture_output=True, text=True, check=False
    )


def test_the_exercises_are_found_by_number_with_their_titles() -> None:
    found = {exercise.number: exercise for exercise in exercises.all_exercises()}

    assert "06" in found
    assert found["06"].title == "Break a contract"
    assert exercises.find("6") == exercises.find("06") == found["06"]
    with pytest.raises(exercises.UnknownExerciseError, match="no exercise 99"):
        exercises.find("99")
    with pytest.raises(exercises.UnknownExerciseError, match="not an exercise number"):
        exercises.find("six")


@pytest.mark.parametrize("exercise", exercises.all_exercises(), ids=lambda e: e.folder.name)
def test_every_exercise_has_its_readme_tests_and_a_solution_per_variant(
    exercise: exercises.Exercise,
) -> None:
    assert exercise.readme.is_file(), f"{exercise.folder.name} has no README.md"
    text = exercise.readme.read_text("utf-8").lower()
    tests = sorted(path.name for path in exercise.tests_dir.glob("test_*.py"))

    assert [part for part in README_PARTS if part not in text] == [], "parts missing from README"
    if exercise.is_discussion:
        assert "checklist" in text, "a discussion's README holds the facilitator's checklist"
        assert (exercise.solutions(), exercise.not_applicable()) == ({}, {})
        return
    assert tests, f"no tests in {exercise.tests_dir}"
    assert all(name.startswith(f"test_{exercise.number}_") for name in tests), tests
    solved, skipped = exercise.solutions(), exercise.not_applicable()
    assert sorted([*solved, *skipped]) == sorted(variants.names()), "one answer per variant"
    assert not set(solved) & set(skipped), "a variant both solved and not applicable"
    assert all(len(reason) >= 80 for reason in skipped.values()), "say why, in a sentence or two"


def test_the_exercise_index_is_up_to_date() -> None:
    current = exercises.INDEX_FILE.read_text("utf-8")

    assert exercises.indexed(current) == current, "run python -m kata.workshop.exercises"


def test_kata_exercise_list_and_show() -> None:
    listed = _kata("exercise", "list")
    shown = _kata("exercise", "show", "06")
    unknown = _kata("exercise", "show", "99")

    assert "06  Break a contract" in listed.stdout.splitlines()
    assert shown.stdout.startswith("# Break a contract")
    assert (unknown.returncode, unknown.stderr.startswith("kata: no exercise 99")) == (2, True)


def test_a_reader_that_leaves_early_gets_no_traceback() -> None:
    """``kata exercise show 02 | head``: the pipe closes before the README is written."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody reads: the first write fails with a broken pipe
    try:
        result = subprocess.run(
            [sys.executable, "-m", "kata.cli", "exercise", "show", "02"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    finally:
        os.close(write_end)

    assert (result.returncode, result.stderr) == (1, "")


def _collected(*args: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist", *args],
        cwd=variants.REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        env=commands.sqlite_only(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return [line for line in result.stdout.splitlines() if "::" in line]


def test_exercise_tests_are_collected_only_when_chosen() -> None:
    chosen = _collected("--exercise", "06", "--variant", "aggregate")
    beside = _collected(
        "--exercise", "6", "tests/acceptance/test_health.py", "--variant", "hexagonal"
    )
    by_hand = _collected("exercises", "tests/acceptance/test_health.py", "--variant", "hexagonal")

    assert chosen, "nothing collected"
    assert all(re.match(r"exercises/06-[\w-]+/tests/", item) for item in chosen), chosen
    assert all(item.endswith("[aggregate-sqlite]") for item in chosen), chosen
    assert {item.split("/")[0] for item in beside} == {"exercises", "tests"}
    assert by_hand == [
        "tests/acceptance/test_health.py::test_health_answers_ok_and_names_the_variant[hexagonal-sqlite]"
    ]


def test_an_unknown_exercise_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--exercise", "99", "--collect-only", "-q"],
        cwd=variants.REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 4
    assert "--exercise: no exercise 99" in result.stderr


def test_the_index_names_discussions_and_the_variants_an_exercise_does_not_apply_to(
    tmp_path: Path,
) -> None:
    root = tmp_path
    (root / "00-talk").mkdir()
    (root / "00-talk" / "README.md").write_text("# Talk it through\n")
    solved = root / "07-new" / "solutions"
    (solved.parent / "tests").mkdir(parents=True)
    (solved / "transaction_script.patch").parent.mkdir()
    (solved / "transaction_script.patch").write_text("")
    (solved / f"aggregate.{exercises.NOT_APPLICABLE}").write_text("No events to choreograph.\n")

    table = exercises.index_table(root)
    new = exercises.find("07", root)

    assert "| 00 | [Talk it through](00-talk/README.md) | a discussion" in table
    assert (
        "| 07 | [New](07-new/README.md) | transaction_script; not applicable: [aggregate]" in table
    )
    assert (new.applies_to("aggregate"), new.applies_to("hexagonal")) == (False, True)
    assert new.not_applicable() == {"aggregate": "No events to choreograph."}
