"""The event-sourced variant's log is append-only: a watch on every case of the shared
acceptance suite that runs on it in process.

Every engine the variant makes (``eventstore.database`` calls ``create_engine``) gets a
``before_cursor_execute`` listener that keeps each statement that would change or remove a
stored event: ``UPDATE``, ``DELETE``, ``TRUNCATE``, ``DROP`` or an upsert of ``es_events``.
A case in which the variant ran one fails at teardown, naming the statement. The harness's
own engines are made elsewhere and never watched: between cases it puts the database back,
and on PostgreSQL that deletes every row of ``es_events`` (``tests/backends.py``).

The listener reads a statement closely only if it names ``es_events`` and is neither a read
nor a plain append: it costs about a microsecond per statement.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event

from kata.event_sourced.eventstore import database

VARIANT = "event_sourced"
LOG = "es_events"

# What the variant sends most: reads and plain appends, let through on sight. Every other
# statement that names the log meets the regular expressions.
_SAFE_STARTS = ("select", "insert into es_events ")
_REWRITE = re.compile(
    r"\b(?:UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?|DROP\s+TABLE(?:\s+IF\s+EXISTS)?"
    r"|REPLACE\s+INTO|INSERT\s+OR\s+REPLACE\s+INTO)"
    r"\s+(?:\S+\.)?\"?es_events\"?(?!\w)",
    re.IGNORECASE,
)
_INSERT = re.compile(r"\s*INSERT\s+INTO\s+\"?es_events\"?(?!\w)", re.IGNORECASE)
_UPSERT = re.compile(r"\bON\s+CONFLICT\b.*\bDO\s+UPDATE\b|\bON\s+DUPLICATE\s+KEY\b", re.I | re.S)


def rewrites_the_log(statement: str) -> bool:
    """Would this statement change or remove events already in ``es_events``?"""
    lowered = statement.lower()
    if LOG not in lowered:
        return False
    safe = lowered.lstrip().startswith(_SAFE_STARTS)
    if safe and "conflict" not in lowered and "duplicate" not in lowered:
        return False
    if _REWRITE.search(statement):
        return True
    return _INSERT.match(statement) is not None and _UPSERT.search(statement) is not None


class LogWatch:
    """The statements that rewrote the log, on the engines it watches."""

    def __init__(self) -> None:
        self.engines: list[Engine] = []
        self.rewrites: list[str] = []

    def watch(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._seen)
        self.engines.append(engine)

    def _seen(self, _connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if rewrites_the_log(statement):
            self.rewrites.append(statement)


@pytest.fixture(scope="session")
def log_watch() -> Iterator[LogWatch]:
    """From first use to the end of the session, every engine the variant makes is watched."""
    watch = LogWatch()

    def watched(*args: Any, **kwargs: Any) -> Engine:
        engine = create_engine(*args, **kwargs)
        watch.watch(engine)
        return engine

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(database, "create_engine", watched)  # fails loudly if it is renamed
        yield watch


@pytest.fixture(autouse=True)
def event_log_stays_append_only(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a case run in process on event_sourced if the variant rewrote its log in it."""
    # Only cases that talk to the app (through the driver) run its statements; a case that
    # only reads the code (an exercise's answers) has nothing to watch.
    talks = "driver" in request.fixturenames
    target = request.getfixturevalue("target") if talks else None
    if getattr(target, "variant", None) != VARIANT or getattr(target, "backend", "") == "live":
        yield
        return
    watch: LogWatch = request.getfixturevalue("log_watch")
    before = len(watch.rewrites)
    yield
    if not watch.engines:  # the app was made elsewhere: this case was not watched at all
        pytest.fail(f"{VARIANT} made no engine through eventstore.database: nothing watched")
    if rewritten := watch.rewrites[before:]:
        pytest.fail(
            f"{VARIANT} changed events already in its log, which is append-only:\n"
            + "\n".join(rewritten),
            pytrace=False,
        )
