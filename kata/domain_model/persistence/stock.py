"""Stock written set-based: one versioned ``UPDATE`` for every product a flush would write.

The ORM's optimistic lock (``version_id_col``) writes each changed product on its own,
``UPDATE … WHERE sku = ? AND version = ?``: SQLAlchemy never batches versioned rows, so
placing, cancelling or failing the payment of an order of 20 lines cost 20 round trips.
Before every flush, this writes the stock of all changed products in one statement, under
the same lock: each row must still have the version it was read at. If any moved on, fewer
rows match than products changed, and the whole unit of work loses the race (and runs again).
The domain does not know: products still just ``reserve`` and ``release``.

It listens to ``before_flush`` rather than being a step of ``commit``: an autoflush (any
statement the session runs after a change) would otherwise write the products row by row first.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Integer, String, Table, Update, bindparam, case, tuple_, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import get_history, set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from kata.domain_model.domain.product import Product

# Declarative classes type their table as any FROM clause; Product's is a Table.
products = cast(Table, Product.__table__)


def write_stock(session: Session, _flush: Any, _instances: Any) -> None:
    """A ``before_flush`` listener: write the stock that moved, then tell the ORM it is saved."""
    moved = [item for item in session.dirty if isinstance(item, Product) and _stock_moved(item)]
    if not moved:
        return
    values: dict[str, Any] = {"read_at": [(product.sku, product._version) for product in moved]}
    for n, product in enumerate(moved):
        values[f"sku_{n}"] = product.sku
        values[f"stock_{n}"] = product.stock
    written = session.connection().execute(_WRITING[len(moved)], values)
    if written.rowcount != len(moved):
        stale = len(moved) - written.rowcount
        raise StaleDataError(f"{stale} of {len(moved)} products changed since they were read.")
    for product in moved:  # the rows hold these values now: nothing left for the ORM to write
        set_committed_value(product, "_stock", product.stock)
        set_committed_value(product, "_version", product._version + 1)


def _writing(products_moved: int) -> Update:
    """The UPDATE for that many products: its CASE has a WHEN each."""
    whens: dict[Any, Any] = {
        bindparam(f"sku_{n}", type_=String): bindparam(f"stock_{n}", type_=Integer)
        for n in range(products_moved)
    }
    read_at = tuple_(products.c.sku, products.c.version)
    return (
        update(products)
        .where(read_at.in_(bindparam("read_at", expanding=True)))
        .values(stock=case(whens, value=products.c.sku), version=products.c.version + 1)
    )


# Built at import for every number of products one order moves: 1 to 20 lines (O1).
_WRITING = {moved: _writing(moved) for moved in range(1, 21)}


def _stock_moved(product: Product) -> bool:
    # get_history reads the one attribute; inspect(product).attrs builds a view of them all.
    return get_history(product, "_stock").has_changes()
