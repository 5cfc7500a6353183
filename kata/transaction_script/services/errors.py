"""Why a script refused: one exception per problem code of the spec.

The presentation layer maps each ``code`` to an HTTP status; scripts never speak HTTP.
"""

from __future__ import annotations

from collections.abc import Iterable


class Refused(Exception):
    """A use case refused; the transaction rolled back and nothing changed."""

    code = "refused"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(Refused):
    code = "not-found"


class DuplicateSku(Refused):
    code = "duplicate-sku"


class StockLimitExceeded(Refused):
    code = "stock-limit-exceeded"


class InvalidState(Refused):
    code = "invalid-state"


class TooManyOpenOrders(Refused):
    code = "too-many-open-orders"


class TooManyLines(Refused):
    code = "too-many-lines"


class LastLine(Refused):
    code = "last-line"


class OrderLimitExceeded(Refused):
    code = "order-limit-exceeded"


class PaymentMismatch(Refused):
    code = "payment-mismatch"


class IdempotencyKeyReuse(Refused):
    code = "idempotency-key-reuse"


class ConcurrentModification(Refused):
    code = "concurrent-modification"


class _SkusRefused(Refused):
    """A refusal that names the SKUs it is about (sorted, as the spec asks)."""

    def __init__(self, detail: str, skus: Iterable[str]) -> None:
        super().__init__(detail)
        self.skus = sorted(skus)


class UnknownProduct(_SkusRefused):
    code = "unknown-product"


class InsufficientStock(_SkusRefused):
    code = "insufficient-stock"
