"""An order's view kept as text (O12): an idempotency key keeps the answer it was bound to, and
``order_from_json`` gives back the very view ``order_to_json`` was given, whatever its state."""

from __future__ import annotations

import pytest

from kata.hexagonal.application.services.views import order_from_json, order_to_json
from tests.hexagonal.builders import a_shop


@pytest.mark.parametrize(
    "steps",
    [(), ("pay",), ("pay", "ship"), ("cancel",), ("pay", "cancel"), ("fail_payment",)],
    ids=["pending", "paid", "shipped", "cancelled", "cancelled-when-paid", "payment-failed"],
)
def test_an_order_view_kept_as_text_comes_back_whole(steps: tuple[str, ...]) -> None:
    """O12: replayed exactly, the payment id, cancel reason and refund owed included."""
    shop = a_shop()
    view = shop.walk(shop.an_order(), *steps)
    assert order_from_json(order_to_json(view)) == view
