"""Domain errors: the rules the model refuses to break, one exception each.

Each carries the spec's problem ``code``; the presentation layer picks the HTTP status.
"""

from __future__ import annotations

from collections.abc import Iterable


class DomainError(Exception):
    """A rule refused a change; the unit of work rolls back and nothing changes."""

    code = "domain-error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    code = "not-found"


class DuplicateSku(DomainError):
    code = "duplicate-sku"


class StockLimitExceeded(DomainError):
    code = "stock-limit-exceeded"


class InvalidState(DomainError):
    code = "invalid-state"


class TooManyOpenOrders(DomainError):
    code = "too-many-open-orders"


class TooManyLines(DomainError):
    code = "too-many-lines"


class LastLine(DomainError):
    code = "last-line"


class OrderLimitExceeded(DomainError):
    code = "order-limit-exceeded"


class PaymentMismatch(DomainError):
    code = "payment-mismatch"


class SkusError(DomainError):
    """A refusal about some SKUs, listed sorted as the spec asks."""

    def __init__(self, detail: str, skus: Iterable[str]) -> None:
        super().__init__(detail)
        self.skus = sorted(skus)


class UnknownProduct(SkusError):
    code = "unknown-product"


class InsufficientStock(SkusError):
    code = "insufficient-stock"
