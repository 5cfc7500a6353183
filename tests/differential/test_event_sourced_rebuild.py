"""The read side is a cache of the log: after a long random history, ``rebuild_projections``
throws every projection away and projects the log again, and the rebuilt read side answers
every read exactly as the live one did, byte for byte on the same database.

The history is the differential machine's (every command a client can send, valid or not,
aimed at the rules), sent to event_sourced alone; at the end of each sequence the machine
reads everything there is to read, rebuilds, and reads it again: every product, every order,
the order lists by each customer and status, and the feed. Sequences are longer than the
differential test's (up to 200 commands) and fewer (a fifth of ``--differential-examples``).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, ClassVar
from urllib.parse import urlencode

import pytest
from flask import Flask
from sqlalchemy import Connection, create_engine, func, select

from kata import variants
from kata.event_sourced.app import rebuild_projections
from kata.event_sourced.application.ports import Recorded
from kata.event_sourced.domain.events import StockReserved
from kata.event_sourced.eventstore.tables import events
from kata.event_sourced.projections import rebuild
from kata.event_sourced.projections.projector import project
from tests.acceptance.driver import InProcessDriver
from tests.differential.machine import STATUSES, DifferentialMachine, Target, run_differential

VARIANT = "event_sourced"
STEPS = 200  # commands per sequence at most: orders in every status, and a long log
PAGE = 500  # the feed's largest page

Reads = dict[str, tuple[int, Any]]  # path -> (status, JSON body)


class RebuiltLikeLive(DifferentialMachine):
    """The differential machine on one target; each sequence ends with a rebuild that must
    change no answer."""

    fewest_targets: ClassVar[int] = 1
    urls: ClassVar[dict[str, str]] = {}  # label -> the database its app was started on

    def teardown(self) -> None:
        side = self._sides[0]
        live = _everything(side.driver)
        projected = rebuild_projections(self.urls[side.label])
        rebuilt = _everything(side.driver)

        assert projected == _events_in_log(self.urls[side.label])
        assert rebuilt.keys() == live.keys()
        differ = [path for path in live if rebuilt[path] != live[path]]
        assert not differ, f"the rebuilt read side answers {differ[0]} otherwise:\n" + (
            f"live:    {live[differ[0]]}\nrebuilt: {rebuilt[differ[0]]}"
        )


def _started(url: str) -> Flask:
    RebuiltLikeLive.urls[VARIANT] = url
    return variants.create_app(VARIANT, url)


def _events_in_log(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(events)) or 0)
    finally:
        engine.dispose()


def _get(driver: InProcessDriver, path: str) -> tuple[int, Any]:
    reply = driver.send("GET", path)
    return reply.status, reply.json()


def _everything(driver: InProcessDriver) -> Reads:
    """Every read a client can make of this shop's state, by path."""
    reads: Reads = {"/products": _get(driver, "/products")}
    for product in reads["/products"][1]["products"]:
        path = f"/products/{product['sku']}"
        reads[path] = _get(driver, path)
    feed = _feed(driver)
    reads["/events"] = (200, feed)
    placed = [event for event in feed if event["type"] == "OrderPlaced"]
    for event in placed:
        path = f"/orders/{event['order_id']}"
        reads[path] = _get(driver, path)
    customers = sorted({event["data"]["customer_id"] for event in placed})
    for customer in [None, *customers]:
        for status in [None, *STATUSES]:
            given = {"customer_id": customer, "status": status, "limit": 200}
            path = "/orders?" + urlencode({k: v for k, v in given.items() if v is not None})
            reads[path] = _get(driver, path)
    return reads


def _feed(driver: InProcessDriver) -> list[dict[str, Any]]:
    """The whole feed, page by page."""
    feed: list[dict[str, Any]] = []
    while True:
        after = feed[-1]["seq"] if feed else 0
        status, body = _get(driver, f"/events?after={after}&limit={PAGE}")
        assert status == 200, body
        feed.extend(body["events"])
        if len(body["events"]) < PAGE:
            return feed


def test_a_rebuilt_read_side_answers_every_read_like_the_live_one(
    differential_examples: int, differential_seed: Hashable
) -> None:
    run_differential(
        [Target(VARIANT, _started)],
        examples=max(1, differential_examples // 5),
        seed_value=differential_seed,
        steps=STEPS,
        base=RebuiltLikeLive,
    )


def test_a_rebuild_that_drops_an_event_kind_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check bites: a rebuild that forgets stock reservations answers otherwise."""

    def forgetful(connection: Connection, recorded: Sequence[Recorded]) -> None:
        project(connection, [one for one in recorded if not isinstance(one.event, StockReserved)])

    monkeypatch.setattr(rebuild, "project", forgetful)

    with pytest.raises(AssertionError, match="the rebuilt read side answers /products"):
        run_differential(
            [Target(VARIANT, _started)],
            examples=5,
            seed_value=20261206,
            steps=STEPS,
            shrink=False,
            base=RebuiltLikeLive,
        )


# With --variant, tests/differential keeps a test only if it names a chosen variant.
for _test in (
    test_a_rebuilt_read_side_answers_every_read_like_the_live_one,
    test_a_rebuild_that_drops_an_event_kind_is_caught,
):
    _test.compared_variant = VARIANT  # type: ignore[union-attr]
