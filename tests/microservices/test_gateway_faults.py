"""The catalogue's writes, which the gateway forwards to inventory, with inventory failing on
purpose (issue 16): registering a product, changing its price, restocking it.

Each forwarded write carries a request id that inventory applies once: one whose answer was
lost is sent again and made once, and answered as it was made. When no try is answered, the
gateway withdraws the write: 503 and nothing changed (undone, or a late copy refused), or,
if something relied on it meanwhile, it stands and its own answer is given. A withdrawal
inventory does not answer either is owed, and recovery makes it.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from kata.microservices.app import IN_PROCESS_INVENTORY
from kata.microservices.inventory.store import Inventory
from kata.microservices.ordering.adapters.inventory_http import ATTEMPTS, REQUEST_ID
from kata.microservices.ordering.application import withdrawals
from kata.microservices.ordering.application.withdrawals import withdraw_owed
from tests.microservices.shop import Shop, assert_unavailable, logged, open_shop

NEW = {"sku": "FAULT-NEW", "name": "New", "price": "3.00", "stock": 7}
WITHDRAWN = "urn:kata:problem:write-withdrawn"


@dataclass(frozen=True)
class Write:
    """A catalogue write; ``relied_on`` places an order that relies on it once it is made
    (an order of the new product; one that takes the new price; one that needs the units
    restocked)."""

    status: int  # its answer once made
    send: Callable[[Shop], Any]
    relied_on: Callable[[Shop], object]


WRITES = {
    "register": Write(
        201,
        lambda shop: shop.client.post("/products", json=NEW),
        lambda shop: shop.place({"FAULT-NEW": 1}),
    ),
    "change": Write(
        200,
        lambda shop: shop.client.patch("/products/FAULT-A", json={"price": "3.75"}),
        lambda shop: shop.place({"FAULT-A": 1}),
    ),
    "restock": Write(
        200,
        lambda shop: shop.client.post("/products/FAULT-A/restock", json={"quantity": 5}),
        lambda shop: shop.place({"FAULT-A": 12}),  # more than the 10 there were before
    ),
}


def _tries(shop: Shop) -> list[httpx.Request]:
    """The tries of the writes forwarded to inventory."""
    return [call for call in shop.inventory.calls("catalogue") if call.method != "GET"]


def _request_ids(shop: Shop) -> set[str]:
    return {request.headers[REQUEST_ID] for request in _tries(shop)}


@contextmanager
def _local_time_zone(zone: str) -> Iterator[None]:
    """The process's local time zone (``TZ``) set to ``zone`` for a while."""
    was = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        yield
    finally:
        if was is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = was
        time.tzset()


def _assert_unchanged(shop: Shop, catalogue: list[dict[str, Any]]) -> None:
    shop.inventory_back()
    assert shop.catalogue() == catalogue
    assert shop.owed() == []
    shop.assert_conserved()


@pytest.mark.parametrize("failure", ["down", "500"])
@pytest.mark.parametrize("write_name", WRITES)
def test_a_write_inventory_does_not_answer_is_answered_503_and_changes_nothing(
    write_name: str, failure: str, database_url: str
) -> None:
    """Refused at every try (down: never taken, so never withdrawn) or failing at every try
    (500: perhaps taken, so withdrawn, and a copy still on its way is refused when it comes):
    503, nothing changed."""
    with open_shop(database_url) as shop:
        catalogue = shop.catalogue()
        shop.inventory.fail("catalogue", failure)

        assert_unavailable(WRITES[write_name].send(shop))

        assert len(_tries(shop)) == ATTEMPTS
        assert len(_request_ids(shop)) == 1  # every try the same write
        assert len(shop.inventory.calls("withdraw")) == (0 if failure == "down" else 1)
        _assert_unchanged(shop, catalogue)
        if failure == "500":
            late = shop.inventory.replay(_tries(shop)[0])
            assert (late.status_code, late.json()["type"]) == (409, WITHDRAWN)
            assert shop.catalogue() == catalogue


@pytest.mark.parametrize("write_name", WRITES)
def test_a_write_whose_answer_is_lost_is_answered_503_and_changes_nothing(
    write_name: str, database_url: str
) -> None:
    """Inventory makes the write and every answer is lost: the gateway withdraws it (undone),
    answers 503, and a late copy of the write arriving afterwards is refused."""
    with open_shop(database_url) as shop:
        catalogue = shop.catalogue()
        shop.inventory.fail("catalogue", "timeout")

        assert_unavailable(WRITES[write_name].send(shop))

        assert len(shop.inventory.calls("withdraw")) == 1
        _assert_unchanged(shop, catalogue)
        late = shop.inventory.replay(_tries(shop)[0])
        assert (late.status_code, late.json()["type"]) == (409, WITHDRAWN)
        assert isinstance(late.json()["detail"], str), late.json()
        assert shop.catalogue() == catalogue


def test_a_change_of_name_and_price_whose_answer_is_lost_is_undone_whole(
    database_url: str,
) -> None:
    """The withdrawal of a change gives the product back its name as well as its price."""
    with open_shop(database_url) as shop:
        catalogue = shop.catalogue()
        shop.inventory.fail("catalogue", "timeout")

        change = {"name": "Renamed", "price": "3.75"}
        assert_unavailable(shop.client.patch("/products/FAULT-A", json=change))

        _assert_unchanged(shop, catalogue)


def _other_change(shop: Shop) -> None:
    """Another change of FAULT-A's name, straight at inventory (no request id)."""
    url = f"{IN_PROCESS_INVENTORY}/products/FAULT-A"
    changed = shop.inventory.replay(httpx.Request("PATCH", url, json={"name": "Other"}))
    assert changed.status_code == 200, changed.json()


def _order_then_other_change(shop: Shop) -> None:
    shop.place({"FAULT-A": 1})
    _other_change(shop)


MEANWHILE: dict[str, Callable[[Shop], None]] = {
    "another change": _other_change,
    "an order, then another change": _order_then_other_change,
}


@pytest.mark.parametrize("meanwhile", MEANWHILE)
def test_a_change_followed_by_other_changes_before_its_withdrawal_stands(
    meanwhile: str, database_url: str
) -> None:
    """A change is undone only while nothing else changed the product since (each change
    and each stock move takes the product a version on, never back to one it had): here
    something did, so the price change stands and is answered."""
    with open_shop(database_url) as shop:
        shop.inventory.fail("catalogue", "timeout")
        shop.inventory.meanwhile["catalogue"] = lambda: MEANWHILE[meanwhile](shop)

        answer = shop.client.patch("/products/FAULT-A", json={"price": "3.75"})

        assert answer.status_code == 200, answer.get_json()
        shop.inventory_back()
        now = {product["sku"]: product for product in shop.catalogue()}
        assert (now["FAULT-A"]["name"], now["FAULT-A"]["price"]) == ("Other", "3.75")
        shop.assert_conserved()


def test_a_withdrawal_asked_again_answers_as_it_did_first(database_url: str) -> None:
    """A withdrawal's outcome is final: the restock stood (an order took its units), and
    asked again after that order is cancelled, it still stands (answered the same), though
    its units could now be taken back."""
    with open_shop(database_url) as shop:
        shop.inventory.fail("catalogue", "timeout")
        shop.inventory.meanwhile["catalogue"] = lambda: WRITES["restock"].relied_on(shop)
        assert WRITES["restock"].send(shop).status_code == 200
        shop.inventory_back()
        (order,) = shop.client.get("/orders").get_json()["orders"]
        assert shop.client.post(f"/orders/{order['id']}/cancellation").status_code == 200
        (request_id,) = _request_ids(shop)
        url = f"{IN_PROCESS_INVENTORY}/writes/{request_id}/withdrawal"

        again = shop.inventory.replay(httpx.Request("POST", url))

        assert again.status_code == 200, again.json()
        assert shop.stock()["FAULT-A"] == 15
        shop.restocked["FAULT-A"] += 5
        shop.assert_conserved()


@pytest.mark.parametrize("write_name", WRITES)
def test_a_write_whose_answer_is_lost_once_is_sent_again_and_made_once(
    write_name: str, database_url: str
) -> None:
    """The second try carries the same request id: inventory answers it as it made it the
    first time (a registration 201, not 409 duplicate-sku; a restock counted once)."""
    write = WRITES[write_name]
    with open_shop(database_url) as shop:
        shop.inventory.fail("catalogue", "timeout", times=1)

        answer = write.send(shop)

        assert answer.status_code == write.status, answer.get_json()
        assert len(_tries(shop)) == 2
        assert len(_request_ids(shop)) == 1
        assert shop.inventory.calls("withdraw") == []
        made = answer.get_json()
        assert made in shop.catalogue()
        if write_name == "register":
            assert answer.headers["Location"] == "/products/FAULT-NEW"
        if write_name == "restock":
            assert made["stock"] == 15
            shop.restocked["FAULT-A"] += 5
        shop.assert_conserved()


@pytest.mark.parametrize("write_name", WRITES)
def test_a_write_relied_on_before_its_withdrawal_stands_and_is_answered(
    write_name: str, database_url: str
) -> None:
    """Its answers are lost, and before the gateway withdraws it an order relies on it: it
    cannot be undone without taking from that order, so it stands, and the client gets the
    write's own answer, not a 503."""
    write = WRITES[write_name]
    with open_shop(database_url) as shop:
        shop.inventory.fail("catalogue", "timeout")
        shop.inventory.meanwhile["catalogue"] = lambda: write.relied_on(shop)

        answer = write.send(shop)

        assert answer.status_code == write.status, answer.get_json()
        assert len(shop.inventory.calls("withdraw")) == 1
        shop.inventory_back()
        made = answer.get_json()
        now = {product["sku"]: product for product in shop.catalogue()}
        assert {**now[made["sku"]], "stock": made["stock"]} == made  # only stock moved since
        (order,) = shop.client.get("/orders").get_json()["orders"]
        assert order["lines"][0]["unit_price"] == made["price"]
        if write_name == "restock":
            assert (made["stock"], now["FAULT-A"]["stock"]) == (15, 3)
            shop.restocked["FAULT-A"] += 5
        shop.assert_conserved()


def test_a_restock_whose_units_no_order_needs_is_withdrawn(database_url: str) -> None:
    """An order placed meanwhile that the stock before the restock could serve does not rely
    on it: the restock's units are still there, and are taken back (503)."""
    with open_shop(database_url) as shop:
        shop.inventory.fail("catalogue", "timeout")
        shop.inventory.meanwhile["catalogue"] = lambda: shop.place({"FAULT-A": 10})

        assert_unavailable(WRITES["restock"].send(shop))

        shop.inventory_back()
        assert shop.stock()["FAULT-A"] == 0
        shop.assert_conserved()


@pytest.mark.parametrize("failure", ["down", "timeout", "500"])
@pytest.mark.parametrize("write_name", WRITES)
def test_a_withdrawal_inventory_does_not_answer_is_made_by_recovery(
    write_name: str, failure: str, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The write's answers are lost, and its withdrawal's too: 503, the withdrawal is owed
    (kept in the ordering database), and recovery makes it once inventory answers, once.
    Each step is logged, naming the write: the operator's record of a 503 kept late."""
    with open_shop(database_url) as shop:
        catalogue = shop.catalogue()
        shop.inventory.fail("catalogue", "timeout")
        shop.inventory.fail("withdraw", failure)

        with caplog.at_level(logging.INFO, logger=withdrawals.log.name):
            assert_unavailable(WRITES[write_name].send(shop))
            (write,) = _request_ids(shop)
            assert logged(caplog, withdrawals.log) == [
                (logging.WARNING, f"the withdrawal of write {write} is left for recovery")
            ]
            caplog.clear()
            assert shop.owed() == [write]
            assert withdraw_owed(shop.services) == 0  # inventory still does not answer
            assert len(shop.owed()) == 1
            [(level, waiting)] = logged(caplog, withdrawals.log)
            assert level == logging.WARNING
            assert waiting.startswith("withdrawals owed wait for inventory: The inventory ")
            caplog.clear()
            shop.inventory_back()
            assert withdraw_owed(shop.services) == 1
            assert withdraw_owed(shop.services) == 0
            assert logged(caplog, withdrawals.log) == [
                (logging.INFO, f"withdrew write {write}, answered 503")
            ]
        _assert_unchanged(shop, catalogue)


def test_withdrawals_owed_are_made_oldest_first_in_one_round(database_url: str) -> None:
    """Two servers on one database, their clocks set to zones a day apart, each leave a
    withdrawal for recovery: one round makes both, in the order they were left."""
    with open_shop(database_url) as shop:
        catalogue = shop.catalogue()
        for zone, write_name in (("Pacific/Kiritimati", "register"), ("Etc/GMT+11", "change")):
            shop.inventory.fail("catalogue", "timeout")
            shop.inventory.fail("withdraw", "down")
            with _local_time_zone(zone):
                assert_unavailable(WRITES[write_name].send(shop))
            shop.inventory_back()
        left = list(dict.fromkeys(call.headers[REQUEST_ID] for call in _tries(shop)))
        assert len(shop.owed()) == len(left) == 2
        shop.inventory.sent.clear()

        assert withdraw_owed(shop.services) == 2

        made = [call.url.path for call in shop.inventory.calls("withdraw")]
        assert made == [f"/writes/{write}/withdrawal" for write in left]
        _assert_unchanged(shop, catalogue)


def test_a_restock_relied_on_before_recovery_withdraws_it_stands_and_is_logged(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The one case where a 503 does not keep its word: the restock's answers and its
    withdrawal's are all lost, then an order takes its units before recovery comes. Taking
    them back would take them from that order: the restock stands, stock is conserved
    counting it, and recovery says so as an error."""
    with open_shop(database_url) as shop:
        shop.inventory.fail("catalogue", "timeout")
        shop.inventory.fail("withdraw", "down")
        assert_unavailable(WRITES["restock"].send(shop))
        shop.inventory_back()
        WRITES["restock"].relied_on(shop)

        (write,) = _request_ids(shop)
        caplog.clear()
        with caplog.at_level(logging.ERROR):
            assert withdraw_owed(shop.services) == 1

        assert shop.owed() == []
        assert logged(caplog, withdrawals.log) == [
            (logging.ERROR, f"write {write} was answered 503 but stands: something relied on it")
        ]
        assert shop.stock()["FAULT-A"] == 3
        shop.restocked["FAULT-A"] += 5
        shop.assert_conserved()


def test_withdrawals_racing_their_writes_leave_nothing(database_url: str) -> None:
    """Each write and its withdrawal sent at once, straight to inventory (on PostgreSQL they
    really interleave, and the loser of a race on the write's id runs again): each write is
    either refused as withdrawn or made and then undone, and the stock ends as it began."""
    with open_shop(database_url) as shop:
        stock = shop.stock()

        def restock(number: int) -> httpx.Response:
            return shop.inventory.replay(
                httpx.Request(
                    "POST",
                    f"{IN_PROCESS_INVENTORY}/products/FAULT-A/restock",
                    headers={REQUEST_ID: f"race-{number}"},
                    json={"quantity": 3},
                )
            )

        def withdraw(number: int) -> httpx.Response:
            url = f"{IN_PROCESS_INVENTORY}/writes/race-{number}/withdrawal"
            return shop.inventory.replay(httpx.Request("POST", url))

        with ThreadPoolExecutor(4) as pool:
            writes = [pool.submit(restock, number) for number in range(12)]
            withdrawals = [pool.submit(withdraw, number) for number in range(12)]
            made = [future.result().status_code for future in writes]
            withdrawn = [future.result().status_code for future in withdrawals]

        assert set(made) <= {200, 409}, made
        assert withdrawn == [204] * 12
        assert shop.stock() == stock


@pytest.mark.parametrize("failure", ["timeout", "500"])
def test_a_read_inventory_does_not_answer_is_answered_503_and_withdraws_nothing(
    failure: str, tmp_path: Path
) -> None:
    """A read changes nothing: it carries no request id, is tried three times, answered 503
    when no try is answered (a bare 500 is inventory failing, not its answer), and nothing
    is withdrawn."""
    with open_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}") as shop:
        shop.inventory.fail("catalogue", failure)

        assert_unavailable(shop.client.get("/products"))

        reads = shop.inventory.calls("catalogue")
        assert len(reads) == ATTEMPTS
        assert all(REQUEST_ID not in read.headers for read in reads)
        assert shop.inventory.calls("withdraw") == []


def test_inventorys_own_internal_error_on_a_read_is_passed_on_as_500(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inventory's own 500 internal-error problem says nothing of the failure: tried three
    times, it is passed on as the variant's 500 internal-error, not as a 503."""
    with open_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}") as shop:

        def broken(_self: Inventory) -> None:
            raise RuntimeError("inventory's own bug")

        monkeypatch.setattr(Inventory, "catalogue", broken)

        answer = shop.client.get("/products")

        assert (answer.status_code, answer.get_json()["type"]) == (
            500,
            "urn:kata:problem:internal-error",
        )
        assert len(shop.inventory.calls("catalogue")) == ATTEMPTS
