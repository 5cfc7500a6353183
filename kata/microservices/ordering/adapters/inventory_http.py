"""The API proxy: the ``Inventory`` port over HTTP, resilient by kept libraries.

- **Timeouts** on every call (httpx): a slow inventory costs a request seconds, not minutes.
- **Bounded retries with backoff** (tenacity): every call is idempotent (a quote reads; a hold
  *sets* a reservation at a version), so a call that failed in transit is sent again, three
  times at most, with jittered exponential pauses.
- **A circuit breaker** (pybreaker): after five calls in a row fail, the circuit opens and every
  call fails at once for ten seconds (503, ``Retry-After``), instead of each request waiting
  out a timeout while inventory is down; then one trial call closes it again if inventory is
  back. A refusal (a 4xx problem) is an answer, not a failure: it never trips the breaker.
- **Problem answers mapped**: 409 ``insufficient-stock`` and 422 ``unknown-product`` become the
  domain's refusals, with their SKUs; anything else inventory says is its failure.

A call that never reached inventory (refused connection, open circuit) raises
``InventoryUnavailable``: nothing happened there. One whose answer was lost (a timeout, a 5xx)
raises ``InventoryUncertain``: the saga compensates it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

import httpx
import pybreaker
from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from kata.microservices.ordering.application.ports import (
    InventoryUnavailable,
    InventoryUncertain,
)
from kata.microservices.ordering.domain.errors import (
    DomainError,
    InsufficientStock,
    UnknownProduct,
)
from kata.microservices.ordering.domain.money import Money

T = TypeVar("T")

# httpx logs every call at INFO: the service's own access line per request is enough.
logging.getLogger("httpx").setLevel(logging.WARNING)

TIMEOUT = httpx.Timeout(5.0, connect=1.0)  # seconds; connect fails fast when nobody listens
ATTEMPTS = 3
FAILURES_TO_OPEN = 5
SECONDS_OPEN = 10.0


class _Failed(Exception):
    """A call inventory did not answer properly: counts for the breaker, and is retried."""

    def __init__(self, detail: str, *, sent: bool, answer: httpx.Response | None = None) -> None:
        super().__init__(detail)
        self.sent = sent  # the request may have been taken
        self.answer = answer


class _Breaker(pybreaker.CircuitBreaker):
    """pybreaker's circuit breaker, whose ``call`` holds the breaker's lock for as long as
    the call takes (pybreaker issue 55): every request to inventory would wait for the one
    before, for its timeouts when inventory hangs. Here calls run side by side; the state
    changes (open, half-open, close) still take the lock."""

    def call(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return self.state.call(func, *args, **kwargs)


class HttpInventory:
    def __init__(self, base_url: str, client: httpx.Client | None = None) -> None:
        self._client = client or httpx.Client(base_url=base_url, timeout=TIMEOUT)
        self.breaker = _Breaker(
            fail_max=FAILURES_TO_OPEN,
            reset_timeout=SECONDS_OPEN,
            exclude=[DomainError, InventoryUnavailable],  # answers, not failures
            name="inventory",
            throw_new_error_on_trip=False,  # the call that trips it keeps its own failure
        )

    def prices(self, skus: Iterable[str]) -> dict[str, Money]:
        answer = self._call("POST", "/quotes", {"skus": sorted(skus)})
        return {sku: Money(Decimal(price)) for sku, price in answer["prices"].items()}

    def hold(self, reservation: str, version: int, lines: Mapping[str, int]) -> None:
        body = {"version": version, "lines": dict(lines)}
        self._call("PUT", f"/reservations/{reservation}", body)

    def forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> httpx.Response:
        """A request passed through as it is (the gateway's part: the catalogue)."""

        def send() -> httpx.Response:
            try:
                answer = self._client.request(method, path, headers=headers, content=body)
            except httpx.TransportError as error:
                raise _Failed(str(error), sent=not isinstance(error, httpx.ConnectError)) from error
            if answer.status_code >= 500:  # a failure for the breaker, whatever it says
                raise _Failed(f"inventory answered {answer.status_code}", sent=True, answer=answer)
            return answer

        try:
            return self.breaker.call(send)
        except _Failed as failure:
            if failure.answer is not None and _is_problem(failure.answer):
                # Inventory's own 500 internal-error, which says nothing of the failure: the
                # variant's internal error, passed on as the contract has it.
                return failure.answer
            raise _unavailable(failure, taken=failure.sent) from failure
        except pybreaker.CircuitBreakerError as failure:
            raise _unavailable(failure, taken=False) from failure

    def close(self) -> None:
        self._client.close()

    def _call(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        retrying = Retrying(
            retry=retry_if_exception_type(_Failed),
            stop=stop_after_attempt(ATTEMPTS),
            wait=wait_random_exponential(multiplier=0.05, max=0.5),
            reraise=True,
        )
        sent: list[bool] = []  # per attempt: may it have been taken?

        def attempt() -> dict[str, Any]:
            try:
                return self.breaker.call(self._send, method, path, body)
            except _Failed as failure:
                sent.append(failure.sent)
                raise

        try:
            answer: dict[str, Any] = retrying(attempt)
        except (pybreaker.CircuitBreakerError, _Failed) as failure:
            raise _unavailable(failure, taken=any(sent)) from failure
        return answer

    def _send(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._client.request(method, path, json=body)
        except httpx.ConnectError as error:
            raise _Failed(f"inventory refused the connection: {error}", sent=False) from error
        except httpx.TransportError as error:
            raise _Failed(f"inventory did not answer in time: {error}", sent=True) from error
        if response.status_code >= 500:
            raise _Failed(f"inventory answered {response.status_code}", sent=True)
        answer: dict[str, Any] = response.json()
        if response.status_code >= 400:
            _refuse(answer)
        return answer


def _refuse(problem: dict[str, Any]) -> None:
    """Inventory's refusal as the domain's own (it counts as an answer, not a failure)."""
    code = str(problem.get("type", "")).rpartition(":")[2]
    if code == "insufficient-stock":
        raise InsufficientStock(problem["detail"], problem.get("skus", []))
    if code == "unknown-product":
        raise UnknownProduct(problem["detail"], problem.get("skus", []))
    raise InventoryUncertain(f"inventory refused a call it should take: {problem}")


def _is_problem(answer: httpx.Response) -> bool:
    content_type: str = answer.headers.get("Content-Type", "")
    return content_type.startswith("application/problem+json")


def _unavailable(failure: Exception, *, taken: bool) -> InventoryUnavailable:
    if taken:
        return InventoryUncertain(f"The inventory service did not answer: {failure}")
    return InventoryUnavailable(f"The inventory service is unavailable: {failure}")
