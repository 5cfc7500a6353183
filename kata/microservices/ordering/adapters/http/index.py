"""The service described to its clients: an index of its paths, and the contract it keeps.

``GET /`` shows :data:`LINKS` as JSON, or to a browser as :func:`index_page`;
``GET /openapi.yaml`` serves :func:`openapi_document`, docs/openapi.yaml as the ``kata``
package ships it (package data), so an installed copy serves it too.
"""

from __future__ import annotations

import html
from functools import cache
from importlib import resources

# Every path of the contract (spec section 5), named as the Index schema of
# docs/openapi.yaml names them: the same names and paths in every variant.
LINKS = {
    "index": "/",
    "openapi": "/openapi.yaml",
    "health": "/health",
    "products": "/products",
    "product": "/products/{sku}",
    "restock": "/products/{sku}/restock",
    "orders": "/orders",
    "order": "/orders/{id}",
    "order_line": "/orders/{id}/lines/{sku}",
    "cancellation": "/orders/{id}/cancellation",
    "shipment": "/orders/{id}/shipment",
    "payment_events": "/payment-events",
    "events": "/events",
}

_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{title}</title></head>
<body>
<h1>{title}</h1>
<ul>
{items}
</ul>
</body>
</html>
"""


def index_page(variant: str) -> str:
    """The index as an HTML page: one link per path."""
    items = "\n".join(
        f'<li><a href="{html.escape(path)}"><code>{html.escape(path)}</code></a> {name}</li>'
        for name, path in LINKS.items()
    )
    return _PAGE.format(title=html.escape(f"Ordering kata: {variant}"), items=items)


@cache
def openapi_document() -> bytes:
    """docs/openapi.yaml as the package ships it, read on first use."""
    return resources.files("kata").joinpath("openapi.yaml").read_bytes()
