"""HTTP routes of the catalogue: ``/products``."""

from __future__ import annotations

from flask import Blueprint, Response

from kata.domain_model.presentation.requests import json_body
from kata.domain_model.presentation.schemas import (
    NewProduct,
    ProductChange,
    Restock,
    load,
    path_sku,
)
from kata.domain_model.presentation.views import created, ok, product_view
from kata.domain_model.presentation.wiring import database
from kata.domain_model.services import catalogue

routes = Blueprint("catalogue", __name__)


@routes.post("/products")
def register_product() -> Response:
    fields = load(NewProduct, json_body())
    product = catalogue.register_product(database(), **fields)
    return created(product_view(product), f"/products/{product.sku}")


@routes.get("/products")
def list_products() -> Response:
    return ok({"products": [product_view(p) for p in catalogue.list_products(database())]})


@routes.get("/products/<sku>")
def get_product(sku: str) -> Response:
    return ok(product_view(catalogue.get_product(database(), path_sku(sku))))


@routes.patch("/products/<sku>")
def change_product(sku: str) -> Response:
    fields = load(ProductChange, json_body())
    product = catalogue.change_product(
        database(), path_sku(sku), fields.get("name"), fields.get("price")
    )
    return ok(product_view(product))


@routes.post("/products/<sku>/restock")
def restock(sku: str) -> Response:
    fields = load(Restock, json_body())
    return ok(product_view(catalogue.restock(database(), path_sku(sku), fields["quantity"])))
