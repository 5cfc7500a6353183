"""A Hypothesis state machine that sends one random command sequence to several targets.

Every target (a variant, or a deliberately broken copy of one in the tests of this machine)
gets its own fresh SQLite database in a temporary folder and its Flask app in process. Each
command goes to every target in lockstep; the replies, normalised (see ``normalise``), must
be equal to the first target's, and after every command so must the catalogue, the order
list and the whole event log. A 5xx from any target fails as well.

Commands are raw HTTP (``InProcessDriver.send``), independent of the acceptance DSL.
Generated values aim at the rules: little stock (O3), prices at the discount tiers and at
half cents (O4), quantities near 1000 (O1), few customers (O6), totals near 10000.00 (O5),
repeated idempotency keys (O12) and payment ids (O10), and some invalid values (422s).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Hashable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import partial
from typing import Any, ClassVar, TypeVar, cast
from urllib.parse import quote, urlencode

from flask import Flask
from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    MultipleResults,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from kata import variants
from tests.acceptance.driver import InProcessDriver
from tests.backends import RestoredApps
from tests.differential.normalise import Aliases, Seen, normalise, normalise_event
from tests.differential.verdict import COMMAND_RULES, Disagreement, VariantsDiffer, first_difference

T = TypeVar("T")

# --- generated values -----------------------------------------------------------------------

MISSING = "<missing>"  # a member left out of the body
SKUS = ("A1", "B2", "C3", "D4")
UNKNOWN_SKU = "ZZ9"  # a valid SKU that is never registered
BAD_SKUS = ("a1", "-A", "A" * 33)
CUSTOMERS = ("c1", "c1", "c1", "c2")  # c1 often: four open orders trip O6
BAD_CUSTOMERS = ("c3", "", "no spaces!", "x" * 65, 7, MISSING)
PAYMENT_IDS = ("p1", "p1", "p2", "p3")
BAD_PAYMENT_IDS = ("", "bad id!", 7, MISSING)
IDEMPOTENCY_KEYS = ("k1", "k1", "k2")
BAD_IDEMPOTENCY_KEYS = ("", "has space", "k" * 65)
UNKNOWN_ORDER = "00000000-0000-4000-8000-000000000000"
# Prices at the discount tiers (100.00 and 500.00); prices whose subtotal lands on half a
# cent where half-up and half-even rounding differ (x1: 100.10, 250.5, 500.05; x2: 50.05;
# x10: 10.01, all O4); 11.11 / 11.12 x 1000 and 11111.11 / 11111.12 x 1 land on either side
# of the 10000.00 limit (O5); the highest price there is (P1).
TIER_PRICES = ("0.01", "0.10", "1", "9.99", "33.37", "49.95", "99.99", "100", "499.99", "500.00")
HALF_CENT_PRICES = ("10.01", "50.05", "100.10", "250.5", "500.05")
LIMIT_PRICES = ("11.11", "11.12")
HIGH_PRICES = ("1234.57", "3703.70", "9999.99", "11111.11", "11111.12", "100000.00")
PRICES = (*TIER_PRICES, *HALF_CENT_PRICES, *LIMIT_PRICES)
BAD_MONEY = ("0.00", "100000.01", "1e3", "-1", "12.345", "NaN", " 1.00", "١٢", "10.00\n", 12.5)
STOCKS = (0, 1, 2, 3, 5, 10, 100, 1000, 1000000)
BAD_STOCKS = (-1, 1000001, True, 2.0, "3", MISSING)
QUANTITIES = (1, 1, 1, 2, 2, 3, 5)
BAD_QUANTITIES = (0, 1001, -1, True, 2.0, "2", MISSING)
LARGE_QUANTITIES = (9, 10, 11, 12, 499, 500, 900, 999, 1000, 1001)
SINGLE_LINE_QUANTITIES = (1, 1, 2, 10, *LARGE_QUANTITIES)
RESTOCKS = (1, 3, 10, 1000, 1000000)
BAD_RESTOCKS = (0, 1000001, "2", True, MISSING)
NAMES = ("Widget", "  Gadget  ", "Ünïcode ☕", "x" * 100)
BAD_NAMES = ("", "   ", "x" * 101, "tab\there", 7, MISSING)
STATUSES = ("PENDING_PAYMENT", "PAID", "SHIPPED", "CANCELLED")
BAD_BODY_SHAPES = (
    "unknown-field",
    "missing-member",
    "not-json",
    "array",
    "repeated-key",
    "empty",
    "text-plain",
)
BAD_ORDER_BODY_SHAPES = (*BAD_BODY_SHAPES, "no-lines", "21-items", "line-not-object", "line-extra")
AMOUNTS = ("total", "total", "total", "short-form", "cent-more", "cent-less")
EMPTY_BODIES = ("{}", "none", "none", "unknown-field", "array", "text-plain")


def mostly(common: Sequence[T], rare: Sequence[T]) -> st.SearchStrategy[T]:
    """One of ``common``, or one time in eight one of ``rare``."""
    return st.integers(0, 7).flatmap(
        lambda n: st.sampled_from(rare) if n == 0 else st.sampled_from(common)
    )


shelf_prices = st.one_of(st.sampled_from(HALF_CENT_PRICES), mostly(PRICES, HIGH_PRICES))
money = mostly((*PRICES, *HIGH_PRICES), BAD_MONEY)
order_skus = mostly(SKUS, (UNKNOWN_SKU, UNKNOWN_SKU, *BAD_SKUS))
path_skus = mostly(SKUS, (UNKNOWN_SKU, *BAD_SKUS))
customers = mostly(CUSTOMERS, BAD_CUSTOMERS)
keys = st.one_of(st.none(), mostly(IDEMPOTENCY_KEYS, BAD_IDEMPOTENCY_KEYS))
quantities = mostly(QUANTITIES, (*LARGE_QUANTITIES, *BAD_QUANTITIES))
lines = st.lists(st.tuples(order_skus, quantities), min_size=1, max_size=3)
limits = mostly((MISSING, 1, 2, 3), (0, "x", "", 201, 501))


# --- requests -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Raw:
    """A body sent as it is (not JSON-encoded by the machine)."""

    data: bytes
    content_type: str = "application/json"


AFTER = "{after}"  # in a path: `after` given as an event rank, translated per target


@dataclass(frozen=True)
class Request:
    """One HTTP request; order aliases in its path and body become each target's ids."""

    method: str
    path: str
    body: Any = None  # a JSON value, a Raw body, or None for no body
    headers: tuple[tuple[str, str], ...] = ()
    after_rank: int | None = None

    def encode(self, aliases: Aliases) -> tuple[bytes | None, dict[str, str]]:
        headers = dict(self.headers)
        if self.body is None:
            return None, headers
        if isinstance(self.body, Raw):
            if self.body.data:
                headers["Content-Type"] = self.body.content_type
            return self.body.data, headers
        headers["Content-Type"] = "application/json"
        data = json.dumps(aliases.translate_value(self.body), ensure_ascii=False).encode()
        return data, headers

    def describe(self) -> str:
        path = (
            self.path
            if self.after_rank is None
            else self.path.replace(AFTER, f"<rank {self.after_rank}>")
        )
        head = " ".join(f"{name}: {value!r}" for name, value in self.headers)
        if self.body is None:
            body = ""
        elif isinstance(self.body, Raw):
            body = f"{self.body.data[:300]!r} ({self.body.content_type})"
        else:
            body = json.dumps(self.body, ensure_ascii=False)[:600]
        return " ".join(part for part in (self.method, path, head, body) if part)

    def respelled(self) -> Request:
        """The same JSON body spelled differently (key order, white space): equal as JSON."""
        if self.body is None or isinstance(self.body, Raw):
            return self
        text = json.dumps(_reverse_keys(self.body), indent=1, ensure_ascii=True)
        return replace(self, body=Raw(text.encode()))


def _reverse_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _reverse_keys(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [_reverse_keys(item) for item in value]
    return value


def _members(**members: Any) -> dict[str, Any]:
    return {name: value for name, value in members.items() if value != MISSING}


def shaped(body: dict[str, Any], shape: str) -> Any:
    """``body`` as it is, or broken the way ``shape`` says (a JSON value or a Raw body)."""
    text = json.dumps(body)
    first = next(iter(body), "x")
    shapes: dict[str, Any] = {
        "object": body,
        "unknown-field": {**body, "colour": "red"},
        "missing-member": {key: value for key, value in body.items() if key != first},
        "not-json": Raw(text[: len(text) // 2].encode()),
        "array": Raw(b"[" + text.encode() + b"]"),
        "repeated-key": Raw(("{" + json.dumps(first) + ': "x", ' + text[1:]).encode()),
        "empty": Raw(b""),
        "text-plain": Raw(text.encode(), "text/plain"),
    }
    lines = body.get("lines")
    if isinstance(lines, list):
        shapes["no-lines"] = {**body, "lines": []}
        shapes["21-items"] = {**body, "lines": [{"sku": "A1", "quantity": 1}] * 21}
        shapes["line-not-object"] = {**body, "lines": ["A1", *lines]}
        shapes["line-extra"] = {**body, "lines": [{**lines[0], "price": "1.00"}, *lines[1:]]}
    return shapes[shape]


def empty_body(kind: str) -> Any:
    return {
        "{}": {},
        "none": None,
        "unknown-field": {"reason": "because"},
        "array": Raw(b"[]"),
        "text-plain": Raw(b"{}", "text/plain"),
    }[kind]


def query(*pairs: tuple[str, Any]) -> str:
    present = [(name, str(value)) for name, value in pairs if value != MISSING]
    return "?" + urlencode(present) if present else ""


def segment(value: str) -> str:
    """``value`` as one path segment (order aliases are put in paths as they are)."""
    return quote(value, safe="")


# --- targets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Something to compare: a label and a factory of its Flask app on a database URL."""

    label: str
    make_app: Callable[[str], Flask]


def variant_target(name: str) -> Target:
    return Target(name, partial(variants.create_app, name))


@dataclass
class _Side:
    label: str
    app: Flask
    driver: InProcessDriver
    aliases: Aliases = field(default_factory=Aliases)


class ServerError(AssertionError):
    """A target answered 5xx."""


# --- the machine ----------------------------------------------------------------------------


class DifferentialMachine(RuleBasedStateMachine):
    """Sends each command to every target and insists their answers agree."""

    targets: ClassVar[tuple[Target, ...]] = ()
    # Two to compare; a subclass that checks something else after each sequence (the
    # event-sourced variant's rebuilt projections) may drive a single target.
    fewest_targets: ClassVar[int] = 2
    # Each target's app, started once per run; every sequence gets it on a restored database.
    apps: ClassVar[RestoredApps]
    orders: Bundle[str] = Bundle("orders")

    def __init__(self) -> None:
        super().__init__()
        if len(self.targets) < self.fewest_targets:
            raise ValueError(f"this machine needs {self.fewest_targets} targets or more")
        self._sides: list[_Side] = []
        self._totals: dict[str, str] = {}  # order alias -> its total, as all targets agree
        self._keyed: list[Request] = []  # placements sent with an Idempotency-Key
        self._last_command = "(start)"
        self._last_request = "(none)"
        for target in self.targets:
            app = self.apps.fresh(target.label, target.make_app)
            self._sides.append(_Side(target.label, app, InProcessDriver(app)))

    # -- sending and judging ----------------------------------------------------------------

    def _exchange(self, command: str, request: Request) -> Seen:
        """Send ``request`` to every target; the first target's normalised reply if all agree."""
        self._last_command, self._last_request = command, request.describe()
        seen = [self._send(side, request) for side in self._sides]
        self._judge(command, request.describe(), seen, "reply")
        return seen[0]

    def _send(self, side: _Side, request: Request) -> Seen:
        path = side.aliases.translate(request.path)
        log = self._event_log(side) if path.startswith("/events") else None
        if request.after_rank is not None:
            assert log is not None
            path = path.replace(AFTER, str(_seq_after(log, request.after_rank)))
        body, headers = request.encode(side.aliases)
        reply = side.driver.send(request.method, path, body, headers)
        ranks = None if log is None else {event["seq"]: n for n, event in enumerate(log, 1)}
        return normalise(reply, side.aliases, ranks)

    def _judge(self, command: str, request: str, seen: Sequence[Seen], what: str) -> None:
        __tracebackhide__ = True
        for side, one in zip(self._sides, seen, strict=True):
            if one.status >= 500:
                rules = " ".join(COMMAND_RULES.get(command, ()))
                raise ServerError(
                    f"{side.label} answered {one.status} to {command} ({rules}); "
                    f"no variant may: {request}\n{one.render()}"
                )
        index = first_difference(seen)
        if index is None:
            return
        raise VariantsDiffer(
            Disagreement(
                command=command,
                request=request,
                reference=self._sides[0].label,
                other=self._sides[index].label,
                expected=seen[0],
                actual=seen[index],
                what=what,
            ).message()
        )

    def _event_log(self, side: _Side) -> list[dict[str, Any]]:
        """Every event ``side`` recorded, oldest first, read page by page."""
        log: list[dict[str, Any]] = []
        after = 0
        while True:
            reply = side.driver.send("GET", f"/events?after={after}&limit=500")
            if reply.status != 200:
                raise ServerError(f"{side.label} cannot list its events (events): {reply}")
            page: list[dict[str, Any]] = reply.json()["events"]
            if not page:
                return log
            log.extend(page)
            if len(page) < 500:
                return log
            after = page[-1]["seq"]

    # -- what must agree after every command --------------------------------------------------

    @invariant()
    def everything_agrees(self) -> None:
        self._judge(
            self._last_command,
            self._last_request,
            [self._send(side, Request("GET", "/products")) for side in self._sides],
            "the catalogue (GET /products)",
        )
        listed = [self._send(side, Request("GET", "/orders?limit=200")) for side in self._sides]
        self._judge(self._last_command, self._last_request, listed, "the order list (GET /orders)")
        if listed[0].status == 200 and isinstance(listed[0].body, dict):
            for order in listed[0].body.get("orders", []):
                self._totals[order["id"]] = order["total"]
        logs: list[list[Any]] = []
        for side in self._sides:
            log = self._event_log(side)
            ranks = {event["seq"]: n for n, event in enumerate(log, 1)}
            logs.append([normalise_event(event, side.aliases, ranks) for event in log])
        self._judge(
            self._last_command, self._last_request, _first_event_apart(logs), "the event log"
        )

    # -- products -------------------------------------------------------------------------------

    @initialize(
        target=orders,
        shelves=st.lists(st.tuples(shelf_prices, mostly(STOCKS[1:], (0,))), min_size=3, max_size=3),
        placements=st.lists(
            st.lists(st.sampled_from(SKUS[:3]), min_size=1, max_size=3), min_size=2, max_size=4
        ),
    )
    def open_shop(
        self, shelves: list[tuple[str, int]], placements: list[list[str]]
    ) -> MultipleResults[str]:
        """Register A1, B2, C3 with these (price, stock), then place a few plain orders for c1
        (one unit of each SKU named), so the orders rules have orders from the first step on
        and c1 is close to the open-orders limit (O6). D4 is left to register_product."""
        for sku, (price, stock) in zip(SKUS, shelves, strict=False):
            body = {"sku": sku, "name": f"Product {sku}", "price": price, "stock": stock}
            self._exchange("stock_shelves", Request("POST", "/products", body))
        placed: list[str] = []
        for skus in placements:
            body = {"customer_id": "c1", "lines": [{"sku": sku, "quantity": 1} for sku in skus]}
            placed.extend(self._place("place_order", body, None))
        return multiple(*placed)

    @rule(
        sku=mostly(SKUS, BAD_SKUS),
        name=mostly(NAMES, BAD_NAMES),
        price=money,
        stock=mostly(STOCKS, BAD_STOCKS),
        shape=mostly(("object",), BAD_BODY_SHAPES),
    )
    def register_product(self, sku: str, name: Any, price: Any, stock: Any, shape: str) -> None:
        body = _members(sku=sku, name=name, price=price, stock=stock)
        self._exchange("register_product", Request("POST", "/products", shaped(body, shape)))

    @rule(sku=path_skus, quantity=mostly(RESTOCKS, BAD_RESTOCKS))
    def restock(self, sku: str, quantity: Any) -> None:
        body = _members(quantity=quantity)
        self._exchange("restock", Request("POST", f"/products/{segment(sku)}/restock", body))

    @rule(
        sku=path_skus,
        change=mostly(("price", "price", "name", "both"), ("nothing", "unknown-field")),
        price=money,
        name=mostly(NAMES, BAD_NAMES),
    )
    def reprice(self, sku: str, change: str, price: Any, name: Any) -> None:
        body = {
            "price": _members(price=price),
            "name": _members(name=name),
            "both": _members(name=name, price=price),
            "nothing": {},
            "unknown-field": _members(price=price, stock=5),
        }[change]
        self._exchange("reprice", Request("PATCH", f"/products/{segment(sku)}", body))

    @rule(sku=path_skus)
    def get_product(self, sku: str) -> None:
        """(GET /products is compared after every command: see everything_agrees.)"""
        self._exchange("get_product", Request("GET", f"/products/{segment(sku)}"))

    # -- placing orders -------------------------------------------------------------------------

    @rule(
        target=orders,
        customer=customers,
        items=lines,
        key=keys,
        shape=mostly(("object",), BAD_ORDER_BODY_SHAPES),
    )
    def place_order(
        self, customer: Any, items: list[tuple[Any, Any]], key: str | None, shape: str
    ) -> MultipleResults[str]:
        body = _members(
            customer_id=customer,
            lines=[_members(sku=sku, quantity=quantity) for sku, quantity in items],
        )
        return self._place("place_order", shaped(body, shape), key)

    @rule(
        target=orders,
        customer=st.sampled_from(CUSTOMERS),
        sku=st.sampled_from(SKUS),
        quantity=st.sampled_from(SINGLE_LINE_QUANTITIES),
        key=keys,
    )
    def place_single_line_order(
        self, customer: str, sku: str, quantity: int, key: str | None
    ) -> MultipleResults[str]:
        """One line: half cents (x1, x2, x10), the 10000.00 limit and 1000 units (x1000)."""
        body = {"customer_id": customer, "lines": [{"sku": sku, "quantity": quantity}]}
        return self._place("place_order", body, key)

    def _place(self, command: str, body: Any, key: str | None) -> MultipleResults[str]:
        headers = () if key is None else (("Idempotency-Key", key),)
        request = Request("POST", "/orders", body, headers)
        if key in IDEMPOTENCY_KEYS:
            self._keyed.append(request)
        return self._placed(self._exchange(command, request))

    def _placed(self, seen: Seen) -> MultipleResults[str]:
        if seen.status != 201 or not isinstance(seen.body, dict):
            return multiple()
        alias = seen.body["id"]
        if alias in self._totals:  # a replay: the order is known already
            return multiple()
        self._totals[alias] = seen.body["total"]
        return multiple(alias)

    @precondition(lambda self: bool(self._keyed))
    @rule(target=orders, data=st.data(), respell=st.booleans())
    def replay_order(self, data: st.DataObject, respell: bool) -> MultipleResults[str]:
        """Send a placement with an Idempotency-Key again (the same JSON, maybe respelled)."""
        request = data.draw(st.sampled_from(self._keyed), label="sent before")
        return self._placed(
            self._exchange("replay_order", request.respelled() if respell else request)
        )

    # -- amending -------------------------------------------------------------------------------

    @rule(order=orders, sku=path_skus, quantity=quantities)
    def put_line(self, order: str, sku: str, quantity: Any) -> None:
        path = f"/orders/{order}/lines/{segment(sku)}"
        self._exchange("put_line", Request("PUT", path, _members(quantity=quantity)))

    @rule(order=orders, sku=path_skus)
    def delete_line(self, order: str, sku: str) -> None:
        self._exchange("delete_line", Request("DELETE", f"/orders/{order}/lines/{segment(sku)}"))

    # -- payments, cancellation, shipment --------------------------------------------------------

    @rule(
        order=orders,
        payment_id=mostly(PAYMENT_IDS, BAD_PAYMENT_IDS),
        amount=mostly(AMOUNTS, (MISSING, *BAD_MONEY)),
        outcome=mostly(("succeeded",), ("SUCCEEDED", "refunded", MISSING)),
    )
    def pay(self, order: str, payment_id: Any, amount: Any, outcome: str) -> None:
        self._payment("pay", order, payment_id, amount, outcome)

    @rule(
        order=orders,
        payment_id=mostly(PAYMENT_IDS, BAD_PAYMENT_IDS),
        amount=mostly(AMOUNTS, (MISSING, *BAD_MONEY)),
    )
    def fail_payment(self, order: str, payment_id: Any, amount: Any) -> None:
        self._payment("fail_payment", order, payment_id, amount, "failed")

    def _payment(
        self, command: str, order: Any, payment_id: Any, amount: Any, outcome: str
    ) -> None:
        body = _members(
            payment_id=payment_id,
            order_id=order,
            outcome=outcome,
            amount=self._amount(order, amount),
        )
        self._exchange(command, Request("POST", "/payment-events", body))

    def _amount(self, order: Any, kind: Any) -> Any:
        if kind not in AMOUNTS:
            return kind  # an invalid amount, or MISSING
        total = Decimal(self._totals.get(order, "10.00"))
        amounts = {
            "total": f"{total:.2f}",
            "short-form": f"{total:.2f}".rstrip("0").rstrip("."),  # "20" for "20.00"
            "cent-more": f"{total + Decimal('0.01'):.2f}",
            "cent-less": f"{max(total - Decimal('0.01'), Decimal(0)):.2f}",
        }
        return amounts[kind]

    @rule(order=orders, body=st.sampled_from(EMPTY_BODIES))
    def cancel(self, order: str, body: str) -> None:
        path = f"/orders/{order}/cancellation"
        self._exchange("cancel", Request("POST", path, empty_body(body)))

    @rule(order=orders, body=st.sampled_from(EMPTY_BODIES))
    def ship(self, order: str, body: str) -> None:
        self._exchange("ship", Request("POST", f"/orders/{order}/shipment", empty_body(body)))

    # -- reading ----------------------------------------------------------------------------------

    @rule(order=orders)
    def get_order(self, order: str) -> None:
        self._exchange("get_order", Request("GET", f"/orders/{order}"))

    @rule(
        action=st.sampled_from(("get", "put-line", "delete-line", "cancel", "ship", "pay")),
        order_id=st.sampled_from((UNKNOWN_ORDER, "x" * 65, "", 7, MISSING)),
    )
    def poke_unknown_order(self, action: str, order_id: Any) -> None:
        """Name an order that does not exist (or cannot: too long, not a string)."""
        if action == "pay":
            body = _members(payment_id="p1", order_id=order_id, outcome="succeeded", amount="1")
            self._exchange("poke_unknown_order", Request("POST", "/payment-events", body))
            return
        path = "/orders/" + segment(str(order_id))
        request = {
            "get": Request("GET", path),
            "put-line": Request("PUT", path + "/lines/A1", {"quantity": 1}),
            "delete-line": Request("DELETE", path + "/lines/A1"),
            "cancel": Request("POST", path + "/cancellation", {}),
            "ship": Request("POST", path + "/shipment", {}),
        }[action]
        self._exchange("poke_unknown_order", request)

    @rule(
        customer=mostly((MISSING, "c1", "c2", "c3"), ("", "no spaces!")),
        status=mostly((MISSING, *STATUSES), ("paid", "")),
        limit=limits,
        repeat=mostly((False,), (True,)),
    )
    def list_orders(self, customer: str, status: str, limit: Any, repeat: bool) -> None:
        pairs = [("customer_id", customer), ("status", status), ("limit", limit)]
        if repeat:
            pairs.append(("limit", 2))
        self._exchange("list_orders", Request("GET", "/orders" + query(*pairs)))

    @rule(
        after=mostly((MISSING, 0, 1, 2, 3, 5, 8, 13, 21, 40), ("-1", "x", "", "1.5")),
        limit=mostly((MISSING, 1, 2, 3, 500), (0, 501, "x", "")),
        repeat=mostly((False,), (True,)),
    )
    def read_events(self, after: Any, limit: Any, repeat: bool) -> None:
        """Read a page of events; an integer ``after`` is a rank, sent as that event's seq."""
        rank = after if type(after) is int else None
        pairs = [("after", AFTER if rank is not None else after), ("limit", limit)]
        if repeat:
            pairs.append(("after", 0))
        path = "/events" + query(*pairs).replace(quote(AFTER, safe=""), AFTER)
        self._exchange("read_events", Request("GET", path, after_rank=rank))


def _first_event_apart(logs: Sequence[list[Any]]) -> list[Seen]:
    """Each log as the first event where some log differs from the first one (or whole)."""
    canonical = [json.dumps(log, sort_keys=True) for log in logs]
    other = next(
        (log for log, text in zip(logs, canonical, strict=True) if text != canonical[0]), None
    )
    if other is None:
        return [Seen(200, "application/json", None, {"events": log}) for log in logs]
    index = next(
        (n for n, (one, two) in enumerate(zip(logs[0], other, strict=False)) if one != two),
        min(len(logs[0]), len(other)),
    )
    return [
        Seen(
            200,
            "application/json",
            None,
            {
                "events_in_log": len(log),
                "event": log[index] if index < len(log) else None,
                "rank": index + 1,
            },
        )
        for log in logs
    ]


def _seq_after(log: Sequence[dict[str, Any]], rank: int) -> int:
    """The ``after`` that starts a page right behind the ``rank``-th event of ``log``."""
    if rank == 0:
        return 0
    if rank <= len(log):
        return int(log[rank - 1]["seq"])
    last = int(log[-1]["seq"]) if log else 0
    return last + rank - len(log)


# --- running ----------------------------------------------------------------------------------

_LABEL = re.compile(r"[^A-Za-z0-9]+")


def machine_for(
    targets: Sequence[Target],
    apps: RestoredApps,
    base: type[DifferentialMachine] = DifferentialMachine,
) -> type[DifferentialMachine]:
    """A machine class (a ``base``) comparing ``targets`` (the first is the reference), their
    apps kept in ``apps``."""
    labels = [target.label for target in targets]
    if len(targets) < base.fewest_targets or len(set(labels)) != len(labels):
        raise ValueError(
            f"need {base.fewest_targets} or more targets with distinct labels, got {labels}"
        )
    name = "Differential_" + "_vs_".join(_LABEL.sub("_", label) for label in labels)
    return cast(
        "type[DifferentialMachine]",
        type(name, (base,), {"targets": tuple(targets), "apps": apps}),
    )


def run_differential(
    targets: Sequence[Target],
    *,
    examples: int,
    seed_value: Hashable,
    steps: int = 30,
    shrink: bool = True,
    base: type[DifferentialMachine] = DifferentialMachine,
) -> None:
    """Run random command sequences against ``targets``; raise if their answers differ (or
    if what a ``base`` machine checks besides fails).

    ``seed_value`` fixes the sequences (a failure names it, to run it again); nothing is
    written to a Hypothesis database. Shrinking (to the shortest failing sequence) may take
    Hypothesis up to five minutes; ``shrink=False`` reports the first failing sequence.
    """
    phases = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target]
    config = settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        derandomize=False,
        database=None,
        print_blob=False,
        suppress_health_check=[HealthCheck.too_slow],
        phases=[*phases, Phase.shrink] if shrink else phases,
    )
    try:
        with ExitStack() as resources:
            machine = seed(seed_value)(machine_for(targets, RestoredApps(resources), base))
            run_state_machine_as_test(machine, settings=config)
    except Exception as failure:  # a disagreement, or Hypothesis finding it flaky
        failure.add_note(
            f"Differential seed: {seed_value!r}. Run the same sequences again with "
            f"--differential-seed={seed_value} (and the same --differential-examples)."
        )
        raise
