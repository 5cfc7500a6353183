"""The variant registry: variant names mapped to their app factories.

Factories are named as import paths and imported only when asked for, so listing the
variants (or serving one) never imports the others. Each variant issue adds its entry.

Besides the four built-in variants, the registry finds participants' *workspaces*: copies of a
variant under the repository's ``workshop/`` folder (git-ignored), made by ``kata exercise
start``. Each holds a ``workspace.json`` naming the variant it was copied from. They serve, run
the shared suite and compare like the built-ins, but only when asked for: ``names()`` lists the
built-ins, so a participant's half-done refactoring never turns the default test run red.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from flask import Flask

_FACTORIES: dict[str, str] = {
    "transaction_script": "kata.transaction_script.app:create_app",
    "domain_model": "kata.domain_model.app:create_app",
    "aggregate": "kata.aggregate.app:create_app",
    "hexagonal": "kata.hexagonal.bootstrap:create_app",
    "event_sourced": "kata.event_sourced.app:create_app",
    "microservices": "kata.microservices.app:create_app",
}

# The repository this package was loaded from (an editable install keeps kata/ in place).
REPO_ROOT = Path(__file__).resolve().parents[1]
# Workspaces live in the package ``workshop``: by default the folder workshop/ of the
# repository; tests point WORKSHOP_ENV at a folder of their own.
WORKSHOP_PACKAGE = "workshop"
WORKSHOP_ENV = "KATA_WORKSHOP_DIR"
METADATA_FILE = "workspace.json"


class AppFactory(Protocol):
    def __call__(self, database_url: str) -> Flask: ...


class UnknownVariantError(LookupError):
    """No variant of that name is registered."""

    def __init__(self, name: str, reason: str | None = None) -> None:
        super().__init__(name)
        self.name = name
        self.reason = reason

    def __str__(self) -> str:
        """What a user reads: the name, the names that exist, and the closest of them."""
        name = self.name
        if self.reason is not None:
            return f"{name}: {self.reason}"
        known = names(workspaces=True)
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        return f"no variant or workspace {name} (known: {', '.join(known)}){hint}"


@dataclass(frozen=True)
class Workspace:
    """A participant's copy of a built-in variant, as ``workspace.json`` records it."""

    name: str
    origin: str  # the built-in variant it was copied from
    exercise: str  # the exercise it was started for ("06"), or "" for none
    style: str  # the style whose import contracts it is held to

    def to_json(self) -> str:
        """The content of ``workspace.json`` (the name is the folder's)."""
        fields = asdict(self)
        del fields["name"]
        return json.dumps(fields, indent=2) + "\n"

    @classmethod
    def from_json(cls, name: str, text: str) -> Workspace:
        data = json.loads(text)
        return cls(name, str(data["origin"]), str(data.get("exercise", "")), str(data["style"]))


def workshop_dir() -> Path:
    """The folder of the ``workshop`` package: ``$KATA_WORKSHOP_DIR``, else ``<repo>/workshop``."""
    configured = os.environ.get(WORKSHOP_ENV)
    return Path(configured).resolve() if configured else REPO_ROOT / WORKSHOP_PACKAGE


def find_workspaces() -> list[Workspace]:
    """The workspaces found under :func:`workshop_dir`, by name (folders whose name is no
    Python identifier, or whose origin is no built-in variant, are not workspaces)."""
    folder = workshop_dir()
    if not folder.is_dir():
        return []
    found = [
        _read_workspace(metadata)
        for metadata in sorted(folder.glob(f"*/{METADATA_FILE}"))
        if metadata.parent.name.isidentifier()
    ]
    return [space for space in found if space is not None and space.origin in _FACTORIES]


def _read_workspace(metadata: Path) -> Workspace | None:
    """The workspace ``metadata`` describes; None if it is unreadable (then it is no workspace,
    rather than a crash of every command that lists the variants)."""
    try:
        return Workspace.from_json(metadata.parent.name, metadata.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def names(*, workspaces: bool = False) -> list[str]:
    """The built-in variant names, in the order the kata presents them; with ``workspaces``,
    the workspaces follow them."""
    built_in = list(_FACTORIES)
    if not workspaces:
        return built_in
    return built_in + [space.name for space in find_workspaces()]


def workspace(name: str) -> Workspace | None:
    """The workspace called ``name``, or None if ``name`` is not a workspace."""
    return next((space for space in find_workspaces() if space.name == name), None)


def style_of(name: str) -> str:
    """The style variant ``name`` is held to: its own name, or a workspace's chosen style."""
    if name in _FACTORIES:
        return name
    return _workspace_or_fail(name).style


def package(name: str) -> str:
    """The import name of the package that holds variant ``name`` (``kata.aggregate``,
    ``workshop.my_refactoring``)."""
    if name in _FACTORIES:
        # The factory lives in the variant's package or one level below it (kata.x.app).
        return ".".join(_FACTORIES[name].partition(":")[0].split(".")[:2])
    return f"{WORKSHOP_PACKAGE}.{_workspace_or_fail(name).name}"


def source_dir(name: str) -> Path:
    """The folder that holds the code of variant ``name``."""
    if name in _FACTORIES:
        return REPO_ROOT.joinpath(*package(name).split("."))
    return workshop_dir() / _workspace_or_fail(name).name


def default_database_url(name: str) -> str:
    """``KATA_DATABASE_URL`` if set, else the SQLite file ``var/<variant>.sqlite3`` in the cwd."""
    configured = os.environ.get("KATA_DATABASE_URL")
    if configured:
        return configured
    folder = Path.cwd() / "var"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / f'{name}.sqlite3'}"


def create_app(name: str, database_url: str | None = None) -> Flask:
    """The Flask app of variant ``name`` on ``database_url`` (see :func:`default_database_url`)."""
    module_name, _, attribute = _factory(name).partition(":")
    if module_name.startswith(f"{WORKSHOP_PACKAGE}."):
        load_workshop_package()
    factory: AppFactory = getattr(importlib.import_module(module_name), attribute)
    return factory(database_url or default_database_url(name))


def close_app(app: Flask) -> None:
    """Release the database connections of an app made by :func:`create_app`.

    Each variant stores its clean-up callable in ``app.extensions["kata.close"]``.
    """
    app.extensions["kata.close"]()


def load_workshop_package() -> None:
    """Make ``import workshop.<name>`` find the workspaces of :func:`workshop_dir`.

    The folder is loaded as the package ``workshop`` by path, so this works wherever the
    ``kata`` command runs from (an installed console script does not have the repository on
    ``sys.path``). A ``workshop`` package loaded from another folder (a test's) is dropped
    first, with its sub-modules.
    """
    folder = workshop_dir()
    loaded = sys.modules.get(WORKSHOP_PACKAGE)
    if loaded is not None and list(getattr(loaded, "__path__", [])) == [str(folder)]:
        return
    for module_name in [m for m in sys.modules if m.partition(".")[0] == WORKSHOP_PACKAGE]:
        del sys.modules[module_name]
    importlib.invalidate_caches()
    spec = importlib.util.spec_from_file_location(
        WORKSHOP_PACKAGE, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    if spec is None or spec.loader is None:
        raise UnknownVariantError(WORKSHOP_PACKAGE, f"no workshop package in {folder}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[WORKSHOP_PACKAGE] = module
    spec.loader.exec_module(module)


def _factory(name: str) -> str:
    """``module:attribute`` of the app factory of variant ``name``."""
    if name in _FACTORIES:
        return _FACTORIES[name]
    space = _workspace_or_fail(name)
    # A workspace is a copy of its origin: the same factory, at the same place in the copy.
    origin_package = f"kata.{space.origin}"
    return _FACTORIES[space.origin].replace(origin_package, package(name), 1)


def _workspace_or_fail(name: str) -> Workspace:
    found = workspace(name)
    if found is None:
        raise UnknownVariantError(name)
    return found
