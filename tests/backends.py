"""Databases for tests: a fresh SQLite file, or a fresh schema on a PostgreSQL server.

PostgreSQL tests run when ``KATA_TEST_POSTGRES_URL`` names a server (``.ci/run`` sets it);
elsewhere only SQLite runs.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_ENV = "KATA_TEST_POSTGRES_URL"


def backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(POSTGRES_ENV) else ["sqlite"]


@contextmanager
def fresh_database(backend: str, folder: Path) -> Iterator[str]:
    """Yield the URL of an empty database that is dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'kata.sqlite3'}"
        return
    with fresh_postgres_schema(os.environ[POSTGRES_ENV]) as url:
        yield url


@contextmanager
def fresh_postgres_schema(server_url: str) -> Iterator[str]:
    # A schema per test is as isolated as a database per test, and far cheaper to make.
    schema = f"kata_test_{secrets.token_hex(6)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
