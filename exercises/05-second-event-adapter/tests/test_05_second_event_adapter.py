"""Exercise 05, swap an adapter: a second event sink.

When ``KATA_EVENT_LOG`` names a file as the app is created, every event the variant commits
is also appended to that file as one JSON line, exactly as ``GET /events`` lists it, in
commit order, once its transaction has committed: a refused (rolled-back) request writes
nothing. Without the variable nothing changes. For the hexagonal style the inside must stay
as it was: the import contracts still hold, and a workspace's ``domain/`` and
``application/`` are still those of the variant it was copied from.

Run with ``pytest --exercise 05 --variant NAME`` (``kata exercise check 05 --variant NAME``
adds the shared suite). Each case runs once per ``--variant`` and database. The cases make
their own app rather than use the ``shop`` fixture: the app must be created *after* the
variable is set, because it reads it when it is created.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from kata import variants
from kata.workshop import check, workspace
from tests.acceptance.conftest import Target
from tests.acceptance.contract import check_reply
from tests.acceptance.driver import CheckingDriver, InProcessDriver
from tests.acceptance.dsl import Shop
from tests.acceptance.expectations import body_of, expect_problem, expect_skus_problem
from tests.backends import fresh_database
from tests.workshop.code import code_under_test

EVENT_LOG = "KATA_EVENT_LOG"
HEXAGONAL = "hexagonal"
INSIDE = ("domain", "application")  # the hexagon's inside: what exercise 05 must not touch


@contextmanager
def shop_created_now(target: Target, folder: Path) -> Iterator[Shop]:
    """A shop in front of ``target``'s app, created on entry (it reads ``KATA_EVENT_LOG``
    then) on a fresh database in ``folder``; every reply is checked against the contract."""
    if target.backend == "live":
        pytest.skip("a live server was started without our KATA_EVENT_LOG: its file is not ours")
    assert target.variant is not None
    folder.mkdir()
    with fresh_database(target.backend, folder) as url:
        app = variants.create_app(target.variant, url)
        try:
            yield Shop(CheckingDriver(InProcessDriver(app), check_reply))
        finally:
            variants.close_app(app)


def place_pay_and_cancel(shop: Shop) -> str:
    """Place an order and pay it, place another and cancel it; returns the product's SKU."""
    sku = shop.add_product(price="10.00", stock=5)
    paid = shop.placed_order([(sku, 2)])
    body_of(shop.pay(paid["id"], paid["total"]), 200)
    cancelled = shop.placed_order([(sku, 1)])
    body_of(shop.cancel(cancelled["id"]), 200)
    return sku


def logged(log: Path) -> list[dict[str, Any]]:
    """The log's lines, each parsed as the JSON object it must be (none if it is missing)."""
    if not log.exists():
        return []
    lines = log.read_text(encoding="utf-8").splitlines()
    parsed = [json.loads(line) for line in lines]
    assert all(isinstance(entry, dict) for entry in parsed), lines
    return parsed


# --- the behaviour: every variant -------------------------------------------------------


def test_the_log_holds_every_committed_event_as_get_events_lists_it(
    target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each committed event is one line of the log, equal to its ``GET /events`` entry
    (seq, type, order_id, occurred_at, data), in seq order, written before the reply."""
    log = tmp_path / "events.jsonl"
    monkeypatch.setenv(EVENT_LOG, str(log))
    with shop_created_now(target, tmp_path / "database") as shop:
        place_pay_and_cancel(shop)
        written = logged(log)  # read before anything else is asked: no waiting
        feed = shop.events_since(0)

    assert [event["type"] for event in feed] == [
        "OrderPlaced",
        "OrderPaid",
        "OrderPlaced",
        "OrderCancelled",
    ]
    assert written == feed, "the log's lines differ from GET /events"


def test_a_refused_request_adds_no_line_to_the_log(
    target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request the shop refuses rolls back its transaction, so the log gains no line: not
    for an order short of stock (O3), not for a payment of the wrong amount (O10)."""
    log = tmp_path / "events.jsonl"
    monkeypatch.setenv(EVENT_LOG, str(log))
    with shop_created_now(target, tmp_path / "database") as shop:
        sku = place_pay_and_cancel(shop)  # 2 of 5 units stay reserved by the paid order
        before = logged(log)

        short = shop.place_order(shop.new_customer(), [(sku, 4)])
        expect_skus_problem(short, 409, "insufficient-stock", [sku])
        pending = shop.placed_order([(sku, 1)])
        after_placing = logged(log)
        wrong_amount = shop.pay(pending["id"], "999.00")
        expect_problem(wrong_amount, 409, "payment-mismatch")

        after = logged(log)
        feed = shop.events_since(0)

    assert len(before) == 4, before
    assert after_placing[:4] == before, "the refused order changed the log"
    assert [entry["type"] for entry in after_placing[4:]] == ["OrderPlaced"], after_placing
    assert after == after_placing, "the refused payment added to the log"
    assert after == feed, "the log's lines differ from GET /events"


def test_without_the_variable_no_file_is_written(
    target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without ``KATA_EVENT_LOG`` the variant writes no file (nor one of its own choosing in
    the working directory) and ``GET /events`` still lists every event."""
    monkeypatch.delenv(EVENT_LOG, raising=False)
    working_dir = tmp_path / "cwd"
    working_dir.mkdir()
    monkeypatch.chdir(working_dir)
    database_dir = tmp_path / "database"
    with shop_created_now(target, database_dir) as shop:
        place_pay_and_cancel(shop)
        feed = shop.events_since(0)

    assert len(feed) == 4, feed
    assert list(working_dir.iterdir()) == []
    others = [p.name for p in database_dir.iterdir() if not p.name.startswith("kata.sqlite3")]
    assert others == [], f"files beside the database: {others}"


# --- the hexagon's inside: the hexagonal style only -------------------------------------


def _hexagonal_code(target: Target) -> str:
    """The name of the target's code if it is held to the hexagonal style; else skips."""
    name = code_under_test(target)
    style = variants.style_of(name)
    if style != HEXAGONAL:
        pytest.skip(f"{style} has no inside to keep: count the files your change touched (README)")
    return name


def test_hexagonal_the_inside_still_knows_no_adapter(target: Target) -> None:
    """Every hexagonal import contract is kept (``kata check NAME --style hexagonal``): the
    domain and the application import no adapter, no framework and not the composition
    root, so the new sink is reached from the outside only."""
    name = _hexagonal_code(target)

    verdicts = check.check(name, HEXAGONAL)

    assert check.broken(verdicts) == [], check.report(verdicts)


def test_hexagonal_workspace_inside_is_the_one_it_was_copied_from(target: Target) -> None:
    """A workspace copied from the hexagonal variant still has its origin's ``domain/`` and
    ``application/``, file for file (imports retargeted as ``kata exercise start`` did)."""
    name = _hexagonal_code(target)
    space = variants.workspace(name)
    if space is None:
        pytest.skip(
            "no copy to compare with: a built-in variant is its own origin (and CI's copy of "
            "the repository has no git history); the contracts case checks the inside"
        )
    if space.origin != HEXAGONAL:
        pytest.skip(f"copied from {space.origin}: it has no hexagonal inside to compare with")
    origin_dir, copy_dir = variants.source_dir(space.origin), variants.source_dir(name)
    package = variants.package(name)

    changed: list[str] = []
    for part in INSIDE:
        origin_files = {p.relative_to(origin_dir) for p in (origin_dir / part).rglob("*.py")}
        copy_files = {p.relative_to(copy_dir) for p in (copy_dir / part).rglob("*.py")}
        changed += [f"added {path}" for path in sorted(copy_files - origin_files)]
        changed += [f"removed {path}" for path in sorted(origin_files - copy_files)]
        for path in sorted(origin_files & copy_files):
            original = (origin_dir / path).read_text(encoding="utf-8")
            expected = workspace.retarget(original, space.origin, package, name)
            if (copy_dir / path).read_text(encoding="utf-8") != expected:
                changed.append(f"changed {path}")

    assert changed == [], f"the inside of {name} changed: {changed}"
