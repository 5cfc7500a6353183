"""HTTP routes of the catalogue: ``/products``, driving the ``Catalogue`` port."""

from __future__ import annotations

from flask import Blueprint, Response

from kata.hexagonal.adapters.inbound.http.requests import json_body
from kata.hexagonal.adapters.inbound.http.schemas import (
    NewProduct,
    ProductChange,
    Restock,
    load,
    path_sku,
)
from kata.hexagonal.adapters.inbound.http.views import created, ok, product_view
from kata.hexagonal.adapters.inbound.http.wiring import use_cases
from kata.hexagonal.application.ports import inbound

routes = Blueprint("catalogue", __name__)


@routes.post("/products")
def register_product() -> Response:
    product = use_cases().catalogue.register(
        inbound.RegisterProduct(**load(NewProduct, json_body()))
    )
    return created(product_view(product), f"/products/{product.sku}")


@routes.get("/products")
def list_products() -> Response:
    return ok({"products": [product_view(p) for p in use_cases().catalogue.list()]})


@routes.get("/products/<sku>")
def get_product(sku: str) -> Response:
    return ok(product_view(use_cases().catalogue.get(path_sku(sku))))


@routes.patch("/products/<sku>")
def change_product(sku: str) -> Response:
    fields = load(ProductChange, json_body())
    change = inbound.ChangeProduct(path_sku(sku), fields.get("name"), fields.get("price"))
    return ok(product_view(use_cases().catalogue.change(change)))


@routes.post("/products/<sku>/restock")
def restock(sku: str) -> Response:
    fields = load(Restock, json_body())
    return ok(product_view(use_cases().catalogue.restock(inbound.Restock(path_sku(sku), **fields))))
