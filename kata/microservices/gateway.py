"""The edge of the variant: the contract's catalogue endpoints, passed through to inventory.

The public contract is served on one port. Orders, payments and the feed are the ordering
service's own routes; ``/products`` and everything under it belong to inventory, so they are
forwarded as they are — method, path, query, body, and the answer's status, headers and
body — through the same proxy, with its timeout and circuit breaker. Inventory answers the
contract's problems itself (422, 404, 405 with ``Allow``…); when it does not answer, the
gateway says 503 ``service-unavailable`` with ``Retry-After``.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from kata.microservices.ordering.adapters.inventory_http import HttpInventory

routes = Blueprint("gateway", __name__)
UPSTREAM = "kata.inventory_upstream"
# Request headers inventory needs to judge the request as the client sent it.
_PASSED_ON = ("Content-Type", "Accept")
# Answer headers the contract speaks of.
_PASSED_BACK = ("Content-Type", "Location", "Allow", "Retry-After")
_MAX_BODY_BYTES = 64 * 1024  # more than this is inventory's 413 to say; never read whole


@routes.route("/products", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@routes.route("/products/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def catalogue(rest: str | None = None) -> Response:
    upstream: HttpInventory = current_app.extensions[UPSTREAM]
    path = request.full_path if request.query_string else request.path
    headers = {name: request.headers[name] for name in _PASSED_ON if name in request.headers}
    body = request.stream.read(_MAX_BODY_BYTES + 1)
    answer = upstream.forward(request.method, path, headers, body)
    kept = {name: answer.headers[name] for name in _PASSED_BACK if name in answer.headers}
    return Response(answer.content, answer.status_code, headers=kept)
