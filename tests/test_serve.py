"""``kata serve`` and ``kata variants`` as a user runs them (spec section 7)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from kata import variants
from tests.backends import POSTGRES_ENV, backends, fresh_database, fresh_postgres_schema
from tests.serving import KataServer, refused_start

# Spec section 7: the server stops within 5 seconds on SIGTERM.
STOP_SECONDS = 5.0


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def _post(url: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        status: int = response.status
        return status


def test_kata_variants_lists_the_registered_variants() -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "kata.cli", "variants"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert listed[: len(variants.names())] == variants.names()  # a workspace's line may follow
    assert "transaction_script" in listed


@pytest.mark.parametrize("variant", variants.names())
def test_serve_answers_logs_each_request_and_stops_promptly(variant: str, tmp_path: Path) -> None:
    with KataServer(variant, f"sqlite:///{tmp_path / 'kata.sqlite3'}") as server:
        assert _get(f"{server.url}/health") == {"status": "ok", "variant": variant}
        started = time.monotonic()
        assert server.stop() == 0
        assert time.monotonic() - started < STOP_SECONDS
    assert any("GET /health 200" in line for line in server.output), server.output
    assert server.output[-1] == "kata: stopped\n", server.output
    assert not any("Traceback" in line for line in server.output), server.output


def test_ctrl_c_stops_the_server_with_one_line(tmp_path: Path) -> None:
    with KataServer("transaction_script", f"sqlite:///{tmp_path / 'kata.sqlite3'}") as server:
        assert _get(f"{server.url}/health")["status"] == "ok"
        started = time.monotonic()
        assert server.stop(by=signal.SIGINT) == 0
        assert time.monotonic() - started < STOP_SECONDS
    assert server.output[-1] == "kata: stopped\n", server.output
    assert not any("Traceback" in line for line in server.output), server.output


# --- when it cannot start (spec section 7) ---------------------------------------------------


def _expect_refusal(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """``kata serve`` exited non-zero with one line, holding every one of ``words`` (what is
    wrong and what to do), and no traceback; returns the line."""
    output = result.stdout + result.stderr
    lines = [line for line in output.splitlines() if line.strip()]
    assert result.returncode != 0, output
    assert "Traceback" not in output, output
    assert len(lines) == 1, output
    for word in words:
        assert word in lines[0], f"{word!r} not in {lines[0]!r}"
    return lines[0]


def _free_port() -> int:
    """A port nothing listens on (the system's pick, closed again at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize("variant", variants.names())
def test_serve_refuses_a_port_that_is_taken(variant: str, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = refused_start(variant, f"sqlite:///{tmp_path / 'kata.sqlite3'}", "--port", port)

    _expect_refusal(result, f"port {port}", "taken", "--port")


POSTGRES_AT = "postgresql+psycopg://postgres@127.0.0.1:{port}/test"
UNUSABLE_URLS = {
    "postgres:// (not a name SQLAlchemy knows)": (
        "postgres://postgres@127.0.0.1:5432/test",
        ["postgres://", "does not know", "postgresql://", "postgresql+psycopg://"],
    ),
    "not a URL": ("nothing like a URL", ["not a SQLAlchemy URL", "dialect+driver://"]),
    "an unknown driver": (
        "postgresql+nosuchdriver://postgres@127.0.0.1/test",
        ["postgresql+nosuchdriver://", "does not know"],
    ),
    "a driver that is not installed": (
        "mysql+mysqldb://shop@127.0.0.1/shop",
        ["mysql+mysqldb://", "not installed", "MySQLdb"],
    ),
    "a server that does not answer": (
        POSTGRES_AT,
        ["does not answer", "refused", "host, port"],
    ),
}


@pytest.mark.parametrize(("url", "words"), UNUSABLE_URLS.values(), ids=list(UNUSABLE_URLS.keys()))
def test_serve_refuses_a_database_url_it_cannot_use(url: str, words: list[str]) -> None:
    if "MySQLdb" in words and importlib.util.find_spec("MySQLdb") is not None:
        pytest.skip("MySQLdb is installed here")
    result = refused_start("aggregate", url.format(port=_free_port()))

    _expect_refusal(result, *words, "--database-url")


def test_serve_names_the_variable_a_bad_url_came_from() -> None:
    result = refused_start(
        "aggregate", None, env={"KATA_DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test"}
    )

    _expect_refusal(result, "KATA_DATABASE_URL", "postgresql://")


def _another_version_of(variant: str, url: str) -> str:
    """Make the variant's schema at ``url``, then rename one column of one of its tables, as
    an older or newer version would have it; returns the table's name."""
    variants.close_app(variants.create_app(variant, url))
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            table = sorted(inspect(connection).get_table_names())[0]
            column = inspect(connection).get_columns(table)[-1]["name"]
            connection.execute(
                text(f'ALTER TABLE {table} RENAME COLUMN "{column}" TO "{column}_old"')
            )
    finally:
        engine.dispose()
    return table


@pytest.mark.parametrize("backend", backends())
@pytest.mark.parametrize("variant", variants.names())
def test_serve_refuses_a_schema_of_another_version_and_says_how_to_reset_it(
    variant: str, backend: str, tmp_path: Path
) -> None:
    with fresh_database(backend, tmp_path) as url:
        table = _another_version_of(variant, url)

        line = _expect_refusal(
            refused_start(variant, url), table, "another version", "kata db reset", "DROP"
        )

        # What it says to do works, typed as it says: the variant then starts afresh.
        reset = re.search(r"kata db reset .*? --yes", line)
        assert reset is not None, line
        subprocess.run(
            [sys.executable, "-m", "kata.cli", *shlex.split(reset[0])[1:]], check=True, timeout=60
        )
        with KataServer(variant, url) as server:
            assert _get(f"{server.url}/health")["variant"] == variant


def _assert_a_restart_keeps_the_data(variant: str, database_url: str | None, cwd: Path) -> None:
    product = {"sku": "RESTART-1", "name": "Kept", "price": "2.50", "stock": 7}
    no_url = {"KATA_DATABASE_URL": ""}
    with KataServer(variant, database_url, cwd=cwd, env=no_url) as first:
        assert _post(f"{first.url}/products", product) == 201
    with KataServer(variant, database_url, cwd=cwd, env=no_url) as second:
        assert _get(f"{second.url}/products/RESTART-1") == product


@pytest.mark.parametrize("variant", variants.names())
def test_a_restart_keeps_the_data_in_the_default_database(variant: str, tmp_path: Path) -> None:
    _assert_a_restart_keeps_the_data(variant, None, tmp_path)
    assert (tmp_path / "var" / f"{variant}.sqlite3").is_file()


@pytest.mark.parametrize("variant", variants.names())
def test_a_restart_keeps_the_data_on_postgresql(variant: str, tmp_path: Path) -> None:
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        pytest.skip(f"{POSTGRES_ENV} names no PostgreSQL server")
    with fresh_postgres_schema(server) as url:
        # Named as a user would: postgresql://, no driver (kata serve picks psycopg 3).
        plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        _assert_a_restart_keeps_the_data(variant, plain, tmp_path)


SERVERS = 4


@pytest.mark.parametrize("backend", backends())
@pytest.mark.parametrize("variant", variants.names())
def test_servers_started_together_on_a_new_database_all_serve(
    variant: str, backend: str, tmp_path: Path
) -> None:
    """One makes the schema, the others wait for it, instead of dying on tables made under
    their feet (or on a new SQLite file being switched to WAL by another)."""
    product = {"sku": "TOGETHER-1", "name": "Started together", "price": "1.00", "stock": 9}
    with fresh_database(backend, tmp_path) as url, ThreadPoolExecutor(SERVERS) as pool:
        servers = list(pool.map(lambda _: KataServer(variant, url), range(SERVERS)))
        try:
            registered = _post(f"{servers[0].url}/products", product)
            placed = [  # a customer each: O6 caps one customer's unpaid orders at 3
                _post(
                    f"{server.url}/orders",
                    {
                        "customer_id": f"customer-{number}",
                        "lines": [{"sku": "TOGETHER-1", "quantity": 1}],
                    },
                )
                for number, server in enumerate(servers)
            ]
            events = _get(f"{servers[-1].url}/events")["events"]
        finally:
            for server in servers:
                server.stop()

    assert (registered, placed) == (201, [201] * SERVERS)
    seqs = [event["seq"] for event in events]
    assert len(seqs) == SERVERS  # one each
    assert seqs == sorted(set(seqs))  # in commit order


def test_serve_refuses_an_unknown_variant() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kata.cli", "serve", "no_such_style"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "no_such_style" in result.stderr
