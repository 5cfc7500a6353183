"""Why ``kata serve`` cannot start, said in one line (spec section 7).

Each refusal is a :class:`CannotStart` whose message says what is wrong and what to do;
``kata serve`` prints it and exits non-zero, without a traceback.

- :func:`check_database`, before the variant is built: the URL is one SQLAlchemy can read, of
  a kind it knows, its driver is installed, and the database answers.
- :func:`refuse_other_schema_versions`: every variant makes its schema on start with
  ``MetaData.create_all``; from this call on, each ``create_all`` of the process first compares
  the variant's tables with those the database already holds (column names, through
  ``sqlalchemy.inspect``), inside the variant's own schema transaction. A schema of another
  version stops the start there, instead of answering 500 at the first request. Nothing here
  knows any variant: the tables are the ones the variant asks to create.
- :func:`listen`: the port is free and the host is this machine's.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, MetaData, Table, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.engine.reflection import Inspector
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.pool import NullPool
from waitress.server import BaseWSGIServer, MultiSocketServer, create_server

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

# How long a database server may take to accept the first connection (PostgreSQL drivers).
CONNECT_TIMEOUT_SECONDS = 10
_EXAMPLES = "sqlite:///var/shop.sqlite3 or postgresql+psycopg://user@localhost:5432/shop"
# Names people write for a kind of database SQLAlchemy calls otherwise.
_WRITE_INSTEAD = {
    "postgres": "for PostgreSQL write postgresql:// or postgresql+psycopg://",
    "sqlite3": "for SQLite write sqlite:///path/to/file.sqlite3",
}
_DRIVERS_WITH_CONNECT_TIMEOUT = frozenset(["psycopg", "psycopg2"])


class CannotStart(Exception):
    """``kata serve`` cannot start; ``str()`` is one line: what is wrong, and what to do."""


# --- the database URL and the database behind it ----------------------------------------


def check_database(url_text: str, source: str) -> None:
    """Refuse a URL SQLAlchemy cannot use, or a database that does not answer.

    ``source`` names where the URL came from (``--database-url``, ``KATA_DATABASE_URL``).
    """
    url = _parsed(url_text, source)
    _check_driver(url, _dialect(url, source), source)
    _check_answers(url, source)


def _parsed(text: str, source: str) -> URL:
    try:
        return make_url(text)
    except (ArgumentError, ValueError):
        # Not echoed: a URL that does not parse may still hold a password.
        raise CannotStart(
            f"the database URL ({source}) is not a SQLAlchemy URL; write it as "
            f"dialect+driver://user:password@host:port/database, e.g. {_EXAMPLES}"
        ) from None


def _dialect(url: URL, source: str) -> type[Dialect]:
    try:
        return url.get_dialect()
    except NoSuchModuleError:
        kind = url.get_backend_name()
        advice = _WRITE_INSTEAD.get(kind, f"write one SQLAlchemy knows, e.g. {_EXAMPLES}")
        raise CannotStart(
            f"the database URL ({source}) names {url.drivername}://, a kind of database "
            f"SQLAlchemy does not know; {advice}"
        ) from None


def _check_driver(url: URL, dialect: type[Dialect], source: str) -> None:
    try:
        dialect.import_dbapi()
    except ImportError as missing:
        hint = (
            " (pip install 'ordering-kata[postgres]' installs psycopg 3: postgresql+psycopg://)"
            if url.get_backend_name() == "postgresql"
            else ""
        )
        raise CannotStart(
            f"the driver of {url.drivername}:// ({source}) is not installed (no module "
            f"{missing.name or 'for it'}); install it, or name an installed driver in the "
            f"URL{hint}"
        ) from None


def _check_answers(url: URL, source: str) -> None:
    """Open one connection, and close it: the database runs and lets us in."""
    timeout = url.get_driver_name() in _DRIVERS_WITH_CONNECT_TIMEOUT
    engine = create_engine(
        url,
        poolclass=NullPool,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS} if timeout else {},
    )
    try:
        with engine.connect():
            pass
    except DBAPIError as error:
        advice = (
            "check that the file's folder exists and that you may write there"
            if url.get_backend_name() == "sqlite"
            else "check that the database server runs and that the URL's host, port, user, "
            "password and database name are right"
        )
        raise CannotStart(
            f"the database at {_shown(url)} ({source}) does not answer: "
            f"{_first_line(error.orig)}; {advice}"
        ) from None
    finally:
        engine.dispose()


def _shown(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _first_line(error: BaseException | None) -> str:
    text = str(error).strip()
    return text.splitlines()[0].strip() if text else type(error).__name__


# --- a schema of another version ------------------------------------------------------------


def refuse_other_schema_versions(variant: str) -> None:
    """From now on, a ``MetaData.create_all`` of this process that finds one of its tables
    with other columns than it defines refuses with :class:`CannotStart`, creating nothing."""
    event.listen(MetaData, "before_create", _comparing_tables_of(variant))


def _comparing_tables_of(variant: str) -> Callable[..., None]:
    def compare(metadata: MetaData, connection: Connection, **_: Any) -> None:
        database = inspect(connection)
        found = [t for t in metadata.sorted_tables if database.has_table(t.name, t.schema)]
        differences = [line for table in found for line in _differences(table, database)]
        if differences:
            drops = " ".join(f"DROP TABLE {table.name};" for table in reversed(found))
            url = _shown(connection.engine.url)
            raise CannotStart(
                f"the database holds {variant} tables of another version "
                f"({'; '.join(differences)}); to start afresh (their data is lost), run "
                f"kata db reset {variant} --database-url {url} --yes, or drop them: {drops} "
                "or give another --database-url"
            )

    return compare


def _differences(table: Table, database: Inspector) -> list[str]:
    """How the table in the database differs from ``table``, by column names."""
    held = {column["name"] for column in database.get_columns(table.name, table.schema)}
    defined = set(table.columns.keys())
    differences = []
    if defined - held:
        differences.append(f"{table.name} lacks {', '.join(sorted(defined - held))}")
    if held - defined:
        differences.append(f"{table.name} has unknown {', '.join(sorted(held - defined))}")
    return differences


# --- the port -------------------------------------------------------------------------------


_CONNECTION_LIMIT = 1000  # open connections at once (waitress's default: 100)
_IDLE_SECONDS = 30  # a connection that sends and reads nothing this long is closed


def listen(
    app: WSGIApplication, host: str, port: int, threads: int
) -> MultiSocketServer | BaseWSGIServer:
    """A waitress server bound to ``host:port``, or :class:`CannotStart` saying why not.

    Clients that open a connection and stall (half a request, answers never read) hold no
    worker thread, but each holds one of waitress's connections: at its default limit of 100
    a hundred of them locked everyone else out for two minutes. The limit is raised, and an
    idle connection is closed after 30 seconds instead of 120.
    """
    try:
        return create_server(
            app,
            host=host,
            port=port,
            threads=threads,
            connection_limit=_CONNECTION_LIMIT,
            channel_timeout=_IDLE_SECONDS,
            cleanup_interval=_IDLE_SECONDS // 3,
        )
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise CannotStart(
                f"port {port} on {host} is taken by another program; stop it, or serve on "
                "another port with --port (--port 0 picks a free one)"
            ) from None
        raise CannotStart(
            f"cannot listen on {host}:{port} ({error.strerror or error}); choose another "
            "--host (an address of this machine) or --port"
        ) from None
