"""A variant name the kata command does not know gets one line: the names it knows, the
closest of them, and exit status 2; never a traceback (``kata compare`` gave one)."""

from __future__ import annotations

import pytest

from kata import cli, variants


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
