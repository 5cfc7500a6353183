"""HTTP routes of the catalogue: ``/products``. Writes run a command, then read the product
back from the query side (which the command's own transaction brought up to date)."""

from __future__ import annotations

from flask import Blueprint, Response

from kata.event_sourced.application import commands
from kata.event_sourced.domain.errors import NotFound
from kata.event_sourced.presentation.requests import json_body
from kata.event_sourced.presentation.schemas import (
    NewProduct,
    ProductChange,
    Restock,
    load,
    path_sku,
)
from kata.event_sourced.presentation.views import created, ok, product_view
from kata.event_sourced.presentation.wiring import queries, stores

routes = Blueprint("catalogue", __name__)


@routes.post("/products")
def register_product() -> Response:
    fields = load(NewProduct, json_body())
    commands.register_product(stores(), **fields)
    return created(_product(fields["sku"]), f"/products/{fields['sku']}")


@routes.get("/products")
def list_products() -> Response:
    return ok({"products": [product_view(p) for p in queries().products()]})


@routes.get("/products/<sku>")
def get_product(sku: str) -> Response:
    return ok(_product(path_sku(sku)))


@routes.patch("/products/<sku>")
def change_product(sku: str) -> Response:
    fields = load(ProductChange, json_body())
    commands.change_product(stores(), path_sku(sku), fields.get("name"), fields.get("price"))
    return ok(_product(sku))


@routes.post("/products/<sku>/restock")
def restock(sku: str) -> Response:
    fields = load(Restock, json_body())
    commands.restock(stores(), path_sku(sku), fields["quantity"])
    return ok(_product(sku))


def _product(sku: str) -> dict[str, object]:
    found = queries().product(sku)
    if found is None:
        raise NotFound(f"No product with SKU {sku}.")
    return product_view(found)
