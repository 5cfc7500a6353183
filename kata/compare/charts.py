"""Bar charts for the HTML report: inline SVG drawn by pygal, with no script and no link.

pygal draws a chart as SVG text, so it sits inside the page and opens offline. Three of
its defaults are turned off: the script it links from a CDN (``js=[]``), the small inline
script that configures it (removed from the tree before it is written: the report holds no
script at all), and its cutting of long labels and legends (a variant's name is the point
of the chart). Each variant keeps one colour in every chart. The numbers stand beside each chart
in a table, for a screen reader and for whoever wants the figure; the SVG also says in its
``aria-label`` what it shows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import pygal
from pygal.style import Style

# One colour per series, in order: distinct in a dim room and for the common colour
# blindnesses (Okabe and Ito's palette, then two greys).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000", "#999999")  # fmt: skip
FLOOR_COLOUR = "#999999"
WIDTH = 1000  # px: drawn at this size on a 1280 px screen; narrower pages scale it down
LEGEND_COLUMNS = 3
MARGIN = 12  # px around the chart
BAR_HEIGHT = 15  # px per bar of a horizontal chart, so its labels never collide
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
STYLE: dict[str, Any] = {
    "font_family": FONT,
    "background": "transparent",
    "plot_background": "#ffffff",
    "foreground": "#111111",
    "foreground_strong": "#111111",
    "foreground_subtle": "#555555",
    "opacity": "1",
    "opacity_hover": "1",
    # At least 16 px, 14 px for the figures printed on the bars: read from the back of a room.
    "label_font_size": 16,
    "major_label_font_size": 16,
    "legend_font_size": 16,
    "title_font_size": 18,
    "value_font_size": 14,
    "tooltip_font_size": 14,
}


def colours(names: Sequence[str], every: Sequence[str]) -> tuple[str, ...]:
    """The colour of each of ``names``: a variant keeps its place in ``every`` (all the
    variants compared), so it has the same colour in every chart; the floor is grey."""
    return tuple(
        FLOOR_COLOUR if name == "floor" else PALETTE[every.index(name) % len(PALETTE)]
        for name in names
    )


def grouped_bars(
    key: str,
    title: str,
    groups: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    unit: str,
    every: Sequence[str],
) -> str:
    """Horizontal bars: one group per label of ``groups`` (a use case), one bar per series
    (a variant) in each; ``series`` maps a series' name to one value per group."""
    legend_rows = -(-len(series) // LEGEND_COLUMNS)
    height = 90 + 30 * legend_rows + BAR_HEIGHT * len(groups) * (len(series) + 1)
    # The unit stays out of the axis' labels: "10 statements" every 60 px would collide.
    chart = _chart(key, height, colours(list(series), every), "", legend=True)
    # pygal makes room for len // columns rows of legend: a last, partly filled row needs
    # room of its own (1.5 lines, as pygal spaces them).
    if len(series) % LEGEND_COLUMNS:
        chart.margin_bottom = MARGIN + 1.5 * STYLE["legend_font_size"]
    # pygal draws the first label at the bottom: given bottom up, the groups read top down.
    chart.x_labels = list(reversed(groups))
    for name, values in series.items():
        chart.add(name, list(reversed(values)))
    return _svg(chart, f"{title} ({unit}): {', '.join(series)}; for {', '.join(groups)}")


def one_bar_each(
    key: str, title: str, values: Mapping[str, float | None], *, unit: str, every: Sequence[str]
) -> str:
    """Horizontal bars, one per name (a variant), each in its colour, its value printed."""
    names = list(reversed(list(values)))  # bottom up, as pygal draws them
    chart = _chart(key, 70 + 3 * BAR_HEIGHT * len(names), (), unit, legend=False)
    chart.print_values = True
    chart.x_labels = names
    chart.add(
        title,
        [
            {"value": values[name], "color": colour}
            for name, colour in zip(names, colours(names, every), strict=True)
        ],
    )
    return _svg(chart, f"{title} ({unit}): {', '.join(values)}")


def _chart(key: str, height: int, palette: tuple[str, ...], unit: str, legend: bool) -> Any:
    """A horizontal bar chart with no title of its own: the page's caption names it."""
    chart = pygal.HorizontalBar(
        value_formatter=lambda value: f"{value:g} {unit}".rstrip(),
        style=Style(**STYLE, colors=palette or PALETTE),
        width=WIDTH,
        height=height,
        explicit_size=True,
        show_legend=legend,
        legend_at_bottom=True,
        legend_at_bottom_columns=LEGEND_COLUMNS,
        legend_box_size=16,
        truncate_legend=-1,
        truncate_label=-1,
        margin=MARGIN,
        inverse_y_axis=True,  # the first group and the first bar on top, as they are read
        js=[],
        disable_xml_declaration=True,
    )
    chart.add_xml_filter(_without_scripts)
    chart.uuid = key  # its styles are scoped by this id: stable, so the page is too
    return chart


def _without_scripts(root: Any) -> Any:
    """pygal's tree without its ``<script>`` elements (its inline configuration)."""
    for parent in root.iter():
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    return root


COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def _svg(chart: Any, label: str) -> str:
    """The chart's SVG, labelled for a screen reader, without pygal's credit comments."""
    text = COMMENT.sub("", str(chart.render()))
    text = text.replace("<title>Pygal</title>", f"<title>{escape(label)}</title>", 1)
    return text.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
