"""The bad-input table: every endpoint that reads a request body, the small world of
products and orders each can be aimed at, and raw request bodies (JSON the ``json`` module
will not write: NaN, repeated keys, lone surrogates, invalid UTF-8, padding to an exact size).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tests.acceptance.driver import Reply
from tests.acceptance.dsl import JSON_TYPE, Order, Shop, encode
from tests.acceptance.expectations import unchanged

MAX_BODY_BYTES = 64 * 1024
PROBE_FIELD = "note"  # the member a raw value is put in when a valid body is ``{}``

# --- raw bodies ---------------------------------------------------------------------------


def object_text(members: Sequence[tuple[str, bytes]]) -> bytes:
    """A JSON object written member by member; values are raw JSON text."""
    return b"{" + b", ".join(encode(name) + b": " + value for name, value in members) + b"}"


def members_of(valid: Mapping[str, Any]) -> list[tuple[str, bytes]]:
    return [(name, encode(value)) for name, value in valid.items()]


def with_raw_value(valid: Mapping[str, Any], raw: bytes) -> bytes:
    """``valid`` with the value of its first member written as ``raw`` (or ``{"note": raw}``)."""
    members = members_of(valid) or [(PROBE_FIELD, b"1")]
    members[0] = (members[0][0], raw)
    return object_text(members)


def with_repeated_key(valid: Mapping[str, Any]) -> bytes:
    """``valid`` with its first member written twice, the same value both times."""
    members = members_of(valid) or [(PROBE_FIELD, b"1")]
    return object_text([*members, members[0]])


def padded(text: bytes, size: int) -> bytes:
    """The JSON object ``text`` padded with white space before its ``}`` to ``size`` bytes."""
    assert text.endswith(b"}"), text[-20:]
    assert len(text) < size, f"{len(text)} bytes already"
    return text[:-1] + b" " * (size - len(text)) + b"}"


# --- the world a bad request is sent into ---------------------------------------------------


@dataclass
class World:
    """A product, a pending and a paid order of it, and names not used yet.

    ``untouched`` says whether the world is still as made: true until a request is sent into
    it, and true again once :meth:`unchanged` saw a request change nothing. A table of checks
    reuses an untouched world and makes a new one only after a request that changed it (or
    failed to show it did not)."""

    sku: str  # price 10.00, stock 100 before the orders below
    fresh_sku: str  # not registered
    customer: str  # owns ``pending``
    pending: Order  # PENDING_PAYMENT, 1 x sku
    paid: Order  # PAID, 1 x sku
    payment_id: str  # not used yet
    untouched: bool = True

    @contextmanager
    def unchanged(self, shop: Shop) -> Iterator[None]:
        """Asserts a block changes nothing of this world a client can see, events included."""
        with unchanged(
            shop,
            skus=(self.sku, self.fresh_sku),
            order_ids=(self.pending["id"], self.paid["id"]),
            customers=(self.customer,),
        ):
            yield
        self.untouched = True


def make_world(shop: Shop) -> World:
    sku = shop.add_product(price="10.00", stock=100)
    customer = shop.new_customer()
    return World(
        sku=sku,
        fresh_sku=shop.new_sku(),
        customer=customer,
        pending=shop.placed_order([(sku, 1)], customer),
        paid=shop.order_in_state("PAID", [(sku, 1)]),
        payment_id=shop.new_payment_id(),
    )


@dataclass(frozen=True)
class Endpoint:
    """One endpoint that reads a request body, with a valid body for it in a world."""

    name: str
    method: str
    path: Callable[[World], str]
    valid: Callable[[World], dict[str, Any]]
    success: int
    unknown_field: str  # a plausible field the endpoint does not take
    empty_object_errors: tuple[str, ...]  # paths reported for ``{}``; () means ``{}`` is valid
    body_required: bool = True
    moves_order_to: str | None = None  # an order action: the order's status after it

    def send(
        self, shop: Shop, world: World, body: bytes | None, content_type: str | None = JSON_TYPE
    ) -> Reply:
        """Send ``body`` to this endpoint in ``world`` exactly as given."""
        world.untouched = False
        return shop.send_raw(self.method, self.path(world), body, content_type=content_type)


def order_action(
    action: str, order: Callable[[World], Order], unknown_field: str, moves_order_to: str
) -> Endpoint:
    """An order action, ``POST /orders/<id>/<action>`` on ``order``: it takes ``{}`` or no body."""
    return Endpoint(
        name=f"POST /orders/<id>/{action}",
        method="POST",
        path=lambda w: f"/orders/{order(w)['id']}/{action}",
        valid=lambda w: {},
        success=200,
        unknown_field=unknown_field,
        empty_object_errors=(),
        body_required=False,
        moves_order_to=moves_order_to,
    )


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "POST /products",
        "POST",
        lambda w: "/products",
        lambda w: {"sku": w.fresh_sku, "name": "Desk lamp", "price": "25.00", "stock": 3},
        201,
        "colour",
        ("sku", "name", "price", "stock"),
    ),
    Endpoint(
        "PATCH /products/<sku>",
        "PATCH",
        lambda w: f"/products/{w.sku}",
        lambda w: {"name": "Renamed pen", "price": "11.00"},
        200,
        "stock",
        ("_schema",),
    ),
    Endpoint(
        "POST /products/<sku>/restock",
        "POST",
        lambda w: f"/products/{w.sku}/restock",
        lambda w: {"quantity": 5},
        200,
        "reason",
        ("quantity",),
    ),
    Endpoint(
        "POST /orders",
        "POST",
        lambda w: "/orders",
        lambda w: {"customer_id": w.customer, "lines": [{"sku": w.sku, "quantity": 2}]},
        201,
        "coupon",
        ("customer_id", "lines"),
    ),
    Endpoint(
        "PUT /orders/<id>/lines/<sku>",
        "PUT",
        lambda w: f"/orders/{w.pending['id']}/lines/{w.sku}",
        lambda w: {"quantity": 3},
        200,
        "unit_price",
        ("quantity",),
    ),
    order_action("cancellation", lambda w: w.pending, "reason", moves_order_to="CANCELLED"),
    order_action("shipment", lambda w: w.paid, "carrier", moves_order_to="SHIPPED"),
    Endpoint(
        "POST /payment-events",
        "POST",
        lambda w: "/payment-events",
        lambda w: {
            "payment_id": w.payment_id,
            "order_id": w.pending["id"],
            "outcome": "succeeded",
            "amount": w.pending["total"],
        },
        200,
        "currency",
        ("payment_id", "order_id", "outcome", "amount"),
    ),
)

ENDPOINTS_BY_NAME = {endpoint.name: endpoint for endpoint in ENDPOINTS}
