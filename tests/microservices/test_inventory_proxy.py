"""The inventory proxy as the ordering service builds it in production, from a URL alone
(its own httpx client, its own timeouts), and its retries with their real pauses."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import tenacity

from kata.microservices.ordering.adapters import inventory_http
from kata.microservices.ordering.adapters.inventory_http import HttpInventory
from kata.microservices.ordering.application.ports import InventoryUnavailable, InventoryUncertain
from tests.microservices.shop import open_shop

PROMPT_SECONDS = 5.0  # far more than three short timeouts, far less than never


@pytest.fixture
def silent() -> Iterator[socket.socket]:
    """A server that takes connections (the kernel's backlog) and never answers; closing it
    at the end resets the connections still waiting."""
    server = socket.create_server(("127.0.0.1", 0))
    try:
        yield server
    finally:
        server.close()


def test_a_proxy_to_an_address_nobody_listens_on_is_unavailable_not_uncertain() -> None:
    """Refused connections never reach inventory: nothing can have happened there."""
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    proxy = HttpInventory(f"http://127.0.0.1:{port}")
    try:
        with pytest.raises(InventoryUnavailable) as refused:
            proxy.prices(["FAULT-A"])
    finally:
        proxy.close()

    assert not isinstance(refused.value, InventoryUncertain)


def test_a_proxy_to_an_inventory_that_never_answers_gives_up_after_its_timeouts(
    silent: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every call has a timeout: an inventory that takes the request and never answers costs
    three timeouts (shortened here), then the call may have been taken: uncertain."""
    monkeypatch.setattr(inventory_http, "TIMEOUT", httpx.Timeout(0.1))
    proxy = HttpInventory(f"http://127.0.0.1:{silent.getsockname()[1]}")
    with ThreadPoolExecutor(1) as pool:
        try:
            asked = pool.submit(proxy.prices, ["FAULT-A"])
            with pytest.raises(InventoryUncertain):
                asked.result(timeout=PROMPT_SECONDS)
        finally:
            silent.close()  # releases a call still waiting, should the test fail
            proxy.close()


def test_a_failed_call_is_tried_again_after_a_real_pause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pauses as production has them (jittered exponential, tens of milliseconds), not
    the suite's none: a quote failing once is tried again and the order placed."""
    monkeypatch.setattr(inventory_http, "wait_random_exponential", tenacity.wait_random_exponential)
    with open_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}") as shop:
        shop.inventory.fail("quote", "500", times=1)

        shop.place({"FAULT-A": 1})

        assert len(shop.inventory.calls("quote")) == 2
        shop.assert_conserved()
