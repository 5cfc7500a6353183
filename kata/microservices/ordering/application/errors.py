"""Refusals that are not domain rules: they come from running use cases."""

from __future__ import annotations


class ApplicationError(Exception):
    code = "application-error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class IdempotencyKeyReuse(ApplicationError):
    code = "idempotency-key-reuse"


class ConcurrentModification(ApplicationError):
    code = "concurrent-modification"
