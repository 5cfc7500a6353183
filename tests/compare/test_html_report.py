"""The HTML report is made for a projector (issue 18): it opens offline, stays under a
megabyte, starts with its contents and a summary, folds its sections, draws its charts
beside their numbers and never cuts a name.

The browser tests render it in headless Chromium: at 1280x720 its first screen shows the
table of contents and the summary, the charts are drawn, nothing scrolls sideways and no text
of a diagram or chart is smaller than 14 px; printed on A4 it fits the page. A small script,
added to a copy of the page (the report itself holds none), measures the rendered page and
writes its findings into the DOM, which ``--dump-dom`` prints. The screenshot and the PDF are
kept under var/report/ and their paths printed (``pytest -s`` shows them).

Chromium is looked up on PATH; where it is missing the browser tests skip, unless
``KATA_TEST_BROWSER`` names it (``.ci/run`` does), so CI cannot skip them silently.
"""

from __future__ import annotations

import html as markup
import json
import os
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from kata.compare import html, testrun
from kata.compare.collect import Comparison
from kata.compare.rules import ROOT

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MEGABYTE = 1_000_000
SCREEN = (1280, 720)
A4_WIDTH = 794  # CSS px: 210 mm at 96 px an inch
A4_POINTS = (595, 842)  # the PDF's page, in points (1/72 in), rounded
SMALLEST_TEXT = 14  # px, at 100 % zoom
CHARTS = ("statements", "suite", "changes", "latency")
SHOTS = ROOT / "var" / "report"


@pytest.fixture(scope="module")
def measured(comparison: Comparison) -> Comparison:
    """The comparison with shared-suite results in it (the collection skipped the suites,
    too slow to run here), so every section and chart has figures to show."""
    ran = [
        replace(
            f, tests=testrun.TestResults(testrun.SuiteResult(300, 0, 0, 24.0 + 3 * number), None)
        )
        for number, f in enumerate(comparison.variants)
    ]
    return replace(comparison, variants=ran)


@pytest.fixture(scope="module")
def page(measured: Comparison) -> str:
    return html.render(measured)


def test_the_report_is_self_contained(page: str) -> None:
    assert "<script" not in page  # nothing to fail, nothing to fetch
    assert not re.search(r"""(src|href)=["']?https?://""", page)
    assert "kozea.github.io" not in page  # pygal's script, turned off
    assert "<?xml-stylesheet" not in page


def test_the_report_stays_under_a_megabyte_with_every_section(page: str) -> None:
    for key, title, _ in html.SECTIONS:
        assert f'id="{key}"' in page, key
        assert f"<h2>{markup.escape(title)}</h2>" in page, title
    assert len(page.encode("utf-8")) <= MEGABYTE, f"{len(page.encode('utf-8')):,} bytes"


def test_the_contents_link_to_every_section_and_come_first(page: str) -> None:
    contents = re.search(r"<nav[^>]*>(.*?)</nav>", page)
    assert contents is not None
    assert re.findall(r'href="#(\w+)"', contents[1]) == [key for key, _, _ in html.SECTIONS]
    assert page.index("<nav") < page.index('<details class="section"')


def test_every_section_folds_and_the_long_listings_start_folded(
    page: str, comparison: Comparison
) -> None:
    opened = re.findall(r'<details class="section" id="(\w+)"( open)?>', page)
    assert [key for key, _ in opened] == [key for key, _, _ in html.SECTIONS]
    assert [key for key, is_open in opened if not is_open] == ["sources"]
    paths = _section(page, "paths")
    assert paths.count("<details><summary><h3>") == len(comparison.use_cases)
    assert "<details open" not in paths
    assert "<details open" not in _section(page, "sources")


def test_the_summary_has_one_row_per_variant_with_the_essentials(
    page: str, measured: Comparison
) -> None:
    summary = _section(page, "summary")
    rows = re.findall(r"<tr><td>(.*?)</td></tr>", summary)
    assert [row.split("</td><td>")[0] for row in rows] == measured.names
    for header in ("files", "lines", "SQL statements per request", "latency × floor",
                   "latency × transaction_<wbr>script", "ms a case", "contracts kept"):  # fmt: skip
        assert header in summary, header
    script = rows[0].split("</td><td>")
    assert script[5] == "1.00"  # transaction_script against itself
    assert script[6] == "80.0"  # 24 s over 300 cases
    assert script[7] == "3 / 3"


def test_names_are_never_cut(page: str, comparison: Comparison) -> None:
    text = page.replace("<wbr>", "")
    assert "text-overflow" not in page
    charts = re.findall(r"<svg .*?</svg>", text)
    assert charts
    assert not any("…" in chart for chart in charts)  # pygal's truncation mark
    for figures in comparison.variants:
        assert text.count(f">{figures.name}<") >= 4, figures.name  # tables, headers, legends
        for step in figures.paths["place order"]:
            assert f">{markup.escape(step.function)}</a>" in text, step.function


@pytest.mark.parametrize("chart", CHARTS)
def test_a_chart_is_drawn_beside_its_numbers(page: str, chart: str) -> None:
    svg = re.search(rf'<svg role="img" aria-label="([^"]+)"[^>]* id="chart-{chart}"', page)
    assert svg is not None, chart
    after = page[svg.end() :]
    figure_end = after.index("</figure>")
    assert "<table>" in after[figure_end : figure_end + 600], "no table of its numbers beside it"


def test_every_step_links_to_its_source_listed_once(page: str) -> None:
    linked = set(re.findall(r'<a href="#(s\d+)">', _section(page, "paths")))
    listed = re.findall(r'<pre id="(s\d+)">', _section(page, "sources"))
    assert linked
    assert len(listed) == len(set(listed))
    assert linked == set(listed)


# --- in headless Chromium -----------------------------------------------------------------

PROBE = """<script>
addEventListener("load", () => setTimeout(() => {
  const box = (element) => element.getBoundingClientRect();
  const shown = [...document.querySelectorAll("svg text")].filter((t) => t.getClientRects().length);
  const size = (t) => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a;
  const smallest = shown.reduce((found, t) => size(t) < found.size ? {size: size(t),
      text: t.textContent} : found, {size: 1e9, text: ""});
  const charts = [...document.querySelectorAll("figure svg")].map((svg) => ({
    id: svg.id, width: box(svg).width, height: box(svg).height,
    bars: [...svg.querySelectorAll("rect")].filter((r) => box(r).width > 0 && box(r).height > 0)
      .length,
  }));
  const target = location.hash && document.getElementById(location.hash.slice(1));
  const found = {
    width: innerWidth, scrollWidth: document.documentElement.scrollWidth,
    contentsBottom: box(document.querySelector("nav")).bottom,
    summaryBottom: box(document.querySelector("#summary table")).bottom,
    texts: shown.length, smallest, charts,
    target: target ? {opened: target.closest("details").open, top: box(target).top} : null,
  };
  const pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(found);
  document.body.append(pre);
}, 0));
</script>"""


def _browser() -> str:
    wanted = os.environ.get("KATA_TEST_BROWSER")
    found = shutil.which(wanted or "chromium") or shutil.which("chromium-browser")
    if found is None:
        if wanted:
            pytest.fail(f"KATA_TEST_BROWSER={wanted} is not on PATH")
        pytest.skip("no Chromium on PATH (set KATA_TEST_BROWSER to require it)")
    return found


def _chromium(folder: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    command = [_browser(), "--headless", "--no-sandbox", "--disable-gpu",
               "--enable-logging=stderr", "--v=0", "--hide-scrollbars",
               f"--user-data-dir={folder / 'profile'}", *arguments]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def _probe(page: str, folder: Path, width: int, fragment: str = "") -> dict[str, Any]:
    """What the probe finds in ``page`` rendered ``width`` px wide (at ``#fragment``)."""
    probed = folder / "probed.html"
    probed.write_text(page.replace("</body>", f"{PROBE}</body>"), encoding="utf-8")
    url = probed.as_uri() + (f"#{fragment}" if fragment else "")
    done = _chromium(folder, f"--window-size={width},{SCREEN[1]}", "--dump-dom", url)
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout)
    assert found is not None, done.stderr[-2000:]
    result: dict[str, Any] = json.loads(markup.unescape(found[1]))
    return result


def _kept(name: str) -> Path:
    """Where a screenshot is kept for a person to look at: var/report/NAME (printed)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    print(f"kept {path}")
    return path


def test_the_first_screen_shows_the_contents_and_the_summary(page: str, tmp_path: Path) -> None:
    found = _probe(page, tmp_path, SCREEN[0])

    assert found["width"] == SCREEN[0]
    assert found["scrollWidth"] <= found["width"], "the page scrolls sideways at 1280 px"
    assert found["contentsBottom"] <= SCREEN[1]
    assert found["summaryBottom"] <= SCREEN[1], "the summary table runs past the first screen"
    report = tmp_path / "report.html"
    report.write_text(page, encoding="utf-8")
    shot = _kept("report-1280x720.png")
    done = _chromium(tmp_path, f"--window-size={SCREEN[0]},{SCREEN[1]}", f"--screenshot={shot}",
                     report.as_uri())  # fmt: skip
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], "\n".join(console)
    assert shot.read_bytes().startswith(PNG_SIGNATURE)
    assert shot.stat().st_size > 50_000, "the screenshot is (nearly) blank"


def test_the_charts_are_drawn_and_no_text_is_under_14_px(page: str, tmp_path: Path) -> None:
    found = _probe(page, tmp_path, SCREEN[0])

    drawn = {chart["id"].removeprefix("chart-"): chart for chart in found["charts"]}
    assert set(drawn) == set(CHARTS)
    for key, chart in drawn.items():
        assert chart["width"] > 400, key
        assert chart["height"] > 150, key
        assert chart["bars"] >= 6, key  # one bar a variant at least
    assert found["texts"] > 100  # the diagrams' layers and the charts' labels
    assert found["smallest"]["size"] >= SMALLEST_TEXT, found["smallest"]


def test_the_report_prints_on_a4(page: str, tmp_path: Path) -> None:
    # The print rules applied on screen at the width of an A4 page: nothing runs past it.
    as_printed = page.replace("@media print", "@media all")
    found = _probe(as_printed, tmp_path, A4_WIDTH)
    assert found["scrollWidth"] <= found["width"], "a printed page would be cut on the right"

    report = tmp_path / "report.html"
    report.write_text(page, encoding="utf-8")
    pdf = _kept("report-a4.pdf")
    _chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", report.as_uri())
    printed = pdf.read_bytes()
    assert printed.startswith(b"%PDF")
    boxes = {tuple(round(float(n)) for n in box.split()[2:]) for box in
             re.findall(rb"/MediaBox \[([\d. ]+)\]", printed)}  # fmt: skip
    assert boxes == {A4_POINTS}, boxes
    assert len(re.findall(rb"/Type /Page\b(?!s)", printed)) >= 2


def test_a_link_to_a_step_s_source_opens_its_folded_listing(page: str, tmp_path: Path) -> None:
    anchor = re.search(r'<a href="#(s\d+)">', page)
    assert anchor is not None
    found = _probe(page, tmp_path, SCREEN[0], fragment=anchor[1])

    assert found["target"]["opened"], "the listing stayed folded"
    assert 0 <= found["target"]["top"] < SCREEN[1]


def test_the_console_check_sees_an_error(tmp_path: Path) -> None:
    # Guards the first browser test: a page that logs an error must be caught.
    page = tmp_path / "bad.html"
    page.write_text("<html><body><script>missingFunction()</script></body></html>")
    done = _chromium(tmp_path, "--dump-dom", page.as_uri())
    assert any(":CONSOLE" in line for line in done.stderr.splitlines())


def _section(page: str, key: str) -> str:
    start = page.index(f'<details class="section" id="{key}"')
    following = page.find('<details class="section"', start + 1)
    return page[start : following if following != -1 else len(page)]
