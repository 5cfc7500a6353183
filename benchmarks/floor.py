"""The floor: the lowest honest cost of the benchmark's requests in this stack.

One file, Flask and the standard library's ``sqlite3``, no layers, no ORM, no SQLAlchemy, no
marshmallow. It serves exactly the requests ``benchmarks.latency`` sends, and answers them as
the variants do: the same JSON bodies and status codes, and on the success path the same work
the rules demand:

- placing reserves stock for every line in one conditional ``UPDATE … RETURNING`` and refuses
  (rolling back) when any line is short, all or nothing (O3); it checks unknown SKUs (O3), open
  orders of the customer (O6), prices with the discount tiers (O4) and the order limit (O5);
- amending moves stock by the difference and prices the order again (O9, O4, O5);
- cancelling returns every line's units in one statement (O8); a payment checks the payment id
  seen before, the state and the amount (O10);
- every change writes its outbox event row, its ``seq`` from the counter row, in the same
  transaction (spec section 4); money is integer cents in the database;
- writers run in ``BEGIN IMMEDIATE`` on a WAL file with a busy timeout, as the variants do.

What it leaves out, on purpose: the detail of validation (it checks the shapes it reads, not
every pattern and range of the spec's section 1, and answers a bad body with a bare 422), the
transport checks (415, 413, repeated keys, lone surrogates), idempotency keys, retries of a
lost race, and every route and error path the benchmark does not send (products other than
registering one, listing, removing lines, shipping, events). A variant costs more than this
floor because it does those things and because of its style; the benchmark shows how much.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, request

MAX_OPEN_ORDERS = 3
ORDER_LIMIT_CENTS = 1_000_000
# (subtotal from, discount in percent), highest tier first (O4).
DISCOUNT_TIERS = ((50_000, 10), (10_000, 5))

Line = tuple[str, int, int]  # (sku, quantity, unit price in cents)

SCHEMA = """
CREATE TABLE IF NOT EXISTS products (
    sku TEXT PRIMARY KEY, name TEXT NOT NULL, price_cents INTEGER NOT NULL,
    stock INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
    number INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
    customer_id TEXT NOT NULL, status TEXT NOT NULL, subtotal_cents INTEGER NOT NULL,
    discount_cents INTEGER NOT NULL, total_cents INTEGER NOT NULL, payment_id TEXT,
    cancel_reason TEXT, refund_due INTEGER NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS orders_customer ON orders (customer_id);
CREATE TABLE IF NOT EXISTS order_lines (
    order_id TEXT NOT NULL REFERENCES orders (id), sku TEXT NOT NULL REFERENCES products (sku),
    quantity INTEGER NOT NULL, unit_price_cents INTEGER NOT NULL, PRIMARY KEY (order_id, sku));
CREATE TABLE IF NOT EXISTS processed_payments (
    order_id TEXT NOT NULL REFERENCES orders (id), payment_id TEXT NOT NULL,
    PRIMARY KEY (order_id, payment_id));
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY, type TEXT NOT NULL, order_id TEXT NOT NULL,
    occurred_at TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS event_counter (id INTEGER PRIMARY KEY, last_seq INTEGER NOT NULL);
INSERT OR IGNORE INTO event_counter VALUES (1, 0);
"""


class Refused(Exception):
    """A request the floor answers with a problem instead of a result."""

    def __init__(self, status: int, code: str, **extra: Any) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.extra = extra


def create_app(path: str) -> Flask:
    """The floor's app on the SQLite file ``path``: one connection per thread, kept open."""
    local = threading.local()

    def connection() -> sqlite3.Connection:
        if not hasattr(local, "connection"):
            local.connection = _connect(path)
        opened: sqlite3.Connection = local.connection
        return opened

    connection().executescript(SCHEMA)
    app = Flask(__name__)
    app.extensions["kata.close"] = lambda: connection().close()
    _routes(app, connection)
    return app


def _connect(path: str) -> sqlite3.Connection:
    opened = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    opened.execute("PRAGMA journal_mode=WAL")
    opened.execute("PRAGMA foreign_keys=ON")
    return opened


def _routes(app: Flask, connection: Any) -> None:
    @app.post("/products")
    def register_product() -> Response:
        body = _body()
        product = (body["sku"], body["name"].strip(), _cents(body["price"]), body["stock"])
        with _writing(connection()) as db:
            db.execute("INSERT INTO products VALUES (?, ?, ?, ?)", product)
        sku, name, price, stock = product
        view = {"sku": sku, "name": name, "price": _money(price), "stock": stock}
        return _reply(view, 201, f"/products/{sku}")

    @app.post("/orders")
    def place_order() -> Response:
        body = _body()
        customer_id = body["customer_id"]
        quantities: Counter[str] = Counter()
        for item in body["lines"]:  # O1: items of one SKU make one line
            quantities[item["sku"]] += item["quantity"]
        with _writing(connection()) as db:
            order = _place(db, customer_id, dict(quantities))
        return _reply(order, 201, f"/orders/{order['id']}")

    @app.get("/orders/<order_id>")
    def get_order(order_id: str) -> Response:
        with _reading(connection()) as db:
            return _reply(_order(db, order_id)[0])

    @app.put("/orders/<order_id>/lines/<sku>")
    def set_line(order_id: str, sku: str) -> Response:
        quantity = _body()["quantity"]
        with _writing(connection()) as db:
            return _reply(_set_line(db, order_id, sku, quantity))

    @app.post("/orders/<order_id>/cancellation")
    def cancel_order(order_id: str) -> Response:
        with _writing(connection()) as db:
            order, lines = _locked(db, order_id)
            _require(order, "PENDING_PAYMENT", "PAID")
            return _reply(_cancel(db, order, lines, "customer"))

    @app.post("/payment-events")
    def record_payment() -> Response:
        body = _body()
        with _writing(connection()) as db:
            return _reply(_pay(db, body["payment_id"], body["order_id"], _cents(body["amount"])))

    @app.errorhandler(Refused)
    def refused(error: Refused) -> Response:
        problem = {
            "type": f"urn:kata:problem:{error.code}",
            "title": error.code,
            "status": error.status,
            "detail": error.code,
            **error.extra,
        }
        return Response(json.dumps(problem), error.status, mimetype="application/problem+json")


# --- the work, one function per request -------------------------------------------------


def _place(db: sqlite3.Connection, customer_id: str, quantities: dict[str, int]) -> dict[str, Any]:
    skus = sorted(quantities)
    marks = ",".join("?" * len(skus))
    prices = dict(db.execute(f"SELECT sku, price_cents FROM products WHERE sku IN ({marks})", skus))
    unknown = sorted(set(skus) - set(prices))
    if unknown:  # O3
        raise Refused(422, "unknown-product", skus=unknown)
    (open_orders,) = db.execute(
        "SELECT count(*) FROM orders WHERE customer_id = ? AND status = 'PENDING_PAYMENT'",
        (customer_id,),
    ).fetchone()
    if open_orders >= MAX_OPEN_ORDERS:  # O6
        raise Refused(409, "too-many-open-orders")
    lines = [(sku, quantities[sku], prices[sku]) for sku in skus]  # O2: price snapshot
    subtotal, discount, total = _priced(lines)
    _reserve(db, quantities)
    order_id = str(uuid.uuid4())
    created_at = _now()
    db.execute(
        "INSERT INTO orders (id, customer_id, status, subtotal_cents, discount_cents,"
        " total_cents, refund_due, created_at) VALUES (?, ?, 'PENDING_PAYMENT', ?, ?, ?, 0, ?)",
        (order_id, customer_id, subtotal, discount, total, created_at),
    )
    db.executemany(
        "INSERT INTO order_lines VALUES (?, ?, ?, ?)", [(order_id, *line) for line in lines]
    )
    data = {"customer_id": customer_id, "lines": _lines_data(lines), "total": _money(total)}
    _record(db, "OrderPlaced", order_id, data)
    row = (order_id, customer_id, "PENDING_PAYMENT", subtotal, discount, total)
    return _order_view((*row, None, None, 0, created_at), lines)


def _set_line(db: sqlite3.Connection, order_id: str, sku: str, quantity: int) -> dict[str, Any]:
    order, old_lines = _locked(db, order_id)
    product = db.execute("SELECT price_cents FROM products WHERE sku = ?", (sku,)).fetchone()
    if product is None:  # O9
        raise Refused(422, "unknown-product", skus=[sku])
    _require(order, "PENDING_PAYMENT")
    lines = {line[0]: line for line in old_lines}
    before, unit_price = lines.get(sku, (sku, 0, product[0]))[1:]
    if before == quantity:
        return order
    lines[sku] = (sku, quantity, unit_price)
    new_lines = [lines[key] for key in sorted(lines)]
    subtotal, discount, total = _priced(new_lines)
    if quantity > before:
        _reserve(db, {sku: quantity - before})
    else:
        _release(db, {sku: before - quantity})
    db.execute(
        "INSERT INTO order_lines VALUES (?, ?, ?, ?) ON CONFLICT (order_id, sku)"
        " DO UPDATE SET quantity = excluded.quantity",
        (order_id, sku, quantity, unit_price),
    )
    db.execute(
        "UPDATE orders SET subtotal_cents = ?, discount_cents = ?, total_cents = ? WHERE id = ?",
        (subtotal, discount, total, order_id),
    )
    _record(db, "OrderAmended", order_id, {"lines": _lines_data(new_lines), "total": _money(total)})
    order.update(lines=[_line_view(line) for line in new_lines])
    order.update(subtotal=_money(subtotal), discount=_money(discount), total=_money(total))
    return order


def _pay(db: sqlite3.Connection, payment_id: str, order_id: str, amount: int) -> dict[str, Any]:
    order, _ = _locked(db, order_id)
    seen = db.execute(
        "SELECT 1 FROM processed_payments WHERE order_id = ? AND payment_id = ?",
        (order_id, payment_id),
    ).fetchone()
    if seen is not None:  # O10: a repeat changes nothing
        return order
    _require(order, "PENDING_PAYMENT")
    if amount != _cents(order["total"]):  # O10
        raise Refused(409, "payment-mismatch")
    db.execute("INSERT INTO processed_payments VALUES (?, ?)", (order_id, payment_id))
    db.execute(
        "UPDATE orders SET status = 'PAID', payment_id = ? WHERE id = ?", (payment_id, order_id)
    )
    _record(db, "OrderPaid", order_id, {"payment_id": payment_id, "amount": _money(amount)})
    order.update(status="PAID", payment_id=payment_id)
    return order


def _cancel(
    db: sqlite3.Connection, order: dict[str, Any], lines: list[Line], reason: str
) -> dict[str, Any]:
    refund_due = order["status"] == "PAID"  # O7
    _release(db, {sku: quantity for sku, quantity, _ in lines})  # O8
    db.execute(
        "UPDATE orders SET status = 'CANCELLED', cancel_reason = ?, refund_due = ? WHERE id = ?",
        (reason, refund_due, order["id"]),
    )
    _record(db, "OrderCancelled", order["id"], {"reason": reason, "refund_due": refund_due})
    order.update(status="CANCELLED", cancel_reason=reason, refund_due=refund_due)
    return order


# --- shared steps ------------------------------------------------------------------------


class _Transaction:
    """``with``: BEGIN (IMMEDIATE for writers), COMMIT on success, ROLLBACK on any error."""

    def __init__(self, db: sqlite3.Connection, begin: str) -> None:
        self.db = db
        self.begin = begin

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute(self.begin)
        return self.db

    def __exit__(self, kind: object, *_: object) -> None:
        self.db.execute("ROLLBACK" if kind else "COMMIT")


def _writing(db: sqlite3.Connection) -> _Transaction:
    # Take the write lock up front, as the variants do: writers queue on the busy timeout.
    return _Transaction(db, "BEGIN IMMEDIATE")


def _reading(db: sqlite3.Connection) -> _Transaction:
    # A read needs one snapshot for the order and its lines, not the write lock.
    return _Transaction(db, "BEGIN")


def _reserve(db: sqlite3.Connection, quantities: dict[str, int]) -> None:
    """Take every SKU's units where there are that many; refuse if any is short (O3)."""
    case, params, marks = _per_sku(quantities)
    taken = db.execute(
        f"UPDATE products SET stock = stock - {case} WHERE sku IN ({marks})"
        f" AND stock >= {case} RETURNING sku",
        params + list(quantities) + params,
    ).fetchall()
    short = sorted(set(quantities) - {sku for (sku,) in taken})
    if short:  # the transaction's rollback returns the units taken from the others
        raise Refused(409, "insufficient-stock", skus=short)


def _release(db: sqlite3.Connection, quantities: dict[str, int]) -> None:
    case, params, marks = _per_sku(quantities)
    db.execute(
        f"UPDATE products SET stock = stock + {case} WHERE sku IN ({marks})",
        params + list(quantities),
    )


def _per_sku(quantities: dict[str, int]) -> tuple[str, list[object], str]:
    """``CASE sku WHEN ? THEN ? … END``, its parameters, and the marks of ``IN (…)``."""
    case = "CASE sku" + " WHEN ? THEN ?" * len(quantities) + " END"
    params: list[object] = [value for pair in quantities.items() for value in pair]
    return case, params, ",".join("?" * len(quantities))


def _priced(lines: list[Line]) -> tuple[int, int, int]:
    """(subtotal, discount, total) in cents (O4), refused over the order limit (O5)."""
    subtotal = sum(quantity * price for _, quantity, price in lines)
    percent = next((rate for floor, rate in DISCOUNT_TIERS if subtotal >= floor), 0)
    discount = (subtotal * percent + 50) // 100  # half up, in whole cents
    total = subtotal - discount
    if total > ORDER_LIMIT_CENTS:
        raise Refused(409, "order-limit-exceeded")
    return subtotal, discount, total


_ORDER_COLUMNS = (
    "id, customer_id, status, subtotal_cents, discount_cents, total_cents,"
    " payment_id, cancel_reason, refund_due, created_at"
)


def _locked(db: sqlite3.Connection, order_id: str) -> tuple[dict[str, Any], list[Line]]:
    """The order (as its view) and its lines, its row locked for the transaction (a no-op
    UPDATE, as the variants do, that hands back the row: the lock and the read in one)."""
    locking = f"UPDATE orders SET status = status WHERE id = ? RETURNING {_ORDER_COLUMNS}"
    return _order(db, order_id, locking)


def _order(
    db: sqlite3.Connection,
    order_id: str,
    query: str = f"SELECT {_ORDER_COLUMNS} FROM orders WHERE id = ?",
) -> tuple[dict[str, Any], list[Line]]:
    row = db.execute(query, (order_id,)).fetchone()
    if row is None:
        raise Refused(404, "not-found")
    lines = db.execute(
        "SELECT sku, quantity, unit_price_cents FROM order_lines WHERE order_id = ? ORDER BY sku",
        (order_id,),
    ).fetchall()
    return _order_view(row, lines), lines


def _require(order: dict[str, Any], *allowed: str) -> None:
    if order["status"] not in allowed:  # O7
        raise Refused(409, "invalid-state")


def _record(db: sqlite3.Connection, type_: str, order_id: str, data: dict[str, Any]) -> None:
    """The outbox row, in the caller's transaction; the counter hands out ``seq``."""
    (seq,) = db.execute(
        "UPDATE event_counter SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq"
    ).fetchone()
    db.execute(
        "INSERT INTO events VALUES (?, ?, ?, ?, ?)",
        (seq, type_, order_id, _now(), json.dumps(data, sort_keys=True)),
    )


# --- JSON in and out ---------------------------------------------------------------------


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Refused(400, "malformed-request")
    return body


def _reply(body: dict[str, Any], status: int = 200, location: str | None = None) -> Response:
    response = Response(json.dumps(body), status, mimetype="application/json")
    if location is not None:
        response.headers["Location"] = location
    return response


def _order_view(row: tuple[Any, ...], lines: list[Line]) -> dict[str, Any]:
    order_id, customer_id, status, subtotal, discount, total = row[:6]
    payment_id, cancel_reason, refund_due, created_at = row[6:]
    return {
        "id": order_id,
        "customer_id": customer_id,
        "status": status,
        "lines": [_line_view(line) for line in lines],
        "subtotal": _money(subtotal),
        "discount": _money(discount),
        "total": _money(total),
        "payment_id": payment_id,
        "cancel_reason": cancel_reason,
        "refund_due": bool(refund_due),
        "created_at": created_at,
    }


def _line_view(line: Line) -> dict[str, Any]:
    sku, quantity, unit_price = line
    return {
        "sku": sku,
        "quantity": quantity,
        "unit_price": _money(unit_price),
        "line_total": _money(unit_price * quantity),
    }


def _lines_data(lines: list[Line]) -> list[dict[str, Any]]:
    return [
        {"sku": sku, "quantity": quantity, "unit_price": _money(price)}
        for sku, quantity, price in lines
    ]


def _cents(text: Any) -> int:
    """Money from its wire form (``"12.5"``, ``"12.50"``, ``"12"``) to integer cents."""
    if not isinstance(text, str):
        raise Refused(422, "validation-error")
    units, _, cents = text.partition(".")
    return int(units) * 100 + int(cents.ljust(2, "0"))


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _now() -> str:
    """RFC 3339 in UTC with ``Z``, to the millisecond."""
    moment = datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
