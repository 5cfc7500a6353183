"""``kata projections rebuild`` and ``kata history``: the event-sourced variant's log read from
the command line. The rebuild makes a thrown-away read side whole again and says how many
events it projected; the history shows an order's stream and its state after each event,
even with no read side at all. Both find the database as ``kata serve`` does, and refuse a
variant whose state is no log in one line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, create_engine, func, insert, select, text

from kata import cli, variants
from kata.event_sourced.eventstore.tables import events
from kata.event_sourced.projections import tables as projections
from tests.backends import backends, fresh_database, fresh_postgres_or_skip

VARIANT = "event_sourced"


@pytest.fixture(params=backends())
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(request.param, tmp_path) as url:
        yield url


def _serve_a_while(url: str, *, then_cancel: bool = False) -> str:
    """Register a product, then place, amend, pay and ship an order (or cancel it); its id."""
    app: Flask = variants.create_app(VARIANT, url)
    try:
        client = app.test_client()
        client.post("/products", json={"sku": "A1", "name": "Widget", "price": "10.00", "stock": 5})
        placed = client.post(
            "/orders", json={"customer_id": "c1", "lines": [{"sku": "A1", "quantity": 2}]}
        )
        order_id: str = placed.get_json()["id"]
        client.put(f"/orders/{order_id}/lines/A1", json={"quantity": 3})
        payment = {
            "payment_id": "p1",
            "order_id": order_id,
            "outcome": "succeeded",
            "amount": "30.00",
        }
        client.post("/payment-events", json=payment)
        step = "cancellation" if then_cancel else "shipment"
        client.post(f"/orders/{order_id}/{step}", json={})
        return order_id
    finally:
        variants.close_app(app)


def _read(url: str, path: str) -> Any:
    app: Flask = variants.create_app(VARIANT, url)
    try:
        return app.test_client().get(path).get_json()
    finally:
        variants.close_app(app)


def _events_in_log(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(events)) or 0)
    finally:
        engine.dispose()


def _throw_away_the_read_side(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            projections.metadata.drop_all(connection)
    finally:
        engine.dispose()


def test_rebuild_makes_a_thrown_away_read_side_whole_and_counts_the_events(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    order_id = _serve_a_while(url)
    before = (_read(url, "/products"), _read(url, f"/orders/{order_id}"))
    _throw_away_the_read_side(url)

    assert cli.main(["projections", "rebuild", VARIANT, "--database-url", url]) == 0

    said = capsys.readouterr().out.strip()
    assert said.startswith(f"kata: rebuilt every projection of {VARIANT} from ")
    assert f" from {_events_in_log(url)} events " in said
    assert (_read(url, "/products"), _read(url, f"/orders/{order_id}")) == before


def test_history_shows_each_event_and_the_order_after_it_from_the_log_alone(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    order_id = _serve_a_while(url)
    _throw_away_the_read_side(url)

    assert cli.main(["history", VARIANT, order_id, "--database-url", url]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"order {order_id}: 4 events in stream order/{order_id}"
    shown = [line.split("  ") for line in lines[1::2]]
    assert [(version, kind) for version, _, kind, _ in shown] == [
        ("v1", "OrderPlaced"),
        ("v2", "OrderAmended"),
        ("v3", "OrderPaid"),
        ("v4", "OrderShipped"),
    ]
    assert shown[2][3] == '{"amount": "30.00", "payment_id": "p1"}'
    assert all(datetime.fromisoformat(at).tzinfo is not None for _, at, _, _ in shown)
    placed = _state("PENDING_PAYMENT", quantity=2, total="20.00")
    amended = placed | _state("PENDING_PAYMENT", quantity=3, total="30.00")
    assert _states(lines) == [
        placed,
        amended,
        amended | {"status": "PAID", "payment_id": "p1"},
        amended | {"status": "SHIPPED", "payment_id": "p1"},
    ]


def test_history_of_a_cancelled_order_shows_its_reason_and_the_refund_due(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    order_id = _serve_a_while(url, then_cancel=True)

    assert cli.main(["history", VARIANT, order_id, "--database-url", url]) == 0

    lines = capsys.readouterr().out.splitlines()
    paid = _state("PAID", quantity=3, total="30.00") | {"payment_id": "p1"}
    cancelled = paid | {"status": "CANCELLED", "cancel_reason": "customer", "refund_due": True}
    assert _states(lines)[-2:] == [paid, cancelled]


def _state(status: str, *, quantity: int, total: str) -> dict[str, Any]:
    """The order as the history shows it: one line of A1 at 10.00, nothing paid."""
    return {
        "status": status,
        "lines": [{"sku": "A1", "quantity": quantity, "unit_price": "10.00"}],
        "subtotal": total,
        "discount": "0.00",
        "total": total,
        "payment_id": None,
        "cancel_reason": None,
        "refund_due": False,
    }


def _states(lines: list[str]) -> list[dict[str, Any]]:
    """The order after each event, as the history's "order:" lines show it."""
    return [json.loads(line.removeprefix("    order: ")) for line in lines[2::2]]


def test_history_of_an_order_the_log_does_not_hold_says_so_in_one_line(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _serve_a_while(url)

    assert cli.main(["history", VARIANT, "no-such-order", "--database-url", url]) == 1

    said = capsys.readouterr().err.strip()
    assert said.splitlines() == [said]
    assert said.startswith(f"kata: no order no-such-order in the log of {VARIANT}")


@pytest.mark.parametrize(
    ("command", "refusal"),
    [
        (["projections", "rebuild", "aggregate"], "kata: aggregate has no projections to rebuild"),
        (["history", "transaction_script", "x"], "kata: transaction_script keeps no event log"),
    ],
    ids=["rebuild", "history"],
)
def test_a_variant_whose_state_is_no_log_is_refused_in_one_line(
    command: list[str], refusal: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(command) == 2

    said = capsys.readouterr().err.strip()
    assert said.splitlines() == [said]
    assert said.startswith(refusal)


def test_without_a_url_they_use_the_database_kata_serve_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KATA_DATABASE_URL", raising=False)
    order_id = _serve_a_while(variants.default_database_url(VARIANT))  # kata serve's default

    assert cli.main(["history", VARIANT, order_id]) == 0
    assert cli.main(["projections", "rebuild", VARIANT]) == 0

    said = capsys.readouterr().out
    assert said.startswith(f"order {order_id}: 4 events")
    assert said.rstrip().endswith(f"(sqlite:///{tmp_path / 'var' / 'event_sourced.sqlite3'})")


def test_kata_database_url_comes_before_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'configured.sqlite3'}"
    monkeypatch.setenv("KATA_DATABASE_URL", url)
    order_id = _serve_a_while(url)

    assert cli.main(["history", VARIANT, order_id]) == 0

    assert capsys.readouterr().out.startswith(f"order {order_id}: 4 events")


def test_an_unusable_url_is_refused_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["projections", "rebuild", VARIANT, "--database-url", "nosuch://x"]) == 1

    said = capsys.readouterr().err.strip()
    assert said.splitlines() == [said]
    assert said.startswith(f"kata: cannot read the log of {VARIANT}: the database URL")


def test_history_shows_the_events_in_version_order_whatever_order_their_rows_lie_in(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Without ORDER BY, PostgreSQL returns rows in the order they lie in the table: not the
    order they were appended once VACUUM has given the place of a rolled-back append (a lost
    race's) to a later event. The history replays the stream in version order all the same."""
    with fresh_postgres_or_skip() as url:
        app: Flask = variants.create_app(VARIANT, url)
        engine = create_engine(url)
        try:
            client = app.test_client()
            client.post(
                "/products", json={"sku": "A1", "name": "Widget", "price": "10.00", "stock": 5}
            )
            _append_then_roll_back(engine)
            placed = client.post(
                "/orders", json={"customer_id": "c1", "lines": [{"sku": "A1", "quantity": 2}]}
            )
            order_id: str = placed.get_json()["id"]
            with engine.connect() as connection:  # VACUUM runs outside a transaction
                autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
                autocommit.execute(text(f"VACUUM {events.name}"))
            client.put(f"/orders/{order_id}/lines/A1", json={"quantity": 3})
            with engine.connect() as connection:  # the amendment lies before the placement
                stream = events.c.stream == f"order/{order_id}"
                assert list(connection.scalars(select(events.c.version).where(stream))) == [2, 1]
        finally:
            engine.dispose()
            variants.close_app(app)

        assert cli.main(["history", VARIANT, order_id, "--database-url", url]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert [line.split("  ")[::2] for line in lines[1::2]] == [
        ["v1", "OrderPlaced"],
        ["v2", "OrderAmended"],
    ]


def _append_then_roll_back(engine: Engine) -> None:
    """Three events inserted by a transaction that then lost its race: rolled back."""
    with engine.connect() as connection:
        rows = [
            {
                "position": 1000 + version,
                "stream": "order/lost",
                "version": version,
                "type": "OrderShipped",
                "occurred_at": "2026-01-01T00:00:00+00:00",
                "data": "{}",
            }
            for version in (1, 2, 3)
        ]
        connection.execute(insert(events), rows)
        connection.rollback()
