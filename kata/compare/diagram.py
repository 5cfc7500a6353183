"""The layer diagram of a variant, drawn from its real imports.

Layers are ranked by the longest chain of imports below them, so a layer sits above every
layer it imports. Markdown gets a mermaid flowchart (the forge renders it); the HTML report
gets inline SVG, since it must open offline with no script from a CDN.
"""

from __future__ import annotations

from html import escape

from kata.compare.shape import Shape

# Labels of 18 px, drawn at their size (the SVG is as wide as its view box): legible from the
# back of a room. A box is wide enough for the longest label of its diagram.
FONT_SIZE = 18
CHAR_WIDTH = 11  # px: an upper bound of one character of a sans-serif font at FONT_SIZE
MIN_BOX_WIDTH, BOX_HEIGHT, GAP_X, GAP_Y = 150, 42, 24, 56
BOW = 22  # how far an import that skips layers curves out to the right, per layer skipped


def ranks(shape: Shape) -> dict[str, int]:
    """0 for a layer that imports no other layer; else one more than the highest it imports."""
    below: dict[str, list[str]] = {layer.name: [] for layer in shape.layers}
    for importer, imported in shape.imports:
        below[importer].append(imported)
    found: dict[str, int] = {}

    def rank(layer: str, path: frozenset[str]) -> int:
        if layer not in found:
            deeper = [rank(other, path | {layer}) for other in below[layer] if other not in path]
            found[layer] = 1 + max(deeper, default=-1)  # a cycle is cut where it closes
        return found[layer]

    for layer in below:
        rank(layer, frozenset())
    return found


def mermaid(shape: Shape) -> str:
    lines = ["flowchart TD"]
    lines += [f"    {layer.name}[{layer.name}]" for layer in shape.layers]
    lines += [f"    {importer} --> {imported}" for importer, imported in shape.imports]
    return "\n".join(lines)


def svg(shape: Shape) -> str:
    rank_of = ranks(shape)
    rows = sorted(set(rank_of.values()), reverse=True)
    box = max([MIN_BOX_WIDTH, *(CHAR_WIDTH * len(name) + 24 for name in rank_of)])
    places: dict[str, tuple[int, int]] = {}
    for y_index, rank in enumerate(rows):
        row = sorted(name for name, r in rank_of.items() if r == rank)
        for x_index, name in enumerate(row):
            places[name] = (x_index * (box + GAP_X), y_index * (BOX_HEIGHT + GAP_Y))
    width = max(x for x, _ in places.values()) + box + 2 + BOW * len(rows)
    height = max(y for _, y in places.values()) + BOX_HEIGHT + 2
    parts = [_edge(places[a], places[b], rank_of[a] - rank_of[b], box) for a, b in shape.imports]
    parts += [_box(name, *place, box) for name, place in places.items()]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="-1 -1 {width} {height}" role="img" aria-label="layer imports">'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker>'
        "</defs>" + "".join(parts) + "</svg>"
    )


def _box(name: str, x: int, y: int, width: int) -> str:
    return (
        f'<rect x="{x}" y="{y}" width="{width}" height="{BOX_HEIGHT}" rx="5" '
        'fill="#eef3fb" stroke="#345"/>'
        f'<text x="{x + width // 2}" y="{y + BOX_HEIGHT // 2 + FONT_SIZE // 3}" '
        f'text-anchor="middle" font-family="sans-serif" font-size="{FONT_SIZE}">'
        f"{escape(name)}</text>"
    )


def _edge(start: tuple[int, int], end: tuple[int, int], drop: int, box: int) -> str:
    """An arrow from importer to imported; ``drop`` is how many ranks it goes down; ``box``
    is the boxes' width."""
    if drop == 1:  # to the next layer: a straight line
        x1, y1 = start[0] + box // 2, start[1] + BOX_HEIGHT
        x2, y2 = end[0] + box // 2, end[1]
        shape = f"M{x1},{y1} L{x2},{y2}"
    else:  # skipping layers: a curve beside the boxes, so it is not hidden behind them
        x1, y1 = start[0] + box, start[1] + BOX_HEIGHT // 2
        x2, y2 = end[0] + box, end[1] + BOX_HEIGHT // 2
        out = max(x1, x2) + BOW * max(abs(drop), 1)
        shape = f"M{x1},{y1} C{out},{y1} {out},{y2} {x2},{y2}"
    colour = "#c00" if drop <= 0 else "#555"  # an import against the layering stands out
    return (
        f'<path d="{shape}" fill="none" stroke="{colour}" stroke-width="1.4" '
        'marker-end="url(#arrow)"/>'
    )
