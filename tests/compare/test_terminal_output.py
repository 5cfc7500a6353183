"""What ``kata compare`` prints (issue 18): progress on stderr while it measures (a bar on a
terminal, a line per step elsewhere), tables on stdout that fit 80 columns without cutting a
variant's name, and where the report went."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from kata import cli
from kata.compare import command
from kata.compare.collect import Comparison
from kata.compare.progress import Progress, Steps
from tests.compare.conftest import Recorded


def test_collecting_reports_each_step_before_it_starts(
    collected: tuple[Comparison, Recorded],
) -> None:
    comparison, recorded = collected
    labels = [label for label, _, _ in recorded.steps]

    assert labels == [
        "starting each variant once",
        "reading the exercises' reference solutions",
        *(f"measuring {name}" for name in comparison.names),
        "timing the use cases against the floor",
    ]
    assert [done for _, done, _ in recorded.steps] == list(range(len(labels)))
    assert {total for _, _, total in recorded.steps} == {len(labels)}


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_one_bar_redrawn_and_a_log_a_line_per_step() -> None:
    log, screen = io.StringIO(), _Terminal()
    for stream in (log, screen):
        progress = Progress(stream)
        progress("measuring aggregate", 0, 2)
        progress("timing", 1, 2)
        progress.finish()

    assert log.getvalue().splitlines() == [
        "kata compare: [1/2] measuring aggregate (0 s)",
        "kata compare: [2/2] timing (0 s)",
    ]
    drawn = screen.getvalue()
    assert "\n" not in drawn
    assert drawn.count("\r") == 3  # two bars, then the line cleared
    assert "[............] " not in drawn
    assert f"[{'#' * 12}{'.' * 12}] 1/2 timing" in drawn


def test_kata_compare_shows_progress_fits_80_columns_and_says_where_the_report_went(
    comparison: Comparison,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def measured(names: list[str], rounds: int, with_tests: bool, *, progress: Steps) -> Comparison:
        progress("measuring transaction_script", 0, 1)  # the real steps: the test above
        return comparison

    monkeypatch.setattr(command, "collect", measured)
    monkeypatch.setenv("COLUMNS", "80")
    report = tmp_path / "out" / "report.html"

    assert cli.main(["compare", "--no-tests", "--html", str(report)]) == 0

    said = capsys.readouterr()
    assert "kata compare: [1/1] measuring transaction_script" in said.err
    assert f"kata compare: wrote {report} ({report.resolve().as_uri()})" in said.out
    assert report.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    tables = said.out[: said.out.index("kata compare: wrote")]
    too_wide = [line for line in tables.splitlines() if len(line) > 80]
    assert too_wide == []
    for name in comparison.names:  # whole, in the first column of every block
        assert tables.count(f"\n{name} ") >= 6, name
