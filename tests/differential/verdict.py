"""Which spec rules a disagreement concerns, and the failure message that names them.

Rule ids are those of /work/shared/spec/ordering.md (P1-P4, O1-O12) plus the names the
acceptance suite uses for sections without numbered rules (values, events, http).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tests.differential.normalise import Seen

# The rules each command of the machine exercises (keyed by the machine's rule names).
COMMAND_RULES: dict[str, tuple[str, ...]] = {
    "stock_shelves": ("P1",),
    "register_product": ("P1", "P2", "values"),
    "restock": ("P3",),
    "reprice": ("P1", "P4", "values"),
    "place_order": ("O1", "O2", "O3", "O4", "O5", "O6", "O12"),
    "replay_order": ("O12",),
    "put_line": ("O1", "O2", "O3", "O4", "O5", "O9"),
    "delete_line": ("O4", "O9"),
    "pay": ("O7", "O10"),
    "fail_payment": ("O7", "O8", "O10"),
    "cancel": ("O7", "O8"),
    "ship": ("O7", "O11"),
    "get_order": ("O2", "O4"),
    "poke_unknown_order": ("values", "http"),
    "list_orders": ("http",),
    "list_products": ("P1",),
    "get_product": ("P1",),
    "read_events": ("events",),
}

# The rules behind each problem code of the spec's section 5.
PROBLEM_RULES: dict[str, tuple[str, ...]] = {
    "malformed-request": ("values",),
    "unsupported-media-type": ("values",),
    "payload-too-large": ("http",),
    "method-not-allowed": ("http",),
    "not-found": ("http",),
    "validation-error": ("values",),
    "duplicate-sku": ("P2",),
    "stock-limit-exceeded": ("P3",),
    "insufficient-stock": ("O3", "O9"),
    "unknown-product": ("O3", "O9"),
    "order-limit-exceeded": ("O5",),
    "too-many-open-orders": ("O6",),
    "invalid-state": ("O7",),
    "too-many-lines": ("O9",),
    "last-line": ("O9",),
    "payment-mismatch": ("O10",),
    "idempotency-key-reuse": ("O12",),
    "concurrent-modification": ("concurrency",),
    "internal-error": ("http",),
}

# The rules behind a member of a product, an order or an event whose value differs.
MEMBER_RULES: dict[str, tuple[str, ...]] = {
    "status": ("http",),  # the reply's status; an order's status is handled below
    "content_type": ("http",),
    "location": ("http",),
    "subtotal": ("O4",),
    "discount": ("O4",),
    "total": ("O4", "O5"),
    "line_total": ("O4",),
    "unit_price": ("O2", "P4"),
    "price": ("P1", "P4"),
    "name": ("P1",),
    "stock": ("P1", "P3", "O3", "O8"),
    "lines": ("O1", "O9"),
    "quantity": ("O1", "O9"),
    "customer_id": ("O1",),
    "payment_id": ("O10",),
    "cancel_reason": ("O8",),
    "refund_due": ("O7",),
    "skus": ("O3",),
    "errors": ("values",),
    "seq": ("events",),
    "occurred_at": ("events",),
    "data": ("events",),
    "events": ("events",),
    "event": ("events",),
    "events_in_log": ("events",),
    "reason": ("events", "O8"),
    "amount": ("events", "O10"),
}
ORDER_STATUS_RULES = ("O7",)

_ORDERING = (
    [f"P{n}" for n in range(1, 5)]
    + [f"O{n}" for n in range(1, 13)]
    + ["values", "events", "http", "precedence", "concurrency"]
)


def sort_rules(rules: Iterable[str]) -> list[str]:
    rank = {rule: index for index, rule in enumerate(_ORDERING)}
    return sorted(set(rules), key=lambda rule: (rank.get(rule, len(rank)), rule))


class VariantsDiffer(AssertionError):
    """Two variants answered one command differently."""


@dataclass(frozen=True)
class Disagreement:
    """What one command got from the reference variant and from another one."""

    command: str
    request: str
    reference: str
    other: str
    expected: Seen
    actual: Seen
    what: str = "reply"  # or what was compared after the command: "the event log", ...

    def paths(self) -> list[tuple[str, ...]]:
        return list(differing_paths(self.expected.as_json(), self.actual.as_json(), ()))

    def suspects(self) -> list[tuple[str, tuple[str, ...]]]:
        """(reason, rules) pairs: the problem codes, then the members that differ."""
        found: list[tuple[str, tuple[str, ...]]] = []
        codes = [seen.problem for seen in (self.expected, self.actual) if seen.problem]
        for code in dict.fromkeys(codes):
            found.append((f"problem {code}", PROBLEM_RULES.get(code, ("http",))))
        for path in self.paths():
            rules = _member_rules(path, problem=bool(codes))
            if rules:
                found.append(("." + ".".join(path), rules))
        return found

    def message(self) -> str:
        command_rules = COMMAND_RULES.get(self.command, ())
        suspects = self.suspects()
        rules = sort_rules(rule for _, found in suspects for rule in found) or list(command_rules)
        command = f"{self.command} ({' '.join(command_rules)})"
        what = (
            f"the reply to {command}" if self.what == "reply" else f"after {command}, {self.what}"
        )
        lines = [
            f"variants disagree on rule(s) {' '.join(rules)}: {what} differs between "
            f"{self.reference} and {self.other}",
            "  because: "
            + (
                "; ".join(f"{reason} -> {' '.join(found)}" for reason, found in suspects[:8])
                or "the command's rules (no problem code or known member differs)"
            ),
            f"  request: {self.request}",
            f"  {self.reference}: {_one_line(self.expected)}",
            f"  {self.other}: {_one_line(self.actual)}",
            f"  diff ({self.reference} -> {self.other}):",
            *("    " + line for line in self.diff()),
        ]
        return "\n".join(lines)

    def diff(self, limit: int = 40) -> list[str]:
        lines = list(
            difflib.unified_diff(
                self.expected.render().splitlines(),
                self.actual.render().splitlines(),
                self.reference,
                self.other,
                n=1,
                lineterm="",
            )
        )
        return lines if len(lines) <= limit else [*lines[:limit], "..."]


def _one_line(seen: Seen, limit: int = 700) -> str:
    text = json.dumps(seen.as_json(), sort_keys=True, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "..."


def _member_rules(path: tuple[str, ...], *, problem: bool) -> tuple[str, ...]:
    if problem and path in {("status",), ("content_type",), ("body", "type"), ("body", "status")}:
        return ()  # the problem codes name the rules already
    names = [part for part in path if not part.isdigit()]
    if not names:
        return ()
    last = names[-1]
    if last == "status" and len(names) > 1:
        return ORDER_STATUS_RULES  # an order's status, not the reply's
    if {"events", "event", "data"} & set(names):
        return tuple(sort_rules(("events", *MEMBER_RULES.get(last, ()))))
    return MEMBER_RULES.get(last, ())


def differing_paths(left: Any, right: Any, path: tuple[str, ...]) -> Iterable[tuple[str, ...]]:
    """The JSON paths at which ``left`` and ``right`` differ (a missing member counts)."""
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right)):
            if key not in left or key not in right:
                yield (*path, key)
            else:
                yield from differing_paths(left[key], right[key], (*path, key))
    elif isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        for index, (one, other) in enumerate(zip(left, right, strict=True)):
            yield from differing_paths(one, other, (*path, str(index)))
    elif left != right or type(left) is not type(right):
        yield path


def first_difference(sides: Sequence[Seen]) -> int | None:
    """The index of the first reply that differs from the first one, if any."""
    first = canonical(sides[0])
    for index, seen in enumerate(sides[1:], start=1):
        if canonical(seen) != first:
            return index
    return None


def canonical(seen: Seen) -> str:
    """Strict equality: ``true`` is not ``1`` and ``1`` is not ``1.0`` (as ``==`` would say)."""
    return json.dumps(seen.as_json(), sort_keys=True, ensure_ascii=False)
