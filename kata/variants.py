"""The variant registry: variant names mapped to their app factories.

Factories are named as import paths and imported only when asked for, so listing the
variants (or serving one) never imports the others. Each variant issue adds its entry.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from flask import Flask

_FACTORIES: dict[str, str] = {
    "transaction_script": "kata.transaction_script.app:create_app",
    "domain_model": "kata.domain_model.app:create_app",
    "aggregate": "kata.aggregate.app:create_app",
    "hexagonal": "kata.hexagonal.bootstrap:create_app",
}


class AppFactory(Protocol):
    def __call__(self, database_url: str) -> Flask: ...


class UnknownVariantError(LookupError):
    """No variant of that name is registered."""


def names() -> list[str]:
    """The registered variant names, in the order the kata presents them."""
    return list(_FACTORIES)


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
    try:
        target = _FACTORIES[name]
    except KeyError:
        raise UnknownVariantError(name) from None
    module_name, _, attribute = target.partition(":")
    factory: AppFactory = getattr(importlib.import_module(module_name), attribute)
    return factory(database_url or default_database_url(name))


def close_app(app: Flask) -> None:
    """Release the database connections of an app made by :func:`create_app`.

    Each variant stores its clean-up callable in ``app.extensions["kata.close"]``.
    """
    app.extensions["kata.close"]()
