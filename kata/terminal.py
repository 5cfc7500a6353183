"""Text for a terminal: tables and lines that fit its width, and never cut a name.

A room's terminals are often 80 columns wide, so the ``kata`` command's tables fit the width
the terminal reports (``COLUMNS``, else 80 when there is no terminal). A table never cuts a
cell: a header wider than its column wraps onto a second line at its spaces, and when the
columns still do not fit side by side, the table is printed as several blocks of columns,
each repeating the first column (the variant's or the exercise's name), so every row can be
read in every block. Lines of prose wrap at spaces only: a module path or a variant name is
never split.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence

FALLBACK_COLUMNS = 80  # where there is no terminal to ask: piped output, CI logs
GAP = "  "  # between two columns


def columns() -> int:
    """The terminal's width in characters (``COLUMNS`` wins, as everywhere)."""
    return shutil.get_terminal_size((FALLBACK_COLUMNS, 24)).columns


def wrap(text: str, width: int | None = None, indent: str = "  ") -> str:
    """``text`` wrapped at spaces to ``width``; lines after the first indented by ``indent``.
    A word longer than the width (a long path) stays whole on a line of its own."""
    limit = width or columns()
    return textwrap.fill(
        text,
        limit,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def table(header: Sequence[str], rows: Sequence[Sequence[str]], width: int | None = None) -> str:
    """A plain-text table with aligned columns, at most ``width`` characters wide when its
    cells allow (see the module's docstring); blocks of columns are separated by a blank line."""
    limit = width or columns()
    widths = [_column_width(h, [row[i] for row in rows]) for i, h in enumerate(header)]
    blocks = _blocks(widths[1:], limit - widths[0] - len(GAP))
    return "\n\n".join(
        _render(header, rows, widths, [0, *(index + 1 for index in block)]) for block in blocks
    )


def _column_width(title: str, cells: list[str]) -> int:
    """Wide enough for every cell and for the header on at most two lines (a word of the
    header is never split)."""
    narrowest = max([len(cell) for cell in cells] + [len(word) for word in title.split()])
    width = narrowest
    while len(_header_lines(title, width)) > 2:
        width += 1
    return width


def _header_lines(title: str, width: int) -> list[str]:
    return textwrap.wrap(title, width, break_long_words=False, break_on_hyphens=False) or [""]


def _blocks(widths: list[int], room: int) -> list[list[int]]:
    """The columns (indexes into ``widths``) of each block: as many as fit in ``room``, in
    order; a column wider than the room gets a block of its own."""
    blocks: list[list[int]] = [[]]
    used = 0
    for index, width in enumerate(widths):
        needed = len(GAP) + width if blocks[-1] else width
        if blocks[-1] and used + needed > room:
            blocks.append([])
            used, needed = 0, width
        blocks[-1].append(index)
        used += needed
    return blocks


def _render(
    header: Sequence[str], rows: Sequence[Sequence[str]], widths: list[int], chosen: list[int]
) -> str:
    titles = [_header_lines(header[i], widths[i]) for i in chosen]
    height = max(len(lines) for lines in titles)
    # Each header sits on the rule: a header of one line leaves the line above it empty.
    aligned = [[""] * (height - len(lines)) + lines for lines in titles]
    head = [[lines[n] for lines in aligned] for n in range(height)]
    body = [[row[i] for i in chosen] for row in rows]
    rule = ["-" * widths[i] for i in chosen]
    lines = [
        GAP.join(cell.ljust(widths[i]) for cell, i in zip(cells, chosen, strict=True)).rstrip()
        for cells in [*head, rule, *body]
    ]
    return "\n".join(lines)
