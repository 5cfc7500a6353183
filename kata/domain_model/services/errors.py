"""Refusals that are not domain rules: they come from running use cases over HTTP."""

from __future__ import annotations


class ServiceError(Exception):
    code = "service-error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class IdempotencyKeyReuse(ServiceError):
    code = "idempotency-key-reuse"


class ConcurrentModification(ServiceError):
    code = "concurrent-modification"
