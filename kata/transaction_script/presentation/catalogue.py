"""HTTP routes of the catalogue: ``/products``."""

from __future__ import annotations

from flask import Blueprint, Response

from kata.transaction_script.presentation.requests import json_body
from kata.transaction_script.presentation.schemas import (
    NewProduct,
    ProductChange,
    Restock,
    load,
    path_sku,
)
from kata.transaction_script.presentation.views import created, ok, product_view
from kata.transaction_script.presentation.wiring import database
from kata.transaction_script.services import products

routes = Blueprint("catalogue", __name__)


@routes.post("/products")
def register_product() -> Response:
    fields = load(NewProduct, json_body())
    product = products.register_product(database(), **fields)
    return created(product_view(product), f"/products/{product.sku}")


@routes.get("/products")
def list_products() -> Response:
    return ok({"products": [product_view(p) for p in products.list_products(database())]})


@routes.get("/products/<sku>")
def get_product(sku: str) -> Response:
    return ok(product_view(products.get_product(database(), path_sku(sku))))


@routes.patch("/products/<sku>")
def change_product(sku: str) -> Response:
    fields = load(ProductChange, json_body())
    product = products.change_product(
        database(), path_sku(sku), fields.get("name"), fields.get("price")
    )
    return ok(product_view(product))


@routes.post("/products/<sku>/restock")
def restock(sku: str) -> Response:
    fields = load(Restock, json_body())
    return ok(product_view(products.restock(database(), path_sku(sku), fields["quantity"])))
