"""``kata db reset NAME``: drop a variant's tables, so that its next start makes them anew.

A schema left by another version of a variant (or of a participant's workspace) stops
``kata serve`` at start (:mod:`kata.startup`); this is the command it points to. The tables
dropped are the ones the variant's own code defines — every ``MetaData`` at module level in
its package, a declarative base's included — and only those that exist: other variants
sharing the database keep theirs (each variant's tables carry its own prefix).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from types import ModuleType
from typing import TYPE_CHECKING

from sqlalchemy import MetaData, Table, create_engine, inspect, text
from sqlalchemy.engine import make_url

from kata import variants
from kata.clihelp import with_examples

if TYPE_CHECKING:
    from kata.workshop.commands import SubCommands


def tables_of(name: str) -> list[Table]:
    """Every table variant ``name`` defines, in an order that drops dependants first."""
    if variants.workspace(name) is not None:
        variants.load_workshop_package()
    package = importlib.import_module(variants.package(name))
    found: dict[str, Table] = {}
    for module in _modules(package):
        for metadata in _metadata_in(module):
            for table in reversed(metadata.sorted_tables):
                found.setdefault(table.name, table)
    return list(found.values())


def reset(name: str, database_url: str) -> list[str]:
    """Drop the tables of variant ``name`` that ``database_url`` holds; their names."""
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            held = set(inspect(connection).get_table_names())
            dropped = [table.name for table in tables_of(name) if table.name in held]
            cascade = " CASCADE" if connection.dialect.name == "postgresql" else ""
            quote = connection.dialect.identifier_preparer.quote
            for table in dropped:
                # CASCADE: a table of an older version may be referenced in ways this one
                # no longer knows; the tables are the variant's own either way.
                connection.execute(text(f"DROP TABLE IF EXISTS {quote(table)}{cascade}"))
        return dropped
    finally:
        engine.dispose()


def _modules(package: ModuleType) -> list[ModuleType]:
    prefix = f"{package.__name__}."
    names = [info.name for info in pkgutil.walk_packages(package.__path__, prefix)]
    return [package, *(importlib.import_module(module) for module in names)]


def _metadata_in(module: ModuleType) -> list[MetaData]:
    """Module-level ``MetaData`` objects, and those of declarative bases (``Base.metadata``)."""
    found = []
    for value in vars(module).values():
        if isinstance(value, MetaData):
            found.append(value)
        elif isinstance(value, type) and isinstance(vars(value).get("metadata"), MetaData):
            found.append(vars(value)["metadata"])
    return found


def add_command(commands: SubCommands) -> None:
    """Add ``db reset`` to the ``kata`` command's sub-commands."""
    database = commands.add_parser(
        "db",
        help="the database of a variant",
        **with_examples("kata db reset mine", "kata db reset hexagonal --database-url URL --yes"),
    )
    actions = database.add_subparsers(dest="action", required=True)
    reset_command = actions.add_parser(
        "reset",
        help="drop a variant's tables (their data is lost); its next start makes them anew",
        **with_examples(
            "kata db reset mine",
            "kata db reset aggregate --database-url sqlite:///var/aggregate.sqlite3 --yes",
        ),
    )
    reset_command.add_argument("name", help="a variant or a workspace")
    reset_command.add_argument(
        "--database-url",
        default=None,
        help="SQLAlchemy URL; default: as kata serve ($KATA_DATABASE_URL, else var/NAME.sqlite3)",
    )
    reset_command.add_argument("--yes", action="store_true", help="do not ask first")


def run(args: argparse.Namespace) -> int:
    """``kata db reset``: ask (unless ``--yes``), drop, say what was dropped."""
    try:
        url = args.database_url or variants.default_database_url(args.name)
        shown = make_url(url).render_as_string(hide_password=True)
        if not args.yes and not _confirmed(args.name, shown):
            print("kata: nothing dropped", file=sys.stderr)
            return 1
        dropped = reset(args.name, url)
    except variants.UnknownVariantError as unknown:
        print(f"kata: {unknown}", file=sys.stderr)
        return 2
    if not dropped:
        print(f"kata: {shown} holds no {args.name} tables; nothing to drop")
        return 0
    print(f"kata: dropped {len(dropped)} {args.name} tables from {shown}: {', '.join(dropped)}")
    print(f"kata: kata serve {args.name} makes them anew")
    return 0


def _confirmed(name: str, shown: str) -> bool:
    if not sys.stdin.isatty():
        print("kata: not a terminal to ask on; add --yes to drop the tables", file=sys.stderr)
        return False
    answer = input(f"Drop every {name} table in {shown}? Their data is lost. [y/N] ")
    return answer.strip().lower() in {"y", "yes"}
