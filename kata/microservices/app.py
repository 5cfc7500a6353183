"""Composition: the two services, wired together over HTTP.

``create_app`` (the registry's factory, the one the shared suite uses) builds both services in
one process: inventory's app is reached through the same HTTP proxy, over httpx's WSGI
transport — real HTTP messages, no network. ``kata serve microservices`` runs them as two
processes instead (:func:`create_service`), inventory on a port of its own.

Given one database URL, each service keeps its own tables in it (``mi_``, ``mo_``) through its
own engine: two databases in one file or server, never a shared table or transaction.
"""

from __future__ import annotations

import httpx
from flask import Flask

from kata.microservices import gateway
from kata.microservices.inventory import service as inventory_service
from kata.microservices.ordering import service as ordering_service
from kata.microservices.ordering.adapters.inventory_http import TIMEOUT, HttpInventory

IN_PROCESS_INVENTORY = "http://inventory.in-process"


def create_app(database_url: str, inventory_database_url: str | None = None) -> Flask:
    """Both services in this process: the public app, with inventory behind the proxy."""
    inventory_app = inventory_service.create_app(inventory_database_url or database_url)
    client = httpx.Client(
        transport=httpx.WSGITransport(app=inventory_app),
        base_url=IN_PROCESS_INVENTORY,
        timeout=TIMEOUT,
    )
    app = public_app(database_url, HttpInventory(IN_PROCESS_INVENTORY, client))
    closes = [app.extensions["kata.close"], inventory_app.extensions["kata.close"], client.close]
    app.extensions["kata.close"] = lambda: [close() for close in closes]
    return app


def public_app(database_url: str, inventory: HttpInventory) -> Flask:
    """The ordering service, with the gateway that forwards the catalogue to inventory."""
    app = ordering_service.create_app(database_url, inventory)
    app.extensions[gateway.UPSTREAM] = inventory
    app.register_blueprint(gateway.routes)
    return app
