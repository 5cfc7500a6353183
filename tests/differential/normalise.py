"""What may legitimately differ between two variants' replies, taken out before comparing.

* Order ids are UUIDs the server makes: each variant's ids become ordinal aliases
  (``<order 1>``, ``<order 2>``, ...) in the order the test first sees them, and aliases in
  requests become that variant's own ids again.
* Timestamps (``created_at``, ``occurred_at``) become ``<timestamp>``: present, not compared.
* A problem's ``title`` and ``detail`` are free text: ``<text>``. ``errors`` is compared
  whole, messages included (every variant words them alike). The spec fixes only the fields
  messages are reported under, not their wording: should a variant word them differently,
  :data:`COMPARE_ERROR_MESSAGES` ``= False`` turns each list of messages into ``<messages>``
  and keeps comparing the field paths.
* Event ``seq`` values may have gaps: each becomes its rank in that variant's whole log
  (``<event 3>`` is the third event ever recorded), so the order is compared, not the numbers.

Everything else (status, media type, ``Location``, every other member) must be equal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tests.acceptance.driver import Reply

COMPARE_ERROR_MESSAGES = True

TIMESTAMP_KEYS = frozenset({"created_at", "occurred_at"})
ORDER_ID_KEYS = frozenset({"id", "order_id"})
FREE_TEXT_KEYS = frozenset({"title", "detail"})
PROBLEM_MEDIA_TYPE = "application/problem+json"

_ALIAS = re.compile(r"<order \d+>")
_ORDER_LOCATION = re.compile(r"^(?P<prefix>.*/orders/)(?P<id>[^/?#]+)$")


class Aliases:
    """One variant's order ids, named ``<order N>`` in the order they were first seen."""

    def __init__(self) -> None:
        self._alias_of: dict[str, str] = {}
        self._id_of: dict[str, str] = {}

    def alias(self, order_id: str) -> str:
        known = self._alias_of.get(order_id)
        if known is None:
            known = f"<order {len(self._alias_of) + 1}>"
            self._alias_of[order_id] = known
            self._id_of[known] = order_id
        return known

    def real(self, alias: str) -> str:
        """The id behind ``alias``; anything that is not an alias is sent as it is."""
        return self._id_of.get(alias, alias)

    def translate(self, text: str) -> str:
        """``text`` with every alias in it replaced by this variant's id."""
        return _ALIAS.sub(lambda match: self.real(match.group(0)), text)

    def translate_value(self, value: Any) -> Any:
        """A JSON value with every string that is an alias replaced by this variant's id."""
        if isinstance(value, str):
            return self.real(value) if _ALIAS.fullmatch(value) else value
        if isinstance(value, list):
            return [self.translate_value(item) for item in value]
        if isinstance(value, dict):
            return {key: self.translate_value(item) for key, item in value.items()}
        return value


@dataclass(frozen=True)
class Seen:
    """A reply with what legitimately differs taken out: the thing that is compared."""

    status: int
    content_type: str
    location: str | None
    body: Any

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "content_type": self.content_type,
            "location": self.location,
            "body": self.body,
        }

    def render(self) -> str:
        return json.dumps(self.as_json(), indent=2, sort_keys=True, ensure_ascii=False)

    @property
    def problem(self) -> str | None:
        if self.content_type != PROBLEM_MEDIA_TYPE or not isinstance(self.body, dict):
            return None
        kind = self.body.get("type")
        return kind.removeprefix("urn:kata:problem:") if isinstance(kind, str) else None


def normalise(reply: Reply, aliases: Aliases, ranks: Mapping[int, int] | None = None) -> Seen:
    """``reply`` as comparable data; ``ranks`` maps event seqs to ranks (event replies)."""
    location = reply.headers.get("location")
    if location is not None:
        match = _ORDER_LOCATION.match(location)
        if match:
            location = match.group("prefix") + aliases.alias(match.group("id"))
    return Seen(
        status=reply.status,
        content_type=reply.content_type,
        location=location,
        body=normalise_body(reply, aliases, ranks),
    )


def normalise_body(reply: Reply, aliases: Aliases, ranks: Mapping[int, int] | None) -> Any:
    if not reply.body:
        return None
    try:
        body = json.loads(reply.body)
    except ValueError:
        return {"<not JSON>": reply.body[:300].decode("utf-8", "replace")}
    body = _walk(body, aliases, ranks)
    if reply.content_type == PROBLEM_MEDIA_TYPE and isinstance(body, dict):
        body = {key: _problem_member(key, value) for key, value in body.items()}
    return body


def normalise_event(event: Any, aliases: Aliases, ranks: Mapping[int, int]) -> Any:
    return _walk(event, aliases, ranks)


def _problem_member(key: str, value: Any) -> Any:
    if key in FREE_TEXT_KEYS and isinstance(value, str):
        return "<text>"
    if key == "errors" and not COMPARE_ERROR_MESSAGES:
        return _error_fields(value)
    return value


def _error_fields(errors: Any) -> Any:
    """``errors`` with each list of messages replaced by ``<messages>``: the fields remain."""
    if isinstance(errors, dict):
        return {key: _error_fields(value) for key, value in errors.items()}
    if isinstance(errors, list) and errors and all(isinstance(item, str) for item in errors):
        return "<messages>"
    return errors


def _walk(value: Any, aliases: Aliases, ranks: Mapping[int, int] | None) -> Any:
    if isinstance(value, list):
        return [_walk(item, aliases, ranks) for item in value]
    if not isinstance(value, dict):
        return value
    result: dict[str, Any] = {}
    for key, item in value.items():
        if key in TIMESTAMP_KEYS and isinstance(item, str):
            result[key] = "<timestamp>"
        elif key in ORDER_ID_KEYS and isinstance(item, str):
            result[key] = aliases.alias(item)
        elif key == "seq" and ranks is not None and type(item) is int:
            rank = ranks.get(item)
            result[key] = f"<event {rank}>" if rank is not None else f"<seq {item} not in log>"
        else:
            result[key] = _walk(item, aliases, ranks)
    return result
