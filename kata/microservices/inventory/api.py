"""Inventory's HTTP API: the contract's ``/products`` endpoints, which the ordering service
forwards to it, and its own for the ordering service: ``/quotes``, ``/reservations/<id>``,
and ``/writes/<id>/withdrawal`` for a forwarded write whose answer was lost.

A forwarded write (``POST /products``, ``PATCH /products/<sku>``, a restock) carries the
gateway's ``Request-Id``, a header of this internal API: sent again with the same id, it is
applied once and answered the same.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, request
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from kata.microservices.chassis.problems import Problem, validation_error
from kata.microservices.chassis.requests import json_body
from kata.microservices.chassis.responses import created, ok
from kata.microservices.chassis.schemas import (
    IDEMPOTENCY_KEY,
    SKU,
    Pattern,
    ProductName,
    StrictInteger,
    load,
    path_sku,
    price_field,
    sku_field,
)
from kata.microservices.inventory.stock import Product, Write
from kata.microservices.inventory.store import Conflict, Held, Inventory

routes = Blueprint("inventory", __name__)
INVENTORY = "kata.inventory"
REQUEST_ID = "Request-Id"

T = TypeVar("T")


def _again_after_a_lost_race(operation: Callable[[], T]) -> T:
    """Run a store operation, and again if it lost a race (the same new SKU, reservation or
    write id at once). Only the operation: the request's body is read once, before."""
    retrying = Retrying(
        retry=retry_if_exception_type(Conflict),
        stop=stop_after_attempt(8),
        wait=wait_random_exponential(multiplier=0.01, max=0.5),
        reraise=True,
    )
    return retrying(operation)


class NewProduct(Schema):
    sku = sku_field(required=True)
    name = ProductName(required=True)
    price = price_field(required=True)
    stock = StrictInteger(required=True, validate=validate.Range(0, 1_000_000))  # rule: P1


class ProductChange(Schema):
    name = ProductName()
    price = price_field()

    @validates_schema
    def _something_to_change(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data:
            raise ValidationError("Give a name, a price or both.")


class Restock(Schema):
    quantity = StrictInteger(required=True, validate=validate.Range(1, 1_000_000))  # rule: P3


class Quote(Schema):
    skus = fields.List(fields.String(validate=Pattern(SKU, "Not a valid SKU.")), required=True)


class Hold(Schema):
    version = StrictInteger(required=True, validate=validate.Range(min=1))
    lines = fields.Dict(
        keys=fields.String(validate=Pattern(SKU, "Not a valid SKU.")),
        values=StrictInteger(validate=validate.Range(1, 1_000_000)),
        required=True,
    )


def inventory() -> Inventory:
    found: Inventory = current_app.extensions[INVENTORY]
    return found


# --- the catalogue (the contract's /products) ---------------------------------------------------


@routes.post("/products")
def register_product() -> Response:
    fields_ = load(NewProduct, json_body())
    product = Product(fields_["sku"], fields_["name"], _cents(fields_["price"]), fields_["stock"])
    sent = request_id()
    return _answer(_again_after_a_lost_race(lambda: inventory().register(product, sent)))


@routes.get("/products")
def list_products() -> Response:
    return ok({"products": [_product(p) for p in inventory().catalogue()]})


@routes.get("/products/<sku>")
def get_product(sku: str) -> Response:
    return ok(_product(inventory().product(path_sku(sku))))


@routes.patch("/products/<sku>")
def change_product(sku: str) -> Response:
    fields_ = load(ProductChange, json_body())
    name, price = fields_.get("name"), fields_.get("price")
    cents = None if price is None else _cents(price)
    known, sent = path_sku(sku), request_id()
    return _answer(_again_after_a_lost_race(lambda: inventory().change(known, name, cents, sent)))


@routes.post("/products/<sku>/restock")
def restock(sku: str) -> Response:
    quantity = load(Restock, json_body())["quantity"]
    known, sent = path_sku(sku), request_id()
    return _answer(_again_after_a_lost_race(lambda: inventory().restock(known, quantity, sent)))


def request_id() -> str | None:
    """The gateway's id for the write it forwards (none when called directly)."""
    sent = request.headers.get(REQUEST_ID)
    if sent is not None and not IDEMPOTENCY_KEY.fullmatch(sent):
        raise validation_error({REQUEST_ID: ["Must be 1 to 64 visible ASCII characters."]})
    return sent


def _answer(write: Write) -> Response:
    """A write's answer, the same each time it is asked for: the product as the write left
    it, with 201 and its ``Location`` for a registration."""
    if write.kind == "register":
        return created(_product(write.after), f"/products/{write.after.sku}")
    return ok(_product(write.after))


# --- for the ordering service -------------------------------------------------------------------


@routes.post("/quotes")
def quote() -> Response:
    """Today's price of each known SKU (money as "4.50"); unknown SKUs are left out."""
    skus = load(Quote, json_body())["skus"]
    return ok({"prices": {sku: _money(c) for sku, c in inventory().prices(skus).items()}})


@routes.put("/reservations/<reservation>")
def hold(reservation: str) -> Response:
    """Set what the reservation holds (idempotent, ordered by version); see ``stock.py``."""
    fields_ = load(Hold, json_body())
    version, lines = fields_["version"], fields_["lines"]
    held = _again_after_a_lost_race(lambda: inventory().hold(reservation, version, lines))
    return ok(_held(held))


@routes.post("/writes/<sent>/withdrawal")
def withdraw(sent: str) -> Response:
    """Withdraw a forwarded write whose answer the gateway lost: 204 when nothing of it is
    left (it never arrived, and a late copy will be refused; or it is undone), or the
    write's own answer when it stands (something may have relied on it: ``stock.py``)."""
    if not IDEMPOTENCY_KEY.fullmatch(sent):
        raise Problem("not-found", f"No write {sent}.")
    write = _again_after_a_lost_race(lambda: inventory().withdraw(sent))
    return Response(status=204) if write is None else _answer(write)


def _product(product: Product) -> dict[str, Any]:
    return {
        "sku": product.sku,
        "name": product.name,
        "price": _money(product.price_cents),
        "stock": product.stock,
    }


def _held(held: Held) -> dict[str, Any]:
    return {
        "version": held.version,
        "lines": {sku: {"units": u, "price": _money(c)} for sku, (u, c) in held.lines.items()},
    }


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


def _money(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"
