"""Wires the shared acceptance suite to its targets.

Every case runs once per target: each registered variant on each configured database
(in process), or live servers (``--base-url``, or ``--serve NAME`` for each variant to start
with ``kata serve``). In process, each target's app starts once per test process and every
case gets it on a database put back to how the app left it at start: the cases stay
independent, and only the first pays the start-up.
Every reply is checked against ``docs/openapi.yaml`` before the case sees it, and every case
run on event_sourced fails if the variant rewrote its append-only log in it (the root
``conftest.py`` loads that watch: ``tests/event_sourced/append_only.py``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest

from kata import variants
from tests.acceptance.contract import check_reply, keep_validators_in
from tests.acceptance.driver import CheckingDriver, Driver, InProcessDriver, LiveHttpDriver
from tests.acceptance.dsl import Shop
from tests.backends import RestoredApps, backends
from tests.serving import KataServer


@dataclass(frozen=True)
class Target:
    """What one parametrized run of a case talks to."""

    variant: str | None  # None: a live server we know only by its URL
    backend: str  # "sqlite", "postgresql" or "live"

    @property
    def id(self) -> str:
        return f"{self.variant or 'server'}-{self.backend}"


def _targets(config: pytest.Config) -> list[Target]:
    if config.getoption("--base-url"):
        return [Target(None, "live")]
    served: list[str] = config.getoption("--serve")
    chosen = served or config.getoption("--variant") or variants.names()  # workspaces: if named
    known = variants.names(workspaces=True)
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise pytest.UsageError(f"unknown variant(s) {unknown}; known: {known}")
    if served:
        return [Target(name, "live") for name in served]
    return [Target(name, backend) for name in chosen for backend in backends()]


# Rule ids of ../shared/spec/ordering.md, plus names for its sections without numbered rules.
RULES = frozenset(
    [f"P{n}" for n in range(1, 5)]
    + [f"O{n}" for n in range(1, 13)]
    + ["values", "events", "http", "precedence", "concurrency"]
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse an acceptance case that does not name the rule it checks."""
    here = Path(__file__).parent
    for item in items:
        if here not in item.path.parents:
            continue
        named = [rule for mark in item.iter_markers("rule") for rule in mark.args]
        if not named:
            raise pytest.UsageError(f"{item.nodeid}: mark it with @pytest.mark.rule(...)")
        unknown = sorted(set(named) - RULES)
        if unknown:
            raise pytest.UsageError(f"{item.nodeid}: unknown rule id(s) {unknown}")


def pytest_configure(config: pytest.Config) -> None:
    """The contract's validators are kept in the user's cache folder (pytest's own cache is
    off, see pyproject.toml); where it cannot be written, they are made anew in each run."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    folder = Path(base) / "ordering-kata" / "openapi-validators"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    if os.access(folder, os.W_OK):
        keep_validators_in(folder)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target" in metafunc.fixturenames:
        targets = _targets(metafunc.config)
        metafunc.parametrize("target", targets, ids=[t.id for t in targets])


class LiveServers:
    """The live targets' base URLs: the one given, or a `kata serve` per variant, started on
    first use and stopped at the end of the session."""

    def __init__(self, given: str | None, resources: ExitStack) -> None:
        self._given = given
        self._resources = resources
        self._urls: dict[str, str] = {}

    def url(self, target: Target) -> str:
        if target.variant is None:
            assert self._given is not None
            return self._given
        if target.variant not in self._urls:
            folder = Path(self._resources.enter_context(tempfile.TemporaryDirectory()))
            database = f"sqlite:///{folder / 'live.sqlite3'}"
            server = self._resources.enter_context(KataServer(target.variant, database))
            self._urls[target.variant] = server.url
        return self._urls[target.variant]


@pytest.fixture(scope="session")
def live_servers(request: pytest.FixtureRequest) -> Iterator[LiveServers]:
    with ExitStack() as resources:
        yield LiveServers(request.config.getoption("--base-url"), resources)


@pytest.fixture(scope="session")
def apps() -> Iterator[RestoredApps]:
    """The in-process targets' apps, each started once in this process."""
    with ExitStack() as resources:
        yield RestoredApps(resources)


@pytest.fixture
def driver(target: Target, request: pytest.FixtureRequest) -> Iterator[Driver]:
    request.node.user_properties.append(("target", target.id))  # for the timing summary
    if target.backend == "live":
        live = LiveHttpDriver(request.getfixturevalue("live_servers").url(target), keep_alive=True)
        yield live
        live.close()
        return
    assert target.variant is not None
    apps: RestoredApps = request.getfixturevalue("apps")
    yield InProcessDriver(
        apps.fresh(target, partial(variants.create_app, target.variant), target.backend)
    )


@pytest.fixture(scope="session")
def event_marks() -> dict[str, int]:
    """Per live target, the seq the last case started from. A live server keeps its events
    from case to case and seqs only grow, so the next case's search for the end of the log
    starts there: one request instead of a search through the whole history."""
    return {}


@pytest.fixture
def shop(driver: Driver, target: Target, event_marks: dict[str, int]) -> Shop:
    """The shop, as the test cases see it, with every reply checked against the contract."""
    if target.backend != "live":  # in process: a database put back to how the app started
        return Shop(CheckingDriver(driver, check_reply), fresh=True)
    shop = Shop(CheckingDriver(driver, check_reply), known_seq=event_marks.get(target.id, 0))
    event_marks[target.id] = shop.events_mark
    return shop
