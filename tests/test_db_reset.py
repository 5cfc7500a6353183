"""``kata db reset NAME``: drops that variant's tables, and only those, after asking."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from kata import cli, variants
from tests.backends import backends, fresh_database


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def _kata(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(params=backends())
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database every variant has made its schema in."""
    with fresh_database(request.param, tmp_path) as url:
        for name in variants.names():
            variants.close_app(variants.create_app(name, url))
        yield url


@pytest.mark.parametrize("variant", variants.names())
def test_reset_drops_the_variants_tables_and_no_other(shared: str, variant: str) -> None:
    before = _tables(shared)

    code, out, _ = _kata("db", "reset", variant, "--database-url", shared, "--yes")

    dropped = before - _tables(shared)
    assert code == 0
    assert dropped, "the variant had tables"
    assert all(name in out for name in dropped)
    # Its prefixes are its own (one per service of a variant made of services): no table
    # left has one of them.
    prefixes = {name.split("_", 1)[0] for name in dropped}
    assert not {name for name in _tables(shared) if name.split("_", 1)[0] in prefixes}
    # The next start makes them anew.
    variants.close_app(variants.create_app(variant, shared))
    assert _tables(shared) == before


def test_reset_asks_first_and_drops_nothing_without_an_answer(shared: str) -> None:
    before = _tables(shared)

    # No terminal to ask on (stdin is not a tty under pytest), and no --yes.
    code, _, err = _kata("db", "reset", "aggregate", "--database-url", shared)

    assert code == 1
    assert "--yes" in err
    assert _tables(shared) == before


def test_reset_of_an_unknown_variant_says_which_exist(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'none.sqlite3'}"

    code, _, err = _kata("db", "reset", "agregate", "--database-url", url, "--yes")

    assert code == 2
    assert "did you mean aggregate?" in err
