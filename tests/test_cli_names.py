"""What the kata command says to a participant: a variant name it does not know gets one
line (the names it knows, the closest of them, exit status 2; never a traceback, which
``kata compare`` gave), and ``kata exercise check`` ends with its three results apart."""

from __future__ import annotations

import pytest

from kata import cli, variants
from kata.compare import testrun
from kata.workshop import commands


@pytest.mark.parametrize(
    "command",
    [
        ["compare", "--no-tests", "--variant", "hexagonl"],
        ["check", "hexagonl"],
        ["exercise", "check", "02", "--variant", "hexagonl"],
    ],
    ids=["compare", "check", "exercise check"],
)
def test_a_misspelt_variant_is_named_with_the_closest_one(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(command) == 2

    said = capsys.readouterr().err.strip()
    assert said.splitlines() == [said]
    assert "no variant or workspace hexagonl" in said
    assert said.endswith("did you mean hexagonal?")
    assert all(name in said for name in variants.names())


def test_a_name_like_no_other_gets_no_guess(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", "zzz"]) == 2

    assert "did you mean" not in capsys.readouterr().err


def _cases(module: str, passed: int, failed: int) -> list[testrun.Case]:
    outcomes = ["passed"] * passed + ["failed"] * failed
    return [testrun.Case(f"case{n}", outcome, 0.01, module) for n, outcome in enumerate(outcomes)]


def test_kata_exercise_check_gives_three_totals_apart_and_names_what_failed() -> None:
    own = "exercises.06-break-a-contract.tests.test_06_break_a_contract"
    cases = _cases(own, 2, 0) + _cases("tests.acceptance.test_products", 300, 1)

    report = commands.totals("06", "mine", cases, contracts=1).strip().splitlines()

    assert report[1].split() == ["the", "exercise's", "tests", "2", "passed", "0", "failed",
                                 "0", "skipped"]  # fmt: skip
    assert report[2].split()[3:5] == ["300", "passed"]
    assert report[3].split()[-3:] == ["BROKEN", "(see", "above)"]
    assert report[-1] == "kata: exercise 06 on mine: FAILED: the shared suite, the contracts"


def test_kata_exercise_check_passes_only_with_tests_run_and_nothing_failed() -> None:
    own = "exercises.02-coupon-codes.tests.test_02_coupon_codes"
    passing = _cases(own, 3, 0) + _cases("tests.acceptance.test_values", 10, 0)

    assert commands.totals("02", "mine", passing, 0).endswith("02 on mine: passed")
    # No exercise test ran (a collection error): not a pass.
    assert commands.totals("02", "mine", passing[3:], 0).endswith("FAILED: the exercise's tests")
