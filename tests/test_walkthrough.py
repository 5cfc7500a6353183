"""``docs/walkthrough.md`` is run, not just read: its ``curl`` commands against ``kata serve``,
each reply compared with the one the page shows.

The page pairs each ``sh`` block that starts with ``curl`` with the ``http`` block after it:
the status line must be the same, each header shown must come back with that value, and the
body must be the same JSON. A ``…`` in a shown value stands for anything (an id, a time). A
comment ``<!-- walkthrough: NAME = key -->`` keeps the last reply's ``key`` in the shell
variable ``NAME`` for the commands that follow (``$ORDER``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.serving import KataServer

WALKTHROUGH = Path(__file__).resolve().parents[1] / "docs" / "walkthrough.md"
BASE_URL = "http://127.0.0.1:8000"  # the address the page uses: `python3 dev.py serve`
ANY = "…"
_PIECES = re.compile(
    r"```(?P<lang>\w+)\n(?P<text>.*?)```|<!-- walkthrough: (?P<name>\w+) = (?P<key>\w+) -->",
    re.DOTALL,
)


@dataclass
class Step:
    command: str
    reply: str
    keep: dict[str, str]  # shell variable -> key of the reply's body


def steps(page: str) -> list[Step]:
    """The page's commands, each with the reply shown after it."""
    found: list[Step] = []
    command = None
    for piece in _PIECES.finditer(page):
        if piece["name"]:
            found[-1].keep[piece["name"]] = piece["key"]
        elif piece["lang"] == "sh" and piece["text"].startswith("curl"):
            command = piece["text"]
        elif piece["lang"] == "http" and command is not None:
            found.append(Step(command, piece["text"], {}))
            command = None
    return found


def matches(shown: Any, real: Any) -> bool:
    """Is ``real`` what the page shows, ``…`` standing for any text?"""
    if isinstance(shown, dict):
        return (
            isinstance(real, dict)
            and shown.keys() == real.keys()
            and all(matches(shown[key], real[key]) for key in shown)
        )
    if isinstance(shown, list):
        return isinstance(real, list) and len(shown) == len(real) and all(map(matches, shown, real))
    if isinstance(shown, str) and ANY in shown:
        pattern = ".+".join(re.escape(part) for part in shown.split(ANY))
        return isinstance(real, str) and re.fullmatch(pattern, real) is not None
    return type(shown) is type(real) and bool(shown == real)


def split_reply(text: str) -> tuple[str, dict[str, str], str]:
    """(status line, headers by lower-case name, body) of an HTTP reply as curl -i prints it."""
    head, _, body = text.replace("\r\n", "\n").partition("\n\n")
    status, *lines = head.splitlines()
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status.strip(), headers, body


def test_the_page_pairs_every_command_with_its_reply() -> None:
    page = WALKTHROUGH.read_text(encoding="utf-8")

    walk = steps(page)

    assert len(walk) == page.count("```sh\ncurl")
    assert len(walk) >= 10
    assert {name for step in walk for name in step.keep} == {"ORDER"}


def test_matching_a_shown_value_is_strict_except_where_it_says_any() -> None:
    assert matches({"id": ANY, "n": 1}, {"id": "a-b", "n": 1})
    assert matches(f"/orders/{ANY}", "/orders/a-b")
    assert not matches({"id": ANY}, {"id": "x", "more": 1})
    assert not matches({"n": 1}, {"n": True})
    assert not matches([1, 2], [2, 1])
    assert not matches(f"/orders/{ANY}", "/products/a")


@pytest.mark.rule("O12")
def test_every_command_of_the_walkthrough_answers_as_the_page_shows(tmp_path: Path) -> None:
    walk = steps(WALKTHROUGH.read_text(encoding="utf-8"))
    kept: dict[str, str] = {}
    with KataServer("transaction_script", f"sqlite:///{tmp_path / 'walk.sqlite3'}") as server:
        for number, step in enumerate(walk, start=1):
            real = subprocess.run(
                ["bash", "-c", step.command.replace(BASE_URL, server.url)],
                env={**os.environ, **kept},
                capture_output=True,
                text=True,
                timeout=30,
                check=True,
            ).stdout
            _expect_reply(number, step.reply, real)
            body = json.loads(split_reply(real)[2])
            kept.update({name: str(body[key]) for name, key in step.keep.items()})


def _expect_reply(number: int, shown: str, real: str) -> None:
    shown_status, shown_headers, shown_body = split_reply(shown)
    real_status, real_headers, real_body = split_reply(real)
    assert real_status == shown_status, f"command {number}: {real_status}"
    for name, value in shown_headers.items():
        assert matches(value, real_headers.get(name)), f"command {number}: {name}"
    assert matches(json.loads(shown_body), json.loads(real_body)), (
        f"command {number} answered {real_body}"
    )
