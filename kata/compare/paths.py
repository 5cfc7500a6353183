"""The path of a use case, recorded by running it: the variant's own functions, in call order.

A profile hook (``sys.setprofile``) sees every Python call while one request runs; only the
calls into the variant's own folder are kept, with their depth among the variant's own
frames, so the list reads as a call tree. Recorded, not hand-maintained, so it cannot drift.
"""

from __future__ import annotations

import inspect
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

from flask import Flask

from kata.compare.usecases import Request, send


@dataclass(frozen=True)
class Step:
    depth: int  # 0 for the first own function the request reaches
    function: str  # qualified name, e.g. "Order.cancel"
    path: str  # relative to the repository root
    line: int  # the line of the ``def``
    source: str


def trace(app: Flask, request: Request, folder: Path, root: Path) -> list[Step]:
    """Send ``request`` to ``app`` and return the first call of each own function, in order."""
    steps: list[Step] = []
    seen: set[CodeType] = set()
    stack: list[CodeType] = []
    prefix = str(folder.resolve())

    def hook(frame: FrameType, event: str, _arg: Any) -> None:
        code = frame.f_code
        if not code.co_filename.startswith(prefix) or code.co_name.startswith("<"):
            return  # not ours, or a comprehension, lambda or module body
        if event == "call":
            if code not in seen:
                seen.add(code)
                steps.append(_step(code, len(stack), root))
            stack.append(code)
        elif event == "return" and stack and stack[-1] is code:
            stack.pop()

    client = app.test_client()
    sys.setprofile(hook)
    try:
        send(client, request)
    finally:
        sys.setprofile(None)
    return steps


def _step(code: CodeType, depth: int, root: Path) -> Step:
    try:
        source = textwrap.dedent("".join(inspect.getsourcelines(code)[0]))
    except OSError:  # source not on disk: the path and line still say where it was
        source = ""
    path = Path(code.co_filename).resolve().relative_to(root).as_posix()
    return Step(depth, code.co_qualname, path, code.co_firstlineno, source)


def within_variant(path: str) -> str:
    """``kata/aggregate/domain/order.py`` -> ``domain/order.py``: the report names the variant."""
    return "/".join(path.split("/")[2:])
