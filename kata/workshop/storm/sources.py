"""What the documents say: the OpenAPI contract and the domain as ``docs/domain.md`` retells it.

Every sticky's text comes from here, with the line it was read from, so the board can say
where each word on the wall was written. The spec itself is not kept in the repository;
``docs/domain.md`` retells it and ``docs/openapi.yaml`` is its machine-checked part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from kata import variants

ROOT = variants.REPO_ROOT
OPENAPI = ROOT / "docs" / "openapi.yaml"
DOMAIN = ROOT / "docs" / "domain.md"
WRITE_METHODS = ("post", "put", "patch", "delete")
_METHODS = ("get", *WRITE_METHODS)

# "(O1-O6, O12)" in a summary: rule ids, and ranges of them.
_RULE_RANGE = re.compile(r"\b([A-Z])(\d+)(?:-\1?(\d+))?\b")
_TABLE_ROW = re.compile(r"^\|\s*`?([A-Za-z0-9]+)`?\s*\|\s*(.+?)\s*\|")
_SENTENCE_END = re.compile(r"(?<=[.;])\s+(?=\S)")
_DECISION = re.compile(r"^- \*\*(?P<title>.+?)\*\*")


class SourceError(ValueError):
    """A document no longer says what the board is drawn from."""


@dataclass(frozen=True)
class Place:
    """A line of a file, from the repository's root: ``kata/aggregate/domain/order.py:141``."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"

    def text(self) -> str:
        """The line itself, stripped."""
        return _lines(self.path)[self.line - 1].strip()


@cache
def _lines(path: str) -> list[str]:
    return (ROOT / path).read_text(encoding="utf-8").splitlines()


def relative(path: Path) -> str:
    return path.resolve().relative_to(ROOT).as_posix()


@dataclass(frozen=True)
class Operation:
    """One operation of the OpenAPI document."""

    method: str  # lower case: "post"
    path: str  # "/orders/{id}/lines/{sku}"
    operation_id: str
    summary: str
    tags: tuple[str, ...]
    media_types: frozenset[str]  # of its 200/201 answer
    source: Place

    @property
    def writes(self) -> bool:
        return self.method in WRITE_METHODS

    @property
    def words(self) -> str:
        """``placeOrder`` -> ``Place order``."""
        spaced = re.sub(r"(?<!^)([A-Z])", r" \1", self.operation_id).lower()
        return spaced[:1].upper() + spaced[1:]

    @property
    def request(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def rules(self) -> tuple[str, ...]:
        """The rule ids the summary cites: ``(O1-O6, O12)`` -> O1, O2, ..., O6, O12."""
        cited = " ".join(re.findall(r"\(([^()]*)\)", self.summary))
        found: list[str] = []
        for letter, first, last in _RULE_RANGE.findall(cited):
            found += [f"{letter}{n}" for n in range(int(first), int(last or first) + 1)]
        return tuple(found)


@dataclass(frozen=True)
class Rule:
    id: str  # "O6"
    text: str
    group: str  # the heading it is listed under: "Orders"
    source: Place


@dataclass(frozen=True)
class Passage:
    """A sentence of the story, or a decision where the spec is silent."""

    title: str
    text: str
    source: Place


@cache
def openapi() -> dict[str, Any]:
    import yaml  # noqa: PLC0415  # a dependency of the workshop tools only (the compare extra)

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document: dict[str, Any] = yaml.load(
        OPENAPI.read_text(encoding="utf-8"), Loader=loader
    )  # a safe loader
    return document


def _openapi_line(needle: str) -> Place:
    for number, line in enumerate(_lines(relative(OPENAPI)), start=1):
        if needle in line:
            return Place(relative(OPENAPI), number)
    raise SourceError(f"{relative(OPENAPI)} no longer says {needle!r}")


def operations() -> list[Operation]:
    """Every operation of the contract, in the document's order."""
    found = []
    for path, item in openapi()["paths"].items():
        for method in (m for m in item if m in _METHODS):
            operation = item[method]
            answers = operation.get("responses", {})
            ok = answers.get("200") or answers.get("201") or {}
            found.append(
                Operation(
                    method=method,
                    path=path,
                    operation_id=operation["operationId"],
                    summary=operation.get("summary", ""),
                    tags=tuple(operation.get("tags", ())),
                    media_types=frozenset(ok.get("content", {})),
                    source=_openapi_line(f"operationId: {operation['operationId']}"),
                )
            )
    return found


def event_types() -> list[str]:
    """The events the contract publishes (``EventType``), checked against docs/domain.md's
    table: the two documents must name the same events."""
    published = list(openapi()["components"]["schemas"]["EventType"]["enum"])
    told = [event.title for event in events_told()]
    if sorted(published) != sorted(told):
        raise SourceError(
            f"docs/openapi.yaml's EventType {published} and docs/domain.md's Events table "
            f"{told} name different events"
        )
    return published


def event_data(event: str) -> list[str]:
    """The fields of an event's ``data`` (``<Event>Data`` in the contract)."""
    schema = openapi()["components"]["schemas"].get(f"{event}Data", {})
    return list(schema.get("properties", {}))


# --- docs/domain.md ---------------------------------------------------------------------------


def _section(heading: str) -> list[tuple[int, str]]:
    """The numbered lines of the ``## heading`` section of docs/domain.md."""
    lines = _lines(relative(DOMAIN))
    inside, found = False, []
    for number, line in enumerate(lines, start=1):
        if line.startswith("## "):
            inside = line[3:].strip() == heading
        elif inside:
            found.append((number, line))
    if not found:
        raise SourceError(f"docs/domain.md has no section {heading!r}")
    return found


def events_told() -> list[Passage]:
    """The Events table: each event's type and when it is recorded."""
    return [
        Passage(row[1], row[2], Place(relative(DOMAIN), number))
        for number, line in _section("Events")
        if (row := _TABLE_ROW.match(line)) and row[1][0].isupper() and row[1] != "type"
    ]


def rules() -> list[Rule]:
    """The rules, each under the ``###`` heading that groups it (Products, Orders)."""
    found, group = [], ""
    for number, line in _section("The rules"):
        if line.startswith("### "):
            group = line[4:].split("(")[0].strip()
        elif (row := _TABLE_ROW.match(line)) and row[1] != "id":
            found.append(Rule(row[1], row[2], group, Place(relative(DOMAIN), number)))
    return found


def story() -> list[Passage]:
    """The story's sentences, each with the line it starts on; the title is the paragraph's."""
    found: list[Passage] = []
    paragraph: list[tuple[int, str]] = []
    told = _section("The story")
    ends = next((i for i, (_, line) in enumerate(told) if line.startswith("### ")), len(told))
    for number, line in [*told[:ends], (0, "")]:  # the story, without its worked example
        if line.strip():
            paragraph.append((number, line))
            continue
        if paragraph:
            found += _sentences(paragraph)
        paragraph = []
    return found


def _sentences(paragraph: list[tuple[int, str]]) -> list[Passage]:
    text = " ".join(line.strip() for _, line in paragraph)
    title = re.match(r"\*\*(.+?)\*\*", text)
    starts, offset = [], 0
    for number, line in paragraph:  # where each line begins in the joined text
        starts.append((offset, number))
        offset += len(line.strip()) + 1
    found, at = [], 0
    for sentence in _SENTENCE_END.split(text):
        at = text.index(sentence, at)
        begins = max(number for start, number in starts if start <= at)
        heading = title[1].rstrip(".") if title else ""
        told = sentence.removeprefix(title[0]).strip() if title else sentence
        found.append(Passage(heading, told, Place(relative(DOMAIN), begins)))
        at += len(sentence)
    return found


def decisions() -> list[Passage]:
    """The "Decisions where the spec is silent", each bullet with its bold title."""
    found: list[Passage] = []
    for number, line in _section("Decisions where the spec is silent"):
        if bullet := _DECISION.match(line):
            place = Place(relative(DOMAIN), number)
            found.append(Passage(_plain(bullet["title"]), line[2:], place))
        elif found and line.startswith("  "):
            last = found[-1]
            found[-1] = Passage(last.title, f"{last.text} {line.strip()}", last.source)
    return found


def _plain(markdown: str) -> str:
    """Markdown emphasis and code marks dropped: ``**`seq`**`` -> ``seq``."""
    return re.sub(r"[*`]", "", markdown).rstrip(".:")
