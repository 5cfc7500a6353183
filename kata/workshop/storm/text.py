"""The board as text for a terminal, 80 columns wide.

Each bounded context reads left to right, one command a line: who sends it, the command,
the aggregate that decides, the events it records, and the policies it sets off. ``==>`` is
a synchronous call (the caller waits for the answer), ``~~>`` an asynchronous one (a feed
or a queue, read when the reader is ready). Where every sticky lives in each variant's code
comes last.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator

from kata.workshop.storm.collect import Arrow, Board, Context, Flow, Kind, Sticky
from kata.workshop.storm.sources import Place

WIDTH = 80
SYNC, ASYNC = "==>", "~~>"
MOST_PLACES = 3  # a sticky marked in many places shows the first few per variant


def render(board: Board) -> str:
    return "\n".join(_lines(board)) + "\n"


def _lines(board: Board) -> Iterator[str]:
    yield "kata storm: the ordering domain as an event-storming board, from the code"
    yield from _wrap(f"of {len(board.variants)} variants: {', '.join(board.variants)}")
    yield ""
    yield from _heading("The stickies")
    for kind in Kind:
        yield f"  {_tag(kind):18} {kind.colour_name:12} {kind.meaning}"
    yield f"  {SYNC:18} {'':12} synchronous: the caller waits for the answer"
    yield f"  {ASYNC:18} {'':12} asynchronous: a feed or a queue, read later"
    yield ""
    yield from _heading("Who")
    for sticky in (*board.actors, *board.externals, *board.ui):
        yield from _wrap(f"{_tag(sticky.kind)} {sticky.title}: {sticky.note}", indent=4)
    for number, context in enumerate(board.contexts):
        yield ""
        if number:
            yield from _boundary(board, board.contexts[number - 1], context)
            yield ""
        yield from _context(context)
    outside = [arrow for arrow in board.arrows if not _between_contexts(board, arrow)]
    if outside:
        yield ""
        yield from _heading("To and from outside")
        yield from (line for arrow in outside for line in _arrow(arrow))
    yield ""
    yield from _heading("Hot spots")
    for sticky in board.hot_spots:
        yield from _wrap(f"{_tag(sticky.kind)} {sticky.title}: {sticky.note}", indent=4)
    yield ""
    yield from _heading("Where each sticky lives")
    for sticky in board.stickies():
        yield from _where(sticky, board.variants)


def _heading(title: str) -> Iterator[str]:
    yield title
    yield "-" * len(title)


def _tag(kind: Kind) -> str:
    return f"[{kind.label}]"


def _wrap(text: str, indent: int = 2, first: int | None = None) -> list[str]:
    """``text`` in lines of at most 80 columns; the first line starts two columns left of the
    others, unless ``first`` says where."""
    start = indent - 2 if first is None else first
    return textwrap.wrap(
        text, WIDTH, initial_indent=" " * start, subsequent_indent=" " * indent,
        break_on_hyphens=False,
    )  # fmt: skip


def _context(context: Context) -> Iterator[str]:
    title = f"== bounded context: {context.name} "
    yield title + "=" * (WIDTH - len(title))
    if context.source is not None:
        yield f"  (the service {context.source.path})"
    for aggregate in context.aggregates:
        yield from _wrap(f"{_tag(Kind.AGGREGATE)} {aggregate.title}: {aggregate.note}; "
                         f"{aggregate.detail}", indent=4)  # fmt: skip
    for flow in context.flows:
        yield from _flow(flow)
    if context.read_models:
        names = ", ".join(sticky.title for sticky in context.read_models)
        yield from _wrap(f"{_tag(Kind.READ_MODEL)} {names}", indent=4)


def _flow(flow: Flow) -> Iterator[str]:
    who = flow.actor.title if flow.actor else "(nobody named)"
    events = ", ".join(event.title for event in flow.events) or "(no event)"
    chain = f"{who} -> {flow.command.title} -> {flow.aggregate.title} -> {events}"
    yield ""
    yield from _wrap(chain, indent=6)
    yield from _wrap(flow.command.detail, indent=6)
    for policy in flow.policies:
        yield from _wrap(f"{_tag(Kind.POLICY)} {policy.title}", indent=8)
    for event in flow.kept:
        yield from _wrap(f"{_tag(Kind.EVENT)} {event.title} ({event.note})", indent=8)


def _between_contexts(board: Board, arrow: Arrow) -> bool:
    names = {context.name for context in board.contexts}
    return arrow.end in names and (arrow.start in names or arrow.start == "gateway")


def _boundary(board: Board, left: Context, right: Context) -> Iterator[str]:
    yield "- " * (WIDTH // 2 - 1) + "-"
    yield f"  bounded context line: {left.name} | {right.name}"
    for arrow in board.arrows:
        if _between_contexts(board, arrow) and {arrow.start, arrow.end} & {left.name, right.name}:
            yield from _arrow(arrow)
    yield "- " * (WIDTH // 2 - 1) + "-"


def _arrow(arrow: Arrow) -> list[str]:
    how = "synchronous" if arrow.synchronous else "asynchronous"
    line = f"{arrow.start} {SYNC if arrow.synchronous else ASYNC} {arrow.end}: {arrow.label}"
    return _wrap(f"{line} ({how})", indent=6)


def _where(sticky: Sticky, variants: tuple[str, ...]) -> Iterator[str]:
    said = f" ({sticky.source})" if sticky.source else ""
    yield from _wrap(f"{_tag(sticky.kind)} {sticky.title}{said}", indent=6)
    if not any(sticky.places.values()):
        return
    for variant in sticky.only_in or variants:
        found = sticky.places.get(variant, ())
        shown = ", ".join(within(place) for place in found[:MOST_PLACES]) or "-"
        more = f" (+{len(found) - MOST_PLACES})" if len(found) > MOST_PLACES else ""
        yield from _wrap(f"{variant:19} {shown}{more}", indent=28, first=8)


def within(place: Place) -> str:
    """``kata/aggregate/domain/order.py:141`` -> ``domain/order.py:141``: the variant is named
    beside it."""
    parts = place.path.split("/", 2)
    inside = parts[2] if len(parts) == 3 and parts[0] == "kata" else place.path
    return f"{inside}:{place.line}"
