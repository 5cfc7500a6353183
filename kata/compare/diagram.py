"""The layer diagram of a variant, drawn from its real imports.

Layers are ranked by the longest chain of imports below them, so a layer sits above every
layer it imports. Markdown gets a mermaid flowchart (the forge renders it); the HTML report
gets inline SVG, since it must open offline with no script from a CDN.
"""

from __future__ import annotations

from html import escape

from kata.compare.shape import Shape

BOX_WIDTH, BOX_HEIGHT, GAP_X, GAP_Y = 150, 34, 24, 56


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
    places: dict[str, tuple[int, int]] = {}
    for y_index, rank in enumerate(rows):
        row = sorted(name for name, r in rank_of.items() if r == rank)
        for x_index, name in enumerate(row):
            places[name] = (x_index * (BOX_WIDTH + GAP_X), y_index * (BOX_HEIGHT + GAP_Y))
    width = max(x for x, _ in places.values()) + BOX_WIDTH + 2
    height = max(y for _, y in places.values()) + BOX_HEIGHT + 2
    parts = [_edge(places[a], places[b], rank_of[a] <= rank_of[b]) for a, b in shape.imports]
    parts += [_box(name, *place) for name, place in places.items()]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="-1 -1 {width} {height}" role="img" aria-label="layer imports">'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker>'
        "</defs>" + "".join(parts) + "</svg>"
    )


def _box(name: str, x: int, y: int) -> str:
    return (
        f'<rect x="{x}" y="{y}" width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="5" '
        'fill="#eef3fb" stroke="#345"/>'
        f'<text x="{x + BOX_WIDTH // 2}" y="{y + BOX_HEIGHT // 2 + 5}" text-anchor="middle" '
        f'font-family="sans-serif" font-size="14">{escape(name)}</text>'
    )


def _edge(start: tuple[int, int], end: tuple[int, int], upward: bool) -> str:
    x1, y1 = start[0] + BOX_WIDTH // 2, start[1] + BOX_HEIGHT
    x2, y2 = end[0] + BOX_WIDTH // 2, end[1]
    colour = "#c00" if upward else "#555"  # an import against the layering stands out
    return (
        f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{colour}" '
        'stroke-width="1.4" marker-end="url(#arrow)"/>'
    )
