"""Bad input over HTTP (spec §1 request bodies, §5) and which error answers first (§5).

Every endpoint that reads a body is sent every kind of bad body; each refusal must carry the
exact status and problem code and leave everything as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest

from tests.acceptance.bad_input import (
    ENDPOINTS,
    ENDPOINTS_BY_NAME,
    MAX_BODY_BYTES,
    Endpoint,
    World,
    make_world,
    object_text,
    padded,
    with_raw_value,
    with_repeated_key,
)
from tests.acceptance.driver import Reply
from tests.acceptance.dsl import JSON_TYPE, Order, Send, Shop, encode, order_body
from tests.acceptance.expectations import (
    Failures,
    body_of,
    expect_invalid,
    expect_problem,
    expect_skus_problem,
    expect_status,
    unchanged,
)

FORM_TYPE = "application/x-www-form-urlencoded"


def _on_every_endpoint(shop: Shop, check: Callable[[Endpoint, World], None]) -> None:
    """Run ``check`` on every endpoint, each in a world as made (one that a request changed,
    or may have, is made again); report every failure."""
    failures = Failures()
    world = make_world(shop)
    for endpoint in ENDPOINTS:
        if not world.untouched:
            world = make_world(shop)
        with failures.check(endpoint.name):
            check(endpoint, world)
    failures.assert_none()


# --- bad bodies, every endpoint -------------------------------------------------------------

Sends = Callable[[dict[str, Any]], list[tuple[bytes, str | None]]]


@dataclass(frozen=True)
class BadBody:
    sends: Sends  # (body, Content-Type) pairs made from the endpoint's valid body
    status: int
    code: str


def _json(*bodies: bytes) -> list[tuple[bytes, str | None]]:
    return [(body, JSON_TYPE) for body in bodies]


BAD_BODIES: dict[str, BadBody] = {
    "malformed-json": BadBody(
        lambda v: _json(encode(v)[:-1], encode(v) + b" x", with_raw_value(v, b"'single'")),
        400,
        "malformed-request",
    ),
    "json-that-is-not-an-object": BadBody(
        lambda v: _json(b"[" + encode(v) + b"]", b'"text"', b"42", b"null", b"true"),
        400,
        "malformed-request",
    ),
    "NaN-and-Infinity-literals": BadBody(
        lambda v: _json(*(with_raw_value(v, lit) for lit in (b"NaN", b"Infinity", b"-Infinity"))),
        400,
        "malformed-request",
    ),
    "repeated-key": BadBody(lambda v: _json(with_repeated_key(v)), 400, "malformed-request"),
    "unpaired-surrogate-escape": BadBody(
        lambda v: _json(with_raw_value(v, b'"\\ud800"'), with_raw_value(v, b'"x\\udc00y"')),
        400,
        "malformed-request",
    ),
    "invalid-utf-8": BadBody(
        # a stray byte, an encoded surrogate, a sequence cut short
        lambda v: _json(
            *(with_raw_value(v, b'"' + raw + b'"') for raw in (b"\xff", b"\xed\xa0\x80", b"\xc3"))
        ),
        400,
        "malformed-request",
    ),
    "not-application-json": BadBody(
        lambda v: [
            (encode(v), "text/plain"),
            (encode(v), "text/plain; charset=utf-8"),
            (b"quantity=5&name=pen", FORM_TYPE),
            (encode(v), "application/merge-patch+json"),
            (encode(v), None),
        ],
        415,
        "unsupported-media-type",
    ),
    "over-64-KiB": BadBody(
        lambda v: _json(padded(encode(v), MAX_BODY_BYTES + 1)), 413, "payload-too-large"
    ),
}


@pytest.mark.rule("http", "values")
@pytest.mark.parametrize("kind", list(BAD_BODIES))
def test_a_bad_body_is_refused_by_every_endpoint_and_changes_nothing(shop: Shop, kind: str) -> None:
    bad = BAD_BODIES[kind]

    def check(endpoint: Endpoint, world: World) -> None:
        # One look at the world after all of an endpoint's bad bodies of this kind, not one
        # after each (six requests each, a quarter of the suite's): each is a variation of
        # one valid body, so any of them applied would move the world the same way, and a
        # recorded event, order or stock move stays for the look to see.
        sends = Failures()
        with sends.check("the world after them"), world.unchanged(shop):
            for body, content_type in bad.sends(endpoint.valid(world)):
                with sends.check(f"[{content_type}] {body[:48]!r}"):
                    reply = endpoint.send(shop, world, body, content_type)
                    expect_problem(reply, bad.status, bad.code)
        sends.assert_none()

    _on_every_endpoint(shop, check)


@pytest.mark.rule("http", "values")
@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"", JSON_TYPE), (b"", "text/plain"), (b"", None), (None, None)],
    ids=["empty-json", "empty-text-plain", "empty-no-type", "absent"],
)
def test_an_empty_body_is_no_body_refused_where_one_is_required(
    shop: Shop, body: bytes | None, content_type: str | None
) -> None:

    def check(endpoint: Endpoint, world: World) -> None:
        if not endpoint.body_required:  # cancellation and shipment take no body at all
            done = body_of(endpoint.send(shop, world, body, content_type), endpoint.success)
            assert done["status"] == endpoint.moves_order_to, done
            assert shop.order(done["id"]) == done
            return
        with world.unchanged(shop):
            reply = endpoint.send(shop, world, body, content_type)
            expect_problem(reply, 400, "malformed-request")

    _on_every_endpoint(shop, check)


@pytest.mark.rule("http", "values")
def test_a_charset_parameter_and_a_body_of_exactly_64_kib_are_accepted(shop: Shop) -> None:
    failures = Failures()
    for endpoint in ENDPOINTS:
        for label, content_type, size in (
            ("charset", "application/json; charset=utf-8", None),
            ("charset upper case", "application/json;charset=UTF-8", None),
            ("65536 bytes", JSON_TYPE, MAX_BODY_BYTES),
        ):
            world = make_world(shop)
            body = encode(endpoint.valid(world))
            with failures.check(f"{endpoint.name} {label}"):
                sent = body if size is None else padded(body, size)
                expect_status(endpoint.send(shop, world, sent, content_type), endpoint.success)
    failures.assert_none()


@pytest.mark.rule("http", "values")
def test_an_empty_object_is_refused_for_each_required_field(shop: Shop) -> None:

    def check(endpoint: Endpoint, world: World) -> None:
        if not endpoint.empty_object_errors:  # cancellation and shipment take ``{}``
            expect_status(endpoint.send(shop, world, b"{}"), endpoint.success)
            return
        with world.unchanged(shop):
            expect_invalid(endpoint.send(shop, world, b"{}"), *endpoint.empty_object_errors)

    _on_every_endpoint(shop, check)


@pytest.mark.rule("http", "values")
def test_an_unknown_field_is_refused_under_its_own_name(shop: Shop) -> None:

    def check(endpoint: Endpoint, world: World) -> None:
        body = {**endpoint.valid(world), endpoint.unknown_field: "x"}
        with world.unchanged(shop):
            expect_invalid(endpoint.send(shop, world, encode(body)), endpoint.unknown_field)

    _on_every_endpoint(shop, check)


# --- line items -----------------------------------------------------------------------------


@pytest.mark.rule("http", "values", "O1")
def test_an_unknown_field_in_a_line_is_reported_under_its_index(shop: Shop) -> None:
    world = make_world(shop)
    other = shop.add_product(price="3.00", stock=10)
    body = order_body(world.customer, [(world.sku, 1), (other, 1)])
    body["lines"][1]["price"] = "1.00"

    with world.unchanged(shop):
        expect_invalid(shop.request("POST", "/orders", body), "lines.1.price")


@pytest.mark.rule("http", "values", "O1")
def test_a_line_that_is_not_an_object_is_reported_as_messages_under_its_index(
    shop: Shop,
) -> None:
    world = make_world(shop)
    body = order_body(world.customer, [(world.sku, 1)])
    body["lines"] += [world.sku, 3]

    with world.unchanged(shop):
        expect_invalid(shop.request("POST", "/orders", body), "lines.1", "lines.2")  # not objects


@pytest.mark.rule("http", "values", "O1")
def test_a_repeated_key_inside_a_line_is_malformed(shop: Shop) -> None:
    world = make_world(shop)
    line = object_text([("sku", encode(world.sku)), ("quantity", b"1"), ("quantity", b"1")])
    body = object_text([("customer_id", encode(world.customer)), ("lines", b"[" + line + b"]")])

    with world.unchanged(shop):
        expect_problem(shop.send_raw("POST", "/orders", body), 400, "malformed-request")


# --- wrong JSON types, field by field -------------------------------------------------------
# (money as a JSON number and a quantity as a string: test_values.py, the rules of §1 values)

WRONG_TYPES: dict[str, list[tuple[dict[str, Any], str]]] = {
    "POST /products": [
        ({"sku": 123}, "sku"),
        ({"sku": None}, "sku"),
        ({"name": 5}, "name"),
        ({"name": ["Pen"]}, "name"),
        ({"stock": "5"}, "stock"),
        ({"stock": 5.0}, "stock"),
        ({"stock": True}, "stock"),
    ],
    "PATCH /products/<sku>": [
        ({"name": {"en": "Pen"}}, "name"),
        ({"price": ["11.00"]}, "price"),
    ],
    "POST /products/<sku>/restock": [
        ({"quantity": [5]}, "quantity"),
        ({"quantity": {"n": 5}}, "quantity"),
        ({"quantity": 5.5}, "quantity"),
    ],
    "POST /orders": [
        ({"customer_id": 7}, "customer_id"),
        ({"customer_id": None}, "customer_id"),
        ({"lines": {"0": {"quantity": 1}}}, "lines"),
        ({"lines": "SKU-1"}, "lines"),
        ({"lines": None}, "lines"),
        ({"lines": [{"sku": 5, "quantity": 1}]}, "lines.0.sku"),
        ({"lines": [{"quantity": 1}]}, "lines.0.sku"),
    ],
    "PUT /orders/<id>/lines/<sku>": [
        ({"quantity": [3]}, "quantity"),
    ],
    "POST /payment-events": [
        ({"payment_id": 5}, "payment_id"),
        ({"order_id": 5}, "order_id"),
        ({"order_id": None}, "order_id"),
        ({"outcome": True}, "outcome"),
        ({"outcome": "success"}, "outcome"),
        ({"amount": None}, "amount"),
    ],
}


@pytest.mark.rule("http", "values")
@pytest.mark.parametrize("endpoint_name", list(WRONG_TYPES))
def test_a_field_of_the_wrong_json_type_is_refused_under_its_name(
    shop: Shop, endpoint_name: str
) -> None:
    endpoint = ENDPOINTS_BY_NAME[endpoint_name]
    world = make_world(shop)
    failures = Failures()
    # One look after all the changes, as for the bad bodies above: each is a variation of one
    # valid body, and what one of them did would stay for the look to see.
    with failures.check("the world after them"), world.unchanged(shop):
        for change, path in WRONG_TYPES[endpoint_name]:
            with failures.check(f"{endpoint.name} {change!r}"):
                body = encode({**endpoint.valid(world), **change})
                expect_invalid(endpoint.send(shop, world, body), path)
    failures.assert_none()


# --- query parameters -------------------------------------------------------------------------


# (list, parameter, its values in the query string): one value, or the name given twice
BAD_QUERIES: list[tuple[str, str, tuple[str, ...]]] = [
    ("orders", "limit", ("",)),
    ("orders", "customer_id", ("",)),
    ("orders", "status", ("",)),
    ("orders", "limit", ("5", "5")),
    ("orders", "status", ("PAID", "SHIPPED")),
    ("orders", "limit", ("0",)),
    ("orders", "limit", ("201",)),
    ("orders", "limit", ("9" * 40,)),
    ("orders", "limit", ("ten",)),
    ("orders", "limit", ("1_0",)),
    ("orders", "limit", ("\uff15",)),  # a full-width 5
    ("orders", "status", ("paid",)),
    ("orders", "customer_id", ("ann smith",)),
    ("events", "after", ("",)),
    ("events", "after", ("0", "0")),
    ("events", "after", ("-1",)),
    ("events", "after", ("1.5",)),
    ("events", "limit", ("0",)),
    ("events", "limit", ("501",)),
    ("events", "limit", ("9" * 40,)),  # too large, not too long: 422 under its name, never 500
]


@pytest.mark.rule("http", "values")
@pytest.mark.parametrize(
    ("listing", "parameter", "values"),
    BAD_QUERIES,
    ids=[f"{lst}?" + "&".join(f"{p}={v}" for v in vs) for lst, p, vs in BAD_QUERIES],
)
def test_a_bad_query_parameter_is_refused_under_its_name(
    shop: Shop, listing: str, parameter: str, values: tuple[str, ...]
) -> None:
    send = shop.list_orders if listing == "orders" else shop.events

    expect_invalid(send(*[(parameter, value) for value in values]), parameter)


@pytest.mark.rule("http")
def test_order_list_limits_at_their_bounds_are_accepted_and_unknown_parameters_ignored(
    shop: Shop,
) -> None:
    sku = shop.add_product(stock=10)
    customer = shop.new_customer()
    first, second = shop.placed_order([(sku, 1)], customer), shop.placed_order([(sku, 2)], customer)

    def ids(**params: Any) -> list[str]:
        listed = body_of(shop.list_orders(customer_id=customer, **params), 200)
        return [o["id"] for o in listed["orders"]]

    assert ids(limit=1, page=2, sort="asc") == [second["id"]]
    assert ids(limit=200, status="PENDING_PAYMENT", limit_x=0) == [second["id"], first["id"]]


@pytest.mark.rule("http", "events")
def test_unknown_event_feed_parameters_are_ignored(shop: Shop) -> None:
    sku = shop.add_product(stock=10)
    shop.placed_order([(sku, 1)])
    shop.placed_order([(sku, 1)])
    mark = shop.events_mark
    first = shop.event_feed(after=mark, limit=1)
    assert len(first) == 1

    assert shop.event_feed(after=mark, limit=1, page=2, offset=1, cursor="x") == first


# --- order ids the server could not have made ------------------------------------------------

# Ids are opaque to clients, so any text may arrive where one is expected. One holding a NUL
# (which PostgreSQL cannot even compare) or another control character names no order.
STRANGE_ORDER_IDS = {"NUL": "\u0000", "NUL inside": "a\u0000b", "next line": "\u0085x"}
ORDER_ID_PATHS = {
    "get": ("GET", "/orders/{id}", None),
    "set line": ("PUT", "/orders/{id}/lines/{sku}", {"quantity": 1}),
    "remove line": ("DELETE", "/orders/{id}/lines/{sku}", None),
    "cancel": ("POST", "/orders/{id}/cancellation", {}),
    "ship": ("POST", "/orders/{id}/shipment", {}),
}


@pytest.mark.rule("http", "values")
@pytest.mark.parametrize("order_id", STRANGE_ORDER_IDS.values(), ids=STRANGE_ORDER_IDS.keys())
def test_an_order_id_no_order_can_have_is_not_found_in_a_path_or_a_body(
    shop: Shop, order_id: str
) -> None:
    sku = shop.add_product()
    in_path = quote(order_id, safe="")
    with unchanged(shop, skus=[sku]):
        for name, (method, target, body) in ORDER_ID_PATHS.items():
            path = target.format(id=in_path, sku=sku)
            sent = shop.request(method, path) if body is None else shop.request(method, path, body)
            assert sent.problem == "not-found", f"{name}: {sent}"
        expect_problem(shop.pay(order_id, "20.00"), 404, "not-found")


# --- routes and methods -----------------------------------------------------------------------


def _allowed_methods(reply: Reply) -> set[str]:
    """The methods of a reply's ``Allow`` header, without HEAD and OPTIONS."""
    assert "allow" in reply.headers, f"no Allow header: {reply}"
    named = {m.strip().upper() for m in reply.headers["allow"].split(",") if m.strip()}
    return named - {"HEAD", "OPTIONS"}


@pytest.mark.rule("http")
def test_an_unknown_route_is_not_found(shop: Shop) -> None:
    world = make_world(shop)
    failures = Failures()
    for method, target in (
        ("GET", "/index.html"),  # GET / is the index (spec 2026-12-04); a page beside it is not
        ("GET", "/nope"),
        ("GET", f"/products/{world.sku}/stock"),
        ("POST", f"/orders/{world.pending['id']}/refund"),
        ("GET", f"/orders/{world.pending['id']}/lines"),
    ):
        with failures.check(f"{method} {target}"), world.unchanged(shop):
            reply = (
                shop.request(method, target)
                if method == "GET"
                else shop.request(method, target, {})
            )
            expect_problem(reply, 404, "not-found")
    failures.assert_none()


@pytest.mark.rule("http")
@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/products", {"GET", "POST"}),
        ("PUT", "/orders", {"GET", "POST"}),
        ("GET", "/payment-events", {"POST"}),
        ("DELETE", "/products/{sku}", {"GET", "PATCH"}),
        ("GET", "/orders/{order}/lines/{sku}", {"PUT", "DELETE"}),
        ("GET", "/orders/{order}/cancellation", {"POST"}),
    ],
)
def test_a_wrong_method_is_not_allowed_and_the_allowed_ones_are_named(
    shop: Shop, method: str, path: str, allowed: set[str]
) -> None:
    world = make_world(shop)

    with world.unchanged(shop):
        reply = shop.request(method, path.format(sku=world.sku, order=world.pending["id"]))
        expect_problem(reply, 405, "method-not-allowed")

    assert _allowed_methods(reply) == allowed, str(reply.headers)


# --- which error answers first: transport -----------------------------------------------------

_NO_ORDER = "/orders/{order}"  # filled with an order id that names nothing
_NO_SKU = "/products/{sku}"  # filled with a SKU that names nothing
_TOO_BIG = MAX_BODY_BYTES + 1

# (method, target, body, Content-Type) -> (status, code)
TRANSPORT_ORDER = [
    pytest.param(
        ("PUT", "/orders", b"hello", "text/plain"),
        (405, "method-not-allowed"),
        id="405-before-415",
    ),
    pytest.param(
        ("PATCH", _NO_ORDER, b"{}", JSON_TYPE),
        (405, "method-not-allowed"),
        id="405-before-404",
    ),
    pytest.param(
        ("POST", "/products", b"x" * _TOO_BIG, "text/plain"),
        (415, "unsupported-media-type"),
        id="415-before-413",
    ),
    pytest.param(
        ("POST", f"{_NO_ORDER}/shipment", b"{}", "text/plain"),
        (415, "unsupported-media-type"),
        id="415-before-404",
    ),
    pytest.param(
        ("POST", "/orders", b"{" + b" " * (_TOO_BIG - 1), JSON_TYPE),
        (413, "payload-too-large"),
        id="413-before-400",
    ),
    pytest.param(
        ("POST", f"{_NO_SKU}/restock", padded(b'{"quantity": 1}', _TOO_BIG), JSON_TYPE),
        (413, "payload-too-large"),
        id="413-before-404",
    ),
    pytest.param(
        ("POST", "/products", b'{"sku": "x", "sku": "x", "price": 5}', JSON_TYPE),
        (400, "malformed-request"),
        id="400-before-422",
    ),
    pytest.param(
        ("POST", f"{_NO_ORDER}/cancellation", b"{", JSON_TYPE),
        (400, "malformed-request"),
        id="400-before-404",
    ),
    pytest.param(
        ("POST", f"{_NO_SKU}/restock", b"", JSON_TYPE),
        (400, "malformed-request"),
        id="missing-body-before-404",
    ),
]


@pytest.mark.rule("precedence", "http")
@pytest.mark.parametrize(("sent", "answer"), TRANSPORT_ORDER)
def test_transport_errors_answer_first_in_their_order(
    shop: Shop, sent: tuple[str, str, bytes, str], answer: tuple[int, str]
) -> None:
    method, target, body, content_type = sent
    path = target.format(order=shop.unknown_order_id(), sku=shop.new_sku())

    with unchanged(shop):
        expect_problem(shop.send_raw(method, path, body, content_type=content_type), *answer)


# --- which error answers first: validation and after --------------------------------------------


def _each_refused(
    shop: Shop,
    attempts: dict[str, Send],
    status: int,
    code: str,
    *,
    skus: Sequence[str] = (),
    customers: Sequence[str] = (),
    orders: Sequence[Order] = (),
) -> None:
    """Every one of the ``attempts`` is refused with ``status``/``code`` and changes nothing
    (watching these products, customers and orders); reports every attempt that failed."""
    failures = Failures()
    for label, send in attempts.items():
        with failures.check(label), unchanged(shop, skus, customers=customers, orders=orders):
            expect_problem(send(), status, code)
    failures.assert_none()


@pytest.mark.rule("precedence", "P3", "P4", "O9", "O10")
def test_validation_answers_before_not_found(shop: Shop) -> None:
    no_order, no_sku = shop.unknown_order_id(), shop.new_sku()
    sku = shop.add_product(stock=10)
    attempts: tuple[tuple[str, Send, tuple[str, ...]], ...] = (
        ("set line", lambda: shop.set_line(no_order, sku, 0), ("quantity",)),
        ("empty PATCH", lambda: shop.update_product(no_sku), ("_schema",)),
        ("restock", lambda: shop.restock(no_sku, 0), ("quantity",)),
        ("pay", lambda: shop.pay(no_order, "ten"), ("amount",)),
        (
            "cancel",
            lambda: shop.request("POST", f"/orders/{no_order}/cancellation", {"why": "x"}),
            ("why",),
        ),
    )
    failures = Failures()
    for label, send, paths in attempts:
        with failures.check(label), unchanged(shop, skus=[sku]):
            expect_invalid(send(), *paths)
    failures.assert_none()


@pytest.mark.rule("precedence", "O9", "O3")
def test_an_unknown_order_answers_before_an_unknown_product(shop: Shop) -> None:
    with unchanged(shop):
        reply = shop.set_line(shop.unknown_order_id(), shop.new_sku(), 1)
        expect_problem(reply, 404, "not-found")


@pytest.mark.rule("precedence", "O9", "O7")
def test_an_unknown_product_answers_before_invalid_state(shop: Shop) -> None:
    paid = shop.order_in_state("PAID", [(shop.add_product(stock=10), 1)])
    unknown = shop.new_sku()

    with unchanged(shop, orders=[paid]):
        expect_skus_problem(
            shop.set_line(paid["id"], unknown, 1), 422, "unknown-product", [unknown]
        )


@pytest.mark.rule("precedence", "O7", "O9")
def test_invalid_state_answers_before_line_and_stock_checks(shop: Shop) -> None:
    sku = shop.add_product(stock=2)
    elsewhere = shop.add_product(stock=10)
    paid = shop.order_in_state("PAID", [(sku, 1)])
    attempts: dict[str, Send] = {
        "remove the only line (last-line)": lambda: shop.remove_line(paid["id"], sku),
        "remove a line not on the order": lambda: shop.remove_line(paid["id"], elsewhere),
        "set a quantity beyond stock": lambda: shop.set_line(paid["id"], sku, 1000),
    }

    _each_refused(shop, attempts, 409, "invalid-state", skus=[elsewhere], orders=[paid])


@pytest.mark.rule("precedence", "O9")
def test_a_line_not_on_the_order_is_not_found_rather_than_the_last_line(shop: Shop) -> None:
    order = shop.placed_order([(shop.add_product(stock=10), 1)])
    elsewhere = shop.add_product(stock=10)

    with unchanged(shop, skus=[elsewhere], orders=[order]):
        expect_problem(shop.remove_line(order["id"], elsewhere), 404, "not-found")


@pytest.mark.rule("precedence", "O9", "O5", "O3")
def test_too_many_lines_answers_before_order_limit_and_stock(shop: Shop) -> None:
    skus = [shop.add_product(price="1.00", stock=5) for _ in range(20)]
    order = shop.placed_order([(sku, 1) for sku in skus])
    dear = shop.add_product(price="100000.00", stock=0)

    with unchanged(shop, skus=[dear], orders=[order]):
        expect_problem(shop.set_line(order["id"], dear, 1), 409, "too-many-lines")


@pytest.mark.rule("precedence", "O5", "O3", "O9")
def test_order_limit_answers_before_insufficient_stock(shop: Shop) -> None:
    sku = shop.add_product(price="100.00", stock=5)
    order = shop.placed_order([(sku, 1)])
    customer = shop.new_customer()
    attempts: dict[str, Send] = {
        "place": lambda: shop.place_order(customer, [(sku, 200)]),
        "amend": lambda: shop.set_line(order["id"], sku, 200),
    }

    _each_refused(shop, attempts, 409, "order-limit-exceeded", customers=[customer], orders=[order])


def _three_open_orders(shop: Shop) -> tuple[str, list[dict[str, Any]]]:
    sku, customer = shop.add_product(price="1.00", stock=10), shop.new_customer()
    return customer, shop.placed_orders(3, [(sku, 1)], customer)


@pytest.mark.rule("precedence", "O6", "O5", "O3")
def test_too_many_open_orders_answers_before_order_limit_and_stock(shop: Shop) -> None:
    customer, orders = _three_open_orders(shop)
    short = shop.add_product(price="100.00", stock=5)

    with unchanged(shop, skus=[short], orders=orders):
        expect_problem(shop.place_order(customer, [(short, 200)]), 409, "too-many-open-orders")


@pytest.mark.rule("precedence", "O3", "O6")
def test_an_unknown_product_answers_before_open_orders_and_stock(shop: Shop) -> None:
    customer, orders = _three_open_orders(shop)
    short = shop.add_product(price="1.00", stock=1)
    unknown = shop.new_sku()
    failures = Failures()
    for label, who in (("a new customer", shop.new_customer()), ("3 open orders", customer)):
        with failures.check(label), unchanged(shop, skus=[short], customers=[who], orders=orders):
            reply = shop.place_order(who, [(short, 5), (unknown, 1)])
            expect_skus_problem(reply, 422, "unknown-product", [unknown])
    failures.assert_none()


@pytest.mark.rule("precedence", "P2", "P1")
def test_a_duplicate_sku_is_reported_only_for_a_valid_product(shop: Shop) -> None:
    sku = shop.add_product(price="10.00", stock=10)
    failures = Failures()
    for change, path in (({"price": "0.00"}, "price"), ({"colour": "red"}, "colour")):
        with failures.check(repr(change)), unchanged(shop, skus=[sku]):
            body = {"sku": sku, "name": "Pen", "price": "10.00", "stock": 1, **change}
            expect_invalid(shop.request("POST", "/products", body), path)
    failures.assert_none()


@pytest.mark.rule("precedence", "P3")
def test_a_bad_restock_quantity_answers_before_the_stock_limit(shop: Shop) -> None:
    sku = shop.add_product(stock=1_000_000)
    for _ in range(8):
        expect_status(shop.restock(sku, 1_000_000), 200)

    with unchanged(shop, skus=[sku]):
        expect_invalid(shop.restock(sku, 1_000_001), "quantity")


@pytest.mark.rule("precedence", "O10", "O7")
@pytest.mark.parametrize("state", ["SHIPPED", "CANCELLED"])
def test_invalid_state_answers_before_payment_mismatch(shop: Shop, state: str) -> None:
    order = shop.order_in_state(state, [(shop.add_product(stock=10), 1)])

    with unchanged(shop, orders=[order]):
        expect_problem(shop.pay(order["id"], "999.00"), 409, "invalid-state")


@pytest.mark.rule("precedence", "O10")
def test_validation_answers_before_a_processed_payment_id(shop: Shop) -> None:
    order = shop.placed_order([(shop.add_product(stock=10), 1)])
    first = expect_status(shop.pay(order["id"], order["total"]), 200)

    with unchanged(shop, orders=[order]):
        reply = shop.pay(order["id"], order["total"] + "\n", first.payment_id)
        expect_invalid(reply, "amount")


@pytest.mark.rule("precedence", "O12")
def test_validation_answers_before_idempotency_replay_and_reuse(shop: Shop) -> None:
    sku = shop.add_product(stock=10)
    customer = shop.new_customer()
    key = shop.new_idempotency_key()
    expect_status(shop.place_order(customer, [(sku, 1)], idempotency_key=key), 201)
    failures = Failures()
    for label, lines, path in (
        ("quantity 0", [(sku, 0)], "lines.0.quantity"),
        ("no lines", [], "lines"),
    ):
        with failures.check(label), unchanged(shop, skus=[sku], customers=[customer]):
            expect_invalid(shop.place_order(customer, lines, idempotency_key=key), path)
    failures.assert_none()


@pytest.mark.rule("precedence", "O12", "values")
def test_a_bad_idempotency_key_answers_before_an_unknown_product(shop: Shop) -> None:
    customer = shop.new_customer()

    with unchanged(shop, customers=[customer]):
        reply = shop.place_order(customer, [(shop.new_sku(), 1)], idempotency_key="a b")
        expect_invalid(reply, "Idempotency-Key")


@pytest.mark.rule("precedence", "O12", "O3")
def test_idempotency_key_reuse_answers_before_an_unknown_product(shop: Shop) -> None:
    sku = shop.add_product(stock=10)
    customer = shop.new_customer()
    key = shop.new_idempotency_key()
    expect_status(shop.place_order(customer, [(sku, 1)], idempotency_key=key), 201)

    with unchanged(shop, skus=[sku], customers=[customer]):
        reply = shop.place_order(customer, [(shop.new_sku(), 1)], idempotency_key=key)
        expect_problem(reply, 422, "idempotency-key-reuse")


@pytest.mark.rule("precedence", "O12", "O6", "O3")
def test_an_idempotent_replay_answers_before_open_orders_and_stock(shop: Shop) -> None:
    scarce = shop.add_product(stock=1)
    plenty = shop.add_product(stock=10)
    customer = shop.new_customer()
    key = shop.new_idempotency_key()
    first = shop.place_order(customer, [(scarce, 1)], idempotency_key=key)
    order = body_of(first, 201)
    others = shop.placed_orders(2, [(plenty, 1)], customer)

    with unchanged(shop, orders=[order, *others]):
        again = shop.place_order(customer, [(scarce, 1)], idempotency_key=key)

    assert (again.status, again.json()) == (201, order)
    assert again.headers.get("location") == first.headers.get("location")
