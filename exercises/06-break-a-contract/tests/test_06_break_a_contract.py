"""Exercise 06, break a contract: the workspace ends with every contract of its style kept,
and with the change the story asks for (one log line per placed order).

Run with ``pytest --exercise 06 --variant NAME`` (``kata exercise check 06 --variant NAME``
adds the shared suite). Each case runs once per ``--variant`` and database, like the suite.
"""

from __future__ import annotations

import logging

import pytest

from kata.workshop import check
from tests.acceptance.conftest import Target
from tests.acceptance.dsl import Shop
from tests.workshop.code import code_under_test


def test_every_contract_of_the_style_is_kept(target: Target) -> None:
    verdicts = check.check(code_under_test(target))

    assert check.broken(verdicts) == [], check.report(verdicts)


def test_a_placed_order_writes_one_log_line_that_names_it(
    shop: Shop, target: Target, caplog: pytest.LogCaptureFixture
) -> None:
    if target.backend == "live":
        pytest.skip("the log of a server in another process is not ours to read")
    sku = shop.add_product()
    caplog.set_level(logging.INFO)

    order = shop.placed_order([(sku, 2)])

    naming = [
        record.getMessage()
        for record in caplog.records
        if record.levelno == logging.INFO and order["id"] in record.getMessage()
    ]
    assert len(naming) == 1, f"INFO lines naming order {order['id']}: {naming}"
    assert "placed" in naming[0], naming[0]
