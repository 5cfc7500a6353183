"""``kata serve`` and ``kata variants`` as a user runs them (spec section 7)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from kata import variants
from tests.backends import POSTGRES_ENV, backends, fresh_database, fresh_postgres_schema
from tests.serving import KataServer

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
    assert [event["seq"] for event in events] == list(range(1, SERVERS + 1))


def test_serve_refuses_an_unknown_variant() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kata.cli", "serve", "no_such_style"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "no_such_style" in result.stderr
