"""The API proxy: the ``Inventory`` port over HTTP, resilient by kept libraries.

- **Timeouts** on every call (httpx): a slow inventory costs a request seconds, not minutes.
- **Bounded retries with backoff** (tenacity): every call is idempotent (a quote reads; a hold
  *sets* a reservation at a version; a forwarded write carries a request id inventory applies
  once), so a call that failed in transit is sent again, three times at most, with jittered
  exponential pauses.
- **A circuit breaker** (pybreaker): after five calls in a row fail, the circuit opens and every
  call fails at once for ten seconds (503, ``Retry-After``), instead of each request waiting
  out a timeout while inventory is down; then one trial call closes it again if inventory is
  back. A refusal (a 4xx problem) is an answer, not a failure: it never trips the breaker.
- **Problem answers mapped**: 409 ``insufficient-stock`` and 422 ``unknown-product`` become the
  domain's refusals, with their SKUs; anything else inventory says is its failure.

A call that never reached inventory (refused connection, open circuit) raises
``InventoryUnavailable``: nothing happened there. One whose answer was lost (a timeout, a 5xx)
raises ``InventoryUncertain``: the saga compensates it. The gateway's catalogue writes are
the proxy's to settle (:meth:`HttpInventory.forward`): one whose answer was lost is withdrawn.
"""

from __future__ import annotations

import logging
import uuid
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
log = logging.getLogger(__name__)

# httpx logs every call at INFO: the service's own access line per request is enough.
logging.getLogger("httpx").setLevel(logging.WARNING)

TIMEOUT = httpx.Timeout(5.0, connect=1.0)  # seconds; connect fails fast when nobody listens
ATTEMPTS = 3
FAILURES_TO_OPEN = 5
SECONDS_OPEN = 10.0
REQUEST_ID = "Request-Id"  # inventory's own API, not the contract: a forwarded write's id
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


class _Failed(Exception):
    """A call inventory did not answer properly: counts for the breaker, and is retried."""

    def __init__(self, detail: str, *, sent: bool, answer: httpx.Response | None = None) -> None:
        super().__init__(detail)
        self.sent = sent  # the request may have been taken
        self.answer = answer


class _GaveUp(Exception):
    """Every try failed; ``taken``: at least one may have been carried out."""

    def __init__(self, failure: Exception, *, taken: bool) -> None:
        super().__init__(str(failure))
        self.taken = taken
        self.answer = failure.answer if isinstance(failure, _Failed) else None


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
        self._owe: Callable[[str], None] = _owed_to_nobody

    def prices(self, skus: Iterable[str]) -> dict[str, Money]:
        answer = self._call("POST", "/quotes", {"skus": sorted(skus)})
        return {sku: Money(Decimal(price)) for sku, price in answer["prices"].items()}

    def hold(self, reservation: str, version: int, lines: Mapping[str, int]) -> None:
        body = {"version": version, "lines": dict(lines)}
        self._call("PUT", f"/reservations/{reservation}", body)

    def withdraw(self, write: str) -> bool:
        try:
            answer = self._withdrawal(write)
        except _GaveUp as failure:
            raise _unavailable(failure, taken=failure.taken) from failure
        return answer.status_code == 204

    def leave_withdrawals_to(self, owe: Callable[[str], None]) -> None:
        """Who keeps the withdrawals :meth:`forward` could not make, for recovery to make
        them (the ordering service, in its own database)."""
        self._owe = owe

    def forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> httpx.Response:
        """A request passed through as it is (the gateway's part: the catalogue), and sent
        again when it fails, like every call: a read changes nothing, and a write carries a
        request id (``Request-Id``) that inventory applies once however often it arrives.

        A write that may have been taken and was never answered is *withdrawn*: inventory
        undoes it, or refuses a late copy of it, and the answer is 503, nothing changed; or
        the write stands, something having relied on it since, and its own answer is given
        after all. A withdrawal inventory does not answer either is owed (see
        :meth:`leave_withdrawals_to`): 503, and recovery withdraws it once inventory answers.
        """
        write = None if method in _READS else uuid.uuid4().hex
        sent = headers if write is None else {**headers, REQUEST_ID: write}
        try:
            return self._retried(lambda: self._request(method, path, headers=sent, content=body))
        except _GaveUp as failure:
            if write is not None and failure.taken:
                return self._withdrawn(write, failure)
            if failure.answer is not None and _is_problem(failure.answer):
                # Inventory's own 500 internal-error, which says nothing of the failure: the
                # variant's internal error, passed on as the contract has it.
                return failure.answer
            raise _unavailable(failure, taken=failure.taken) from failure

    def close(self) -> None:
        self._client.close()

    def _withdrawn(self, write: str, failure: _GaveUp) -> httpx.Response:
        """Withdraw a forwarded write: 503 when nothing of it is left; its answer if it stands."""
        try:
            answer = self._withdrawal(write)
        except _GaveUp as unanswered:
            self._owe(write)
            raise InventoryUncertain(
                f"The inventory service did not answer: {failure}; the write {write} will be "
                f"withdrawn when it does ({unanswered})"
            ) from unanswered
        if answer.status_code == 204:
            raise InventoryUnavailable(f"The inventory service did not answer: {failure}")
        return answer

    def _withdrawal(self, write: str) -> httpx.Response:
        """204 (nothing of the write is left) or the write's own answer (it stands)."""
        answer = self._retried(lambda: self._request("POST", f"/writes/{write}/withdrawal"))
        if answer.status_code not in (200, 201, 204):  # a refusal: the withdrawal is not made
            refused = f"inventory refused to withdraw {write}: {answer.status_code}"
            raise _GaveUp(InventoryUncertain(refused), taken=True)
        return answer

    def _call(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            return self._retried(lambda: self._send(method, path, body))
        except _GaveUp as failure:
            raise _unavailable(failure, taken=failure.taken) from failure

    def _retried(self, send: Callable[[], T]) -> T:
        """``send`` through the breaker, again if it failed (three tries at most); raises
        :class:`_GaveUp` when no try succeeded, saying whether one may have been taken."""
        retrying = Retrying(
            retry=retry_if_exception_type(_Failed),
            stop=stop_after_attempt(ATTEMPTS),
            wait=wait_random_exponential(multiplier=0.05, max=0.5),
            reraise=True,
        )
        taken = False

        def attempt() -> T:
            nonlocal taken
            try:
                return self.breaker.call(send)
            except _Failed as failure:
                taken = taken or failure.sent
                raise

        try:
            return retrying(attempt)
        except (pybreaker.CircuitBreakerError, _Failed) as failure:
            raise _GaveUp(failure, taken=taken) from failure

    def _send(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self._request(method, path, json=body)
        answer: dict[str, Any] = response.json()
        if response.status_code >= 400:
            _refuse(answer)
        return answer

    def _request(self, method: str, path: str, **sent: Any) -> httpx.Response:
        """One try: inventory's answer, or :class:`_Failed` (a 5xx is a failure, whatever
        it says)."""
        try:
            response = self._client.request(method, path, **sent)
        except httpx.ConnectError as error:
            raise _Failed(f"inventory refused the connection: {error}", sent=False) from error
        except httpx.TransportError as error:
            raise _Failed(f"inventory did not answer in time: {error}", sent=True) from error
        if response.status_code >= 500:
            raise _Failed(f"inventory answered {response.status_code}", sent=True, answer=response)
        return response


def _refuse(problem: dict[str, Any]) -> None:
    """Inventory's refusal as the domain's own (it counts as an answer, not a failure)."""
    code = str(problem.get("type", "")).rpartition(":")[2]
    if code == "insufficient-stock":
        raise InsufficientStock(problem["detail"], problem.get("skus", []))
    if code == "unknown-product":
        raise UnknownProduct(problem["detail"], problem.get("skus", []))
    raise InventoryUncertain(f"inventory refused a call it should take: {problem}")


def _owed_to_nobody(write: str) -> None:
    log.error("the write %s may stand though it was answered 503: nobody keeps withdrawals", write)


def _is_problem(answer: httpx.Response) -> bool:
    content_type: str = answer.headers.get("Content-Type", "")
    return content_type.startswith("application/problem+json")


def _unavailable(failure: Exception, *, taken: bool) -> InventoryUnavailable:
    if taken:
        return InventoryUncertain(f"The inventory service did not answer: {failure}")
    return InventoryUnavailable(f"The inventory service is unavailable: {failure}")
