"""Refusals of the inbound ports that are not domain rules (those are ``domain.errors``)."""

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
