"""One participant's broken workspace never stops ``kata compare`` for the room: it is named
with the file, line and reason it does not load, and every other variant is compared."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kata import variants
from kata.compare import html, markdown
from kata.compare.collect import collect
from kata.workshop import workspace
from tests.workshop.conftest import forget_workshop_package

FAULTS = {
    # workspace name -> (what is planted in its app.py, what the report must say)
    "syntax": ("def broken(:\n", "app.py:{line}: invalid syntax"),
    "missing": ("import no_such_module_here\n", "app.py:{line}: ModuleNotFoundError"),
    "raising": (
        "def create_app(database_url):\n    raise RuntimeError('half done')\n",
        "app.py:{line}: RuntimeError: half done",
    ),
}


@pytest.fixture
def broken_workspaces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    monkeypatch.setenv(variants.WORKSHOP_ENV, str(tmp_path / "workshop"))
    for name, (planted, _) in FAULTS.items():
        workspace.start("06", "transaction_script", name)
        app = tmp_path / "workshop" / name / "app.py"
        with app.open("a", encoding="utf-8") as source:
            source.write(planted)
    yield list(FAULTS)
    forget_workshop_package()


def test_a_workspace_that_does_not_load_is_named_and_the_others_are_compared(
    broken_workspaces: list[str], tmp_path: Path
) -> None:
    comparison = collect(
        ["transaction_script", *broken_workspaces], 1, with_tests=False, latency_rounds=1
    )

    assert comparison.names == ["transaction_script"]
    assert comparison.variants[0].costs  # the variant that loads was measured in full
    for name, (planted, said) in FAULTS.items():
        app = tmp_path / "workshop" / name / "app.py"
        lines = app.read_text(encoding="utf-8").splitlines()
        first = len(lines) - planted.count("\n") + 1  # the planted lines are the last ones
        wanted = [said.format(line=line) for line in range(first, len(lines) + 1)]
        assert any(w in comparison.unloadable[name] for w in wanted), comparison.unloadable
    for report in (markdown.render(comparison), html.render(comparison)):
        assert all(f"{name}" in report and "does not load" in report for name in FAULTS)
