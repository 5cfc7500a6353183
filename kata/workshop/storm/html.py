"""The board as one HTML file: no script, nothing fetched, for a projector or an A3 sheet.

Stickies have the colours of the classic legend. Each bounded context is a band; a thick
dashed line between two bands is the boundary, with the calls that cross it drawn solid
(synchronous) or dashed (asynchronous). Every sticky links to its row in "Where each sticky
lives", and each place there links to the file (relative to where the page is written, so
the page works from a checkout). Printed, the board takes A3 landscape, the index a page of
its own.
"""

from __future__ import annotations

import os
import re
from html import escape
from pathlib import Path

from kata.workshop.storm.collect import Arrow, Board, Context, Flow, Kind, Sticky
from kata.workshop.storm.sources import ROOT, Place
from kata.workshop.storm.text import MOST_PLACES, within

STYLE = """
* { box-sizing: border-box; }
body { font: 18px/1.35 system-ui, sans-serif; margin: 0; padding: 1rem 1.5rem; color: #111;
       background: #f4f1ea; }
h1 { font-size: 1.7rem; margin: 0 0 .2rem; }
h2 { font-size: 1.3rem; margin: 1.2rem 0 .5rem; }
p.sub { margin: 0 0 .8rem; color: #444; }
.row { display: flex; flex-wrap: wrap; gap: .6rem; align-items: flex-start; }
.sticky { width: 11.5rem; min-height: 6.5rem; padding: .45rem .55rem; border-radius: 2px;
          box-shadow: 2px 3px 5px rgba(0,0,0,.25); overflow-wrap: anywhere;
          -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.sticky b { display: block; font-size: 1.02rem; }
.sticky .note { display: block; font-size: .8rem; margin-top: .2rem; }
.sticky .detail { display: block; font-size: .75rem; margin-top: .2rem; color: #333;
                  font-family: ui-monospace, monospace; }
.sticky a.where { display: block; font-size: .72rem; margin-top: .25rem; color: inherit; }
.sticky.small { width: 8.5rem; min-height: 4rem; }
.sticky.kept { border: 3px dashed #b35c00; }
.hot_spot { color: #fff; transform: rotate(-1.5deg); }
.hot_spot .detail { color: #f3e6f8; }
.ui { border: 1px solid #999; }
.legend .sticky { width: 9.5rem; min-height: 4.2rem; }
.context { border: 2px solid #555; border-radius: 6px; padding: .6rem .8rem .8rem;
           margin: .6rem 0; background: #fffdf8; }
.context h2 { margin-top: 0; }
.context .source { font-size: .8rem; color: #555; font-weight: normal; }
.flow { display: flex; flex-wrap: wrap; gap: .35rem; align-items: center;
        padding: .45rem 0; border-top: 1px solid #e3ddd0; }
.flow .then { font-size: 1.6rem; color: #666; }
.boundary { border-top: 6px dashed #333; border-bottom: 6px dashed #333; margin: 1rem 0;
            padding: .5rem .8rem; background: #fff; }
.boundary h3, .outside h3 { margin: 0 0 .3rem; font-size: 1.05rem; }
.arrow { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; margin: .25rem 0; }
.arrow .line { display: inline-block; width: 5rem; border-top: 4px solid #222;
               position: relative; }
.arrow .line::after { content: ""; position: absolute; right: -2px; top: -9px;
                      border: 7px solid transparent; border-left: 11px solid #222;
                      border-right: 0; }
.arrow.async .line { border-top-style: dashed; }
.arrow .label { font-family: ui-monospace, monospace; font-size: .9rem; }
.arrow .how { font-size: .8rem; color: #555; }
table { border-collapse: collapse; width: 100%; font-size: .8rem; background: #fff; }
th, td { border: 1px solid #ccc; padding: .15rem .4rem; text-align: left; vertical-align: top;
         overflow-wrap: break-word; }
td a { color: #114; }
@page { size: A3 landscape; margin: 10mm; }
@media print {
  body { background: #fff; font-size: 14px; padding: 0; }
  .sticky, .flow, .arrow, tr { break-inside: avoid; }
  .index { break-before: page; }
  a { text-decoration: none; }
}
"""


def render(board: Board, written_to: Path | None = None) -> str:
    """The page; links to the code are relative to ``written_to``'s folder when given."""
    folder = (written_to or ROOT / "board.html").resolve().parent
    page = _Page(board, folder)
    body = "".join([
        "<h1>The ordering domain, event-stormed from the code</h1>",
        f"<p class='sub'>Drawn by <code>kata storm</code> from docs/openapi.yaml, "
        f"docs/domain.md and the code of {len(board.variants)} variants: "
        f"{escape(', '.join(board.variants))}. Every sticky links to where it lives.</p>",
        page.legend(),
        page.who(),
        page.contexts(),
        page.outside(),
        page.hot_spots(),
        page.index(),
    ])  # fmt: skip
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>ordering-kata: event storming</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )


class _Page:
    def __init__(self, board: Board, folder: Path) -> None:
        self.board = board
        self.folder = folder
        self.anchors = {id(sticky): f"where-{n}" for n, sticky in enumerate(board.stickies())}

    def sticky(self, sticky: Sticky, small: bool = False) -> str:
        classes = [sticky.kind.name.lower()]
        classes += ["small"] if small else []
        classes += ["kept"] if sticky.only_in and sticky.kind is Kind.EVENT else []
        note = "" if small else f"<span class='note'>{escape(sticky.note)}</span>"
        detail = f"<span class='detail'>{escape(sticky.detail)}</span>" if sticky.detail else ""
        where = f"<a class='where' href='#{self.anchors[id(sticky)]}'>where it lives</a>"
        return (
            f"<div class='sticky {' '.join(classes)}' style='background:{sticky.kind.colour}'"
            f" title='{escape(sticky.kind.label)}'><b>{_breakable(sticky.title)}</b>{note}"
            f"{'' if small else detail}{where}</div>"
        )

    def legend(self) -> str:
        stickies = "".join(
            f"<div class='sticky {kind.name.lower()}' style='background:{kind.colour}'>"
            f"<b>{escape(kind.label)}</b><span class='note'>{escape(kind.colour_name)}: "
            f"{escape(kind.meaning)}</span></div>"
            for kind in Kind
        )
        lines = "".join(
            f"<div class='arrow {'sync' if sync else 'async'}'><span class='line'></span>"
            f"<span class='how'>{how}</span></div>"
            for sync, how in (
                (True, "synchronous: the caller waits for the answer (HTTP)"),
                (False, "asynchronous: a feed or a queue, read when the reader is ready"),
            )
        )
        row = f"<div class='row'>{stickies}</div>"
        return f"<section class='legend'><h2>Legend</h2>{row}{lines}</section>"

    def who(self) -> str:
        board = self.board
        stickies = "".join(self.sticky(s) for s in (*board.actors, *board.externals, *board.ui))
        return f"<h2>Who takes part</h2><div class='row'>{stickies}</div>"

    def contexts(self) -> str:
        parts = []
        for number, context in enumerate(self.board.contexts):
            if number:
                parts.append(self.boundary(self.board.contexts[number - 1], context))
            parts.append(self.context(context))
        return "".join(parts)

    def context(self, context: Context) -> str:
        source = (
            f" <span class='source'>the service {escape(context.source.path)}</span>"
            if context.source
            else ""
        )
        aggregates = "".join(self.sticky(s) for s in context.aggregates)
        flows = "".join(self.flow(flow) for flow in context.flows)
        reads = "".join(self.sticky(s) for s in context.read_models)
        return (
            f"<section class='context'><h2>Bounded context: {escape(context.name)}{source}</h2>"
            f"<div class='row'>{aggregates}</div>{flows}"
            f"<h3>Read models</h3><div class='row'>{reads}</div></section>"
        )

    def flow(self, flow: Flow) -> str:
        then = "<span class='then'>&rarr;</span>"
        parts = [self.sticky(flow.actor, small=True)] if flow.actor else []
        parts += [self.sticky(flow.command), self.sticky(flow.aggregate, small=True)]
        parts += [self.sticky(event) for event in (*flow.events, *flow.kept)]
        parts += [self.sticky(policy) for policy in flow.policies]
        return f"<div class='flow'>{then.join(parts)}</div>"

    def boundary(self, left: Context, right: Context) -> str:
        names = {context.name for context in self.board.contexts}
        crossing = [
            arrow
            for arrow in self.board.arrows
            if arrow.end in names and arrow.start in (*names, "gateway")
            and {arrow.start, arrow.end} & {left.name, right.name}
        ]  # fmt: skip
        title = f"Boundary: {escape(left.name)} | {escape(right.name)}"
        return f"<div class='boundary'><h3>{title}</h3>{''.join(map(self.arrow, crossing))}</div>"

    def outside(self) -> str:
        names = {context.name for context in self.board.contexts}
        arrows = [
            arrow
            for arrow in self.board.arrows
            if not (arrow.end in names and arrow.start in (*names, "gateway"))
        ]
        if not arrows:
            return ""
        return (
            "<section class='outside' id='outside'><h2>To and from outside the shop</h2>"
            f"{''.join(map(self.arrow, arrows))}</section>"
        )

    def arrow(self, arrow: Arrow) -> str:
        how = "synchronous" if arrow.synchronous else "asynchronous"
        places = "; ".join(
            f"{escape(variant)}: {', '.join(self.link(place) for place in found)}"
            for variant, found in arrow.places.items()
            if found
        )
        return (
            f"<div class='arrow {'sync' if arrow.synchronous else 'async'}'>"
            f"<b>{escape(arrow.start)}</b><span class='line'></span><b>{escape(arrow.end)}</b>"
            f"<span class='label'>{escape(arrow.label)}</span>"
            f"<span class='how'>({how}; {places})</span></div>"
        )

    def hot_spots(self) -> str:
        stickies = "".join(self.sticky(s) for s in self.board.hot_spots)
        return f"<h2 id='hot-spots'>Hot spots</h2><div class='row'>{stickies}</div>"

    def index(self) -> str:
        variants = self.board.variants
        head = "".join(f"<th>{escape(v)}</th>" for v in variants)
        rows = []
        for sticky in self.board.stickies():
            said = self.link(sticky.source, full=True) if sticky.source else ""
            cells = "".join(
                f"<td>{self.places(sticky.places.get(variant, ()))}</td>" for variant in variants
            )
            rows.append(
                f"<tr id='{self.anchors[id(sticky)]}'><td><b>{escape(sticky.title)}</b><br>"
                f"{escape(sticky.kind.label)}<br>{said}</td>{cells}</tr>"
            )
        return (
            "<section class='index' id='where'><h2>Where each sticky lives</h2>"
            f"<table><thead><tr><th>sticky</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></section>"
        )

    def places(self, found: tuple[Place, ...]) -> str:
        shown = "<br>".join(self.link(place) for place in found[:MOST_PLACES])
        more = f"<br>(+{len(found) - MOST_PLACES} more)" if len(found) > MOST_PLACES else ""
        return shown + more or "&ndash;"

    def link(self, place: Place, full: bool = False) -> str:
        target = Path(os.path.relpath(ROOT / place.path, self.folder)).as_posix()
        text = str(place) if full else within(place)
        breakable = escape(text).replace("/", "/<wbr>")  # a narrow column breaks at a folder
        return f"<a href='{escape(target)}#L{place.line}'>{breakable}</a>"


def _breakable(title: str) -> str:
    """``IdempotencyKeyBound`` may break before each capital, never inside a word."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "<wbr>", escape(title))
