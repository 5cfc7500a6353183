"""``kata exercise start``: a variant copied into a workspace the registry finds and runs."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from kata import variants
from kata.workshop import exercises, styles, workspace
from tests.serving import KataServer
from tests.workshop.conftest import EXERCISE, environment


def _imported_modules(folder: Path) -> set[str]:
    """Every module the Python files under ``folder`` import absolutely."""
    found: set[str] = set()
    for module in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module)
    return found


def test_a_workspace_is_a_copy_of_its_variant_importing_itself(
    ws: variants.Workspace, workshop_dir: Path
) -> None:
    copy, origin = workshop_dir / "ws", variants.source_dir("transaction_script")

    copied = {p.relative_to(copy) for p in copy.rglob("*") if "__pycache__" not in p.parts}
    originals = {p.relative_to(origin) for p in origin.rglob("*") if "__pycache__" not in p.parts}
    assert copied == originals | {Path(variants.METADATA_FILE)}
    imported = _imported_modules(copy)
    assert not [name for name in imported if name.startswith("kata.")], imported
    assert "workshop.ws.services.orders" in imported
    assert (workshop_dir / "__init__.py").is_file()


def test_a_workspace_records_where_it_came_from(ws: variants.Workspace, workshop_dir: Path) -> None:
    recorded = json.loads((workshop_dir / "ws" / variants.METADATA_FILE).read_text("utf-8"))

    assert recorded == {
        "origin": "transaction_script",
        "exercise": "06",
        "style": "transaction_script",
    }
    assert ws == variants.Workspace("ws", "transaction_script", "06", "transaction_script")


def test_the_registry_lists_a_workspace_only_when_asked(ws: variants.Workspace) -> None:
    built_in = [
        "transaction_script",
        "domain_model",
        "aggregate",
        "hexagonal",
        "event_sourced",
        "microservices",
    ]

    assert variants.names() == built_in
    assert variants.names(workspaces=True) == [*built_in, "ws"]
    assert variants.package("ws") == "workshop.ws"
    assert variants.style_of("ws") == "transaction_script"
    assert variants.workspace("transaction_script") is None


def test_a_workspace_may_be_held_to_another_style(workshop_dir: Path) -> None:
    workspace.start(EXERCISE, "transaction_script", "toward_hexagonal", style="hexagonal")

    assert variants.style_of("toward_hexagonal") == "hexagonal"


def test_a_workspace_app_answers_under_its_own_name(ws: variants.Workspace, tmp_path: Path) -> None:
    app = variants.create_app("ws", f"sqlite:///{tmp_path / 'ws.sqlite3'}")
    try:
        reply = app.test_client().get("/health")
    finally:
        variants.close_app(app)

    assert reply.get_json() == {"status": "ok", "variant": "ws"}
    assert sys.modules["workshop.ws.app"].__file__ == str(variants.source_dir("ws") / "app.py")


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("ws", "already exists"),
        ("hexagonal", "built-in variant"),
        ("my-workspace", "Python identifier"),
        ("class", "Python identifier"),
    ],
)
def test_a_bad_or_taken_name_is_refused(ws: variants.Workspace, name: str, why: str) -> None:
    with pytest.raises(workspace.WorkspaceRefusedError, match=why):
        workspace.start(EXERCISE, "domain_model", name)


def test_an_unknown_origin_style_or_exercise_is_refused(workshop_dir: Path) -> None:
    with pytest.raises(workspace.WorkspaceRefusedError, match="built-in variants"):
        workspace.start(EXERCISE, "no_such_variant", "a")
    with pytest.raises(styles.UnknownStyleError):
        workspace.start(EXERCISE, "aggregate", "b", style="layered")
    with pytest.raises(exercises.UnknownExerciseError):
        workspace.start("99", "aggregate", "c")
    assert variants.find_workspaces() == []


def _kata(*args: str, workshop_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kata.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        env=environment(workshop_dir),
    )


def test_kata_exercise_start_makes_a_workspace_and_kata_variants_lists_it(
    workshop_dir: Path,
) -> None:
    started = _kata(
        "exercise", "start", "6", "--from", "aggregate", "--name", "mine", workshop_dir=workshop_dir
    )
    listed = _kata("variants", workshop_dir=workshop_dir).stdout.splitlines()
    built_in = _kata("variants", "--built-in", workshop_dir=workshop_dir).stdout.split()

    assert started.returncode == 0, started.stderr
    assert "kata exercise check 06 --variant mine" in started.stdout
    assert listed == [*variants.names(), "mine  (workspace: copy of aggregate, held to aggregate)"]
    assert built_in == variants.names()
    again = _kata(
        "exercise",
        "start",
        "06",
        "--from",
        "aggregate",
        "--name",
        "mine",
        workshop_dir=workshop_dir,
    )
    assert again.returncode == 2
    assert "already exists" in again.stderr


def test_kata_serve_serves_a_workspace(ws: variants.Workspace, workshop_dir: Path) -> None:
    database = f"sqlite:///{workshop_dir.parent / 'served.sqlite3'}"
    with (
        KataServer("ws", database, env=environment(workshop_dir)) as server,
        urllib.request.urlopen(f"{server.url}/health", timeout=10) as reply,
    ):
        health = json.load(reply)

    assert health == {"status": "ok", "variant": "ws"}


def test_a_folder_with_unreadable_metadata_is_no_workspace(
    ws: variants.Workspace, workshop_dir: Path
) -> None:
    broken = workshop_dir / "broken"
    broken.mkdir()
    (broken / variants.METADATA_FILE).write_text("{not json", "utf-8")

    assert variants.names(workspaces=True) == [*variants.names(), "ws"]
