"""``kata storm``: the event-storming board holds what the documents and the code say.

The expectations are read here from the documents themselves (docs/openapi.yaml with PyYAML,
docs/domain.md's Events table), independently of the board's own reading, and every place
the board links to is opened: the line must exist and name the thing on the sticky. The
HTML page is drawn in headless Chromium (skipped without it, unless ``KATA_TEST_BROWSER``
names it, as in ``.ci/run``): a screenshot under ``var/storm/``, no console error, no
horizontal scroll at 1280 pixels, the legend in the first screen, A3 landscape when printed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from html import escape
from pathlib import Path

import pytest

from kata import cli, variants
from kata.workshop.exercises import EXERCISES_DIR
from kata.workshop.storm import html as board_html
from kata.workshop.storm import text
from kata.workshop.storm.collect import Board, Kind, Sticky, collect
from kata.workshop.storm.sources import Place
from tests.acceptance.contract import load_yaml
from tests.compare.test_html_report import PNG_SIGNATURE, _browser

ROOT = variants.REPO_ROOT
OPENAPI = load_yaml((ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8"))
WRITES = [
    (method, path, operation)
    for path, item in OPENAPI["paths"].items()
    for method, operation in item.items()
    if method in ("post", "put", "patch", "delete")
]
# What each write records, as docs/domain.md's Events table tells it ("recorded when").
RECORDS = {
    "registerProduct": [],
    "updateProduct": [],
    "restockProduct": [],
    "placeOrder": ["OrderPlaced"],
    "setOrderLine": ["OrderAmended"],
    "removeOrderLine": ["OrderAmended"],
    "cancelOrder": ["OrderCancelled"],
    "shipOrder": ["OrderShipped"],
    "receivePaymentEvent": ["OrderPaid", "OrderCancelled"],
}
SCREEN = (1280, 900)


def _events_in_domain_doc() -> list[str]:
    text = (ROOT / "docs" / "domain.md").read_text(encoding="utf-8")
    table = text.split("\n## Events\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(\w+)` \|", table, re.MULTILINE)


@pytest.fixture(scope="module")
def board() -> Board:
    return collect()


def _line(place: Place) -> str:
    lines = (ROOT / place.path).read_text(encoding="utf-8").splitlines()
    assert 1 <= place.line <= len(lines), f"{place}: no such line"
    return lines[place.line - 1]


def _places_in_every_variant(sticky: Sticky) -> dict[str, tuple[Place, ...]]:
    missing = [name for name in variants.names() if not sticky.places.get(name)]
    assert missing == [], f"{sticky.kind.label} {sticky.title}: no place in {missing}"
    return sticky.places


def _command(board: Board, operation_id: str) -> Sticky:
    words = re.sub(r"(?<!^)([A-Z])", r" \1", operation_id).lower()
    return board.find(Kind.COMMAND, words[:1].upper() + words[1:])


# --- the stickies and their places -----------------------------------------------------------


def test_the_contract_and_the_domain_doc_name_the_same_five_events() -> None:
    published = OPENAPI["components"]["schemas"]["EventType"]["enum"]
    assert sorted(published) == sorted(_events_in_domain_doc())
    assert len(published) == 5


@pytest.mark.parametrize("event", _events_in_domain_doc())
def test_every_spec_event_links_to_the_line_that_raises_it_in_every_variant(
    board: Board, event: str
) -> None:
    sticky = board.find(Kind.EVENT, event)

    for name, places in _places_in_every_variant(sticky).items():
        assert all(p.path.startswith(f"kata/{name}/") for p in places), places
        for place in places:
            assert event in _line(place), f"{name}: {place} does not raise {event}"


@pytest.mark.parametrize(
    ("method", "path", "operation"), WRITES, ids=[op["operationId"] for _, _, op in WRITES]
)
def test_every_write_of_the_contract_is_a_command_linked_to_its_handler_in_every_variant(
    board: Board, method: str, path: str, operation: dict[str, str]
) -> None:
    sticky = _command(board, operation["operationId"])
    flask_path = re.escape(path).replace(r"\{", "{").replace(r"\}", "}")
    route = re.compile(re.sub(r"\{\w+\}", r"<[^>]+>", flask_path) + r"[\"']")

    assert sticky.detail == f"{method.upper()} {path}"
    for name, places in _places_in_every_variant(sticky).items():
        (place,) = places
        line = _line(place)
        assert route.search(line), f"{name}: {place} is no route of {path}: {line}"
        assert f".{method}(" in line or method.upper() in line, f"{name}: {place}: {line}"


def test_each_command_leads_to_the_events_the_domain_doc_says_it_records(board: Board) -> None:
    flows = {flow.command.title: flow for context in board.contexts for flow in context.flows}
    recorded = {
        operation_id: [event.title for event in flows[_command(board, operation_id).title].events]
        for operation_id in RECORDS
    }

    assert recorded == RECORDS
    assert sorted(RECORDS) == sorted(op["operationId"] for _, _, op in WRITES)


def test_aggregates_and_policies_link_to_their_rule_markers(board: Board) -> None:
    order = board.find(Kind.AGGREGATE, "Order")
    policies = [s for s in board.stickies() if s.kind is Kind.POLICY]

    for name, (place,) in _places_in_every_variant(order).items():
        line = _line(place)
        assert "class Order" in line or "# rule: O" in line, f"{name}: {place}: {line}"
    assert [p.note.split(":")[0] for p in policies] == ["O3", "O8", "O10"]
    for policy in policies:
        rule = policy.note.split(":")[0]
        for name, places in _places_in_every_variant(policy).items():
            assert all(re.search(rf"# rule: .*\b{rule}\b", _line(p)) for p in places), name


def test_the_contexts_are_the_services_and_the_calls_between_them_are_synchronous(
    board: Board,
) -> None:
    contexts = {context.name: context for context in board.contexts}
    crossing = [a for a in board.arrows if {a.start, a.end} == {"ordering", "inventory"}]
    feeds = [a for a in board.arrows if not a.synchronous]

    assert sorted(contexts) == ["inventory", "ordering"]
    assert [a.title for a in contexts["ordering"].aggregates] == ["Order"]
    assert [a.title for a in contexts["inventory"].aggregates] == ["Product"]
    assert crossing
    for arrow in crossing:
        call, handler = arrow.places["microservices"]
        path = arrow.label.split(" ")[1].split("{")[0]
        assert arrow.synchronous, arrow
        assert path in _line(call), arrow
        assert path in _line(handler), arrow
    (feed,) = [arrow for arrow in feeds if arrow.label.startswith("GET /events")]
    for name, places in feed.places.items():
        assert all('"/events"' in _line(place) for place in places), name


def test_the_hot_spots_hold_o6_under_concurrency_and_the_questions_the_code_raises(
    board: Board,
) -> None:
    hot = {sticky.title: sticky for sticky in board.hot_spots}

    assert "O6 races" in hot
    assert all(p.line for found in hot["O6 races"].places.values() for p in found)
    assert any(title.startswith("Who sends") for title in hot)  # the story names no shipper


# --- the text board --------------------------------------------------------------------------


def test_kata_storm_prints_the_board_in_80_columns(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["storm"])
    printed = capsys.readouterr().out
    lines = printed.splitlines()

    assert code == 0
    assert max(map(len, lines)) <= text.WIDTH, max(lines, key=len)
    for kind in Kind:
        assert f"[{kind.label}]" in printed
    for event in _events_in_domain_doc():
        assert f"-> {event}" in printed or f", {event}" in printed, event
    assert "customer -> Place order -> Order -> OrderPlaced" in printed
    assert "ordering ==> inventory: PUT /reservations/{}" in printed
    assert "~~>" in printed
    assert "bounded context line: inventory | ordering" in printed


# --- the HTML board --------------------------------------------------------------------------


def test_the_page_is_self_contained_and_printable_on_a3(board: Board) -> None:
    page = board_html.render(board, ROOT / "var" / "storm" / "board.html")

    assert "<script" not in page
    assert not re.search(r"""(src|href)=["']https?://""", page)
    assert "@page { size: A3 landscape" in page
    assert "href='../../kata/aggregate/domain/order.py#L" in page  # relative to the page
    for sticky in board.stickies():
        assert escape(sticky.title) in page.replace("<wbr>", "")


def _chromium(
    browser: str, page: Path, profile: Path, *options: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
         "--v=0", f"--user-data-dir={profile / 'profile'}", *options, page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


# Written into a copy of the page (the board itself has no script): the page's overflow at
# this window's width, and where the legend sits.
MEASURE = """<script>
const root = document.documentElement, legend = document.querySelector('.legend');
const box = legend ? legend.getBoundingClientRect() : {top: -1, height: 0};
document.body.dataset.overflow = root.scrollWidth - root.clientWidth;
document.body.dataset.legend = box.height > 0 && box.top >= 0 && box.top < innerHeight;
</script>"""


def _measured(browser: str, page: str, folder: Path) -> dict[str, str]:
    copy = folder / "measured.html"
    copy.write_text(page.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    done = _chromium(browser, copy, folder, f"--window-size={SCREEN[0]},{SCREEN[1]}", "--dump-dom")
    found = re.search(r'<body data-overflow="(-?\d+)" data-legend="(\w+)"', done.stdout)
    assert found, done.stdout[:500] + done.stderr[-2000:]
    return {"overflow": found[1], "legend": found[2]}


def test_the_board_renders_in_headless_chromium_at_1280_pixels(
    board: Board, tmp_path: Path
) -> None:
    browser = _browser()
    folder = ROOT / "var" / "storm"
    folder.mkdir(parents=True, exist_ok=True)
    page, shot = folder / "board.html", folder / "board.png"
    page.write_text(board_html.render(board, page), encoding="utf-8")
    shot.unlink(missing_ok=True)

    done = _chromium(
        browser, page, tmp_path, f"--screenshot={shot}", f"--window-size={SCREEN[0]},2400"
    )
    measured = _measured(browser, page.read_text(encoding="utf-8"), tmp_path)

    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], "\n".join(console)
    assert shot.read_bytes().startswith(PNG_SIGNATURE)
    assert shot.stat().st_size > 50_000, "the screenshot is (nearly) blank"
    assert measured == {"overflow": "0", "legend": "true"}


def test_the_measure_sees_a_page_too_wide_and_a_legend_out_of_sight(tmp_path: Path) -> None:
    # Guards the test above: a page that scrolls sideways, legend far below, must be caught.
    browser = _browser()
    wide = "<html><body><div style='width:2000px;height:3000px'></div>"
    wide += "<section class='legend'>legend</section></body></html>"

    measured = _measured(browser, wide, tmp_path)

    assert int(measured["overflow"]) > 0
    assert measured["legend"] == "false"


def test_printed_the_board_takes_a3_landscape(board: Board, tmp_path: Path) -> None:
    browser = _browser()
    page, pdf = tmp_path / "board.html", tmp_path / "board.pdf"
    page.write_text(board_html.render(board, page), encoding="utf-8")

    _chromium(browser, page, tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")

    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf.read_bytes())
    assert boxes, "no page in the PDF"
    millimetres = {(round(float(w) * 25.4 / 72), round(float(h) * 25.4 / 72)) for w, h in boxes}
    assert millimetres == {(420, 297)}  # A3, landscape


# --- exercise 00: a discussion ---------------------------------------------------------------


def _kata(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(args)
    printed = capsys.readouterr()
    return code, printed.out, printed.err


def test_exercise_00_is_a_discussion_the_commands_say_so(
    workshop_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder,) = EXERCISES_DIR.glob("00-*")
    _, listed, _ = _kata(capsys, "exercise", "list")
    checked = _kata(capsys, "exercise", "check", "00")
    started = _kata(capsys, "exercise", "start", "00", "--from", "aggregate", "--name", "s00")
    plain = _kata(capsys, "exercise", "check", "06")

    assert "00  Event storming" in listed
    assert (checked[0], "is a discussion: nothing to check" in checked[1]) == (0, True)
    assert (started[0], "is a discussion: nothing to copy" in started[2]) == (2, True)
    assert not (workshop_dir / "s00").exists()
    assert (plain[0], "add --variant NAME" in plain[2]) == (2, True)
    assert "kata storm" in (folder / "README.md").read_text(encoding="utf-8")


def test_pytest_exercise_00_says_it_is_a_discussion() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--exercise", "00", "--collect-only", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 4
    assert "exercise 00 is a discussion" in result.stderr
