"""Workspaces made in a folder of the test's own: the repository's workshop/ is never touched."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kata import variants
from kata.workshop import workspace

EXERCISE = "06"


def forget_workshop_package() -> None:
    """Drop the ``workshop`` package (and its modules) a test loaded from its own folder."""
    for name in [m for m in sys.modules if m.partition(".")[0] == variants.WORKSHOP_PACKAGE]:
        del sys.modules[name]


@pytest.fixture
def workshop_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty workshop folder, made the registry's for this test (and its subprocesses)."""
    folder = tmp_path / "workshop"
    monkeypatch.setenv(variants.WORKSHOP_ENV, str(folder))
    yield folder
    forget_workshop_package()


@pytest.fixture
def ws(workshop_dir: Path) -> variants.Workspace:
    """The workspace ``ws``: a copy of the transaction script, held to its own style."""
    return workspace.start(EXERCISE, "transaction_script", "ws")


def environment(workshop_dir: Path) -> dict[str, str]:
    """This process's environment for a subprocess: the workshop folder, SQLite only."""
    dropped = {"KATA_TEST_POSTGRES_URL", "KATA_TEST_AMQP_URL"}
    kept = {key: value for key, value in os.environ.items() if key not in dropped}
    return {**kept, variants.WORKSHOP_ENV: str(workshop_dir)}
