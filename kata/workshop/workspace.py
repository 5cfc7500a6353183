"""``kata exercise start NN --from VARIANT --name NAME``: a participant's own copy of a variant.

The variant's folder ``kata/<VARIANT>/`` is copied to ``workshop/NAME/`` (git-ignored), where
the participant changes it freely. In the copy, absolute imports of ``kata.<VARIANT>`` become
imports of ``workshop.NAME``, and the string literal naming the variant (the name ``GET
/health`` answers with) names the workspace instead, so the copy is a variant of its own:
``kata serve NAME``, ``pytest tests/acceptance --variant NAME``, ``kata check NAME`` and the
exercise tests find it through the registry (:mod:`kata.variants`), which reads the
``workspace.json`` written here.
"""

from __future__ import annotations

import keyword
import re
import shutil
from pathlib import Path

from kata import variants
from kata.workshop import exercises, styles

_PACKAGE_DOC = '''"""Participants' workspaces, one package each (git-ignored).

Made by ``kata exercise start``; see exercises/README.md.
"""
'''


class WorkspaceRefusedError(ValueError):
    """The workspace cannot be made as asked (the message says why)."""


def start(exercise: str, origin: str, name: str, style: str | None = None) -> variants.Workspace:
    """Copy built-in variant ``origin`` into the workspace ``name`` for ``exercise``.

    ``style``, the style whose contracts the workspace is held to, defaults to the origin's.
    """
    number = exercises.find(exercise).number if exercise else ""
    _refuse_bad_name(name)
    if origin not in variants.names():
        raise WorkspaceRefusedError(
            f"--from {origin!r}: copy one of the built-in variants ({', '.join(variants.names())})"
        )
    chosen = style or origin
    styles.template(chosen)  # refuses an unknown style
    space = variants.Workspace(name=name, origin=origin, exercise=number, style=chosen)
    _copy(variants.source_dir(origin), _package_folder() / name, origin, space)
    return space


def _refuse_bad_name(name: str) -> None:
    if not name.isidentifier() or keyword.iskeyword(name):
        raise WorkspaceRefusedError(f"--name {name!r}: a workspace name is a Python identifier")
    if name in variants.names():
        raise WorkspaceRefusedError(f"--name {name!r}: that is a built-in variant's name")
    if (variants.workshop_dir() / name).exists():
        raise WorkspaceRefusedError(
            f"--name {name!r}: {variants.workshop_dir() / name} already exists"
        )


def _package_folder() -> Path:
    """The ``workshop`` folder, made a package if it is not one yet."""
    folder = variants.workshop_dir()
    folder.mkdir(parents=True, exist_ok=True)
    init = folder / "__init__.py"
    if not init.exists():
        init.write_text(_PACKAGE_DOC, encoding="utf-8")
    return folder


def _copy(source: Path, target: Path, origin: str, space: variants.Workspace) -> None:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.py[co]"))
    package = f"{variants.WORKSHOP_PACKAGE}.{space.name}"
    for module in sorted(target.rglob("*.py")):
        text = module.read_text(encoding="utf-8")
        module.write_text(retarget(text, origin, package, space.name), encoding="utf-8")
    (target / variants.METADATA_FILE).write_text(space.to_json(), encoding="utf-8")


def retarget(source: str, origin: str, package: str, name: str) -> str:
    """``source`` of variant ``origin`` rewritten for the copy at ``package`` called ``name``:
    absolute imports of ``kata.<origin>`` import ``package``, and the literal ``"<origin>"``
    (the variant naming itself) reads ``"<name>"``. Relative imports need nothing."""
    imports = re.compile(rf"(?m)^(\s*(?:from|import)\s+)kata\.{re.escape(origin)}(?=[.\s])")
    own_name = re.compile(rf"""(["']){re.escape(origin)}\1""")
    return own_name.sub(rf"\g<1>{name}\g<1>", imports.sub(rf"\g<1>{package}", source))
