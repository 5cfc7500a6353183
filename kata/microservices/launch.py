"""How ``kata serve microservices`` runs the services: two processes by default.

``--service all`` (the default) starts inventory as a child process (``kata serve
microservices --service inventory`` on a free port), waits until it listens, and serves the
ordering service, with the gateway, on ``--port``; stopping it (Ctrl-C, SIGTERM) stops the
child too, and the child is told to stop if this process dies (Linux: ``PR_SET_PDEATHSIG``).
A child that dies on its own (killed, crashed) is started again on the same port, at most
five times a minute: meanwhile, and after that, what needs inventory is answered 503.
``--service inventory`` or ``--service ordering --inventory-url URL`` runs one alone, so the
two can run on two hosts.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import deque

from flask import Flask

from kata.microservices.app import public_app
from kata.microservices.inventory import service as inventory_service
from kata.microservices.ordering.adapters.inventory_http import HttpInventory
from kata.microservices.ordering.service import WORKERS
from kata.startup import CannotStart

SERVICES = ("all", "ordering", "inventory")
_SERVING = re.compile(r"serving \S+ on (http://\S+)")
_START_SECONDS = 60.0
_PR_SET_PDEATHSIG = 1
RESTARTS = 5  # a child that died on its own is started again, at most this many times
RESTARTS_WITHIN_SECONDS = 60.0  # within this long: one that keeps dying is left dead


def served_app(
    variant: str,
    service: str,
    database_url: str,
    *,
    inventory_url: str | None,
    inventory_database_url: str | None,
    host: str,
) -> Flask:
    """The app this process serves for ``service``."""
    inventory_database = inventory_database_url or database_url
    if service == "inventory":
        return inventory_service.create_app(inventory_database)
    if service == "ordering":
        if inventory_url is None:
            raise CannotStart("--service ordering needs --inventory-url (where inventory runs)")
        return public_app(database_url, HttpInventory(inventory_url))
    if inventory_url is not None:  # inventory runs elsewhere already
        return public_app(database_url, HttpInventory(inventory_url))
    child = InventoryProcess(variant, host, inventory_database)
    try:
        app = public_app(database_url, HttpInventory(child.url))
    except BaseException:
        child.stop(timeout=5.0)
        raise
    app.extensions[WORKERS].append(child)  # stopped when the server stops
    close_database = app.extensions["kata.close"]

    def close() -> None:  # also when the server cannot start (its port is taken)
        close_database()
        child.stop(timeout=5.0)

    app.extensions["kata.close"] = close
    return app


class Restarts:
    """How many restarts are left: at most ``limit`` within any ``seconds``, so that a child
    that cannot live (its port taken, its database gone) is not started again forever."""

    def __init__(self, limit: int = RESTARTS, seconds: float = RESTARTS_WITHIN_SECONDS) -> None:
        self.limit = limit
        self.seconds = seconds
        self._times: deque[float] = deque()

    def take(self, now: float) -> int:
        """Take one restart at ``now`` (monotonic seconds): how many have been taken within
        the window, this one included, or 0 if none is left."""
        while self._times and now - self._times[0] >= self.seconds:
            self._times.popleft()
        if len(self._times) >= self.limit:
            return 0
        self._times.append(now)
        return len(self._times)


class InventoryProcess:
    """``kata serve VARIANT --service inventory`` as a child process; its output is passed on,
    each line marked ``inventory:``. A worker of the server: stopped with it. Started again
    on its port when it dies on its own, within :class:`Restarts`."""

    def __init__(self, variant: str, host: str, database_url: str) -> None:
        self._command = [
            sys.executable, "-m", "kata.cli", "serve", variant, "--service", "inventory",
            "--host", host, "--database-url", database_url,
        ]  # fmt: skip
        self._restarts = Restarts()
        self._lock = threading.Lock()  # a restart and a stop never cross
        self._listening = threading.Event()
        self._stopping = threading.Event()
        self._last_line = ""
        self.url = ""
        self._process = self._spawn(port=0)
        threading.Thread(target=self._supervise, name="kata-inventory", daemon=True).start()
        if not self._listening.wait(_START_SECONDS) or not self.url:
            self.stop(timeout=5.0)
            raise CannotStart(f"the inventory service did not start: {self._last_line}")

    def start(self) -> None:
        """Already running (it had to listen before the ordering service could be built):
        says where, now that the server starts too."""
        print(f"inventory: listening on {self.url}", flush=True)

    def stop(self, timeout: float) -> None:
        with self._lock:
            self._stopping.set()  # its last lines would follow the server's own last one
            process = self._process
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _spawn(self, port: int) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*self._command, "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},  # its lines as they come
            preexec_fn=_stop_with_parent if sys.platform.startswith("linux") else None,  # noqa: PLW1509
        )

    def _supervise(self) -> None:
        """Pass each child's output on until it ends; start it again if it died on its own.

        Children are started again from this thread, which lives as long as they do: the
        parent-death signal is sent when the *thread* that started a child ends."""
        while True:
            self._pass_output_on(self._process)
            ended = _how_it_ended(self._process.wait())
            if self._stopping.is_set() or not self.url:  # stopped, or it never started
                break
            taken = self._restarts.take(time.monotonic())
            if not taken:
                print(
                    f"inventory: {ended}; not started again after "
                    f"{self._restarts.limit} restarts within {self._restarts.seconds:.0f} "
                    "seconds: what needs it is answered 503",
                    flush=True,
                )
                break
            print(
                f"inventory: {ended}; starting it again "
                f"({taken} of {self._restarts.limit} within {self._restarts.seconds:.0f} seconds)",
                flush=True,
            )
            with self._lock:
                if self._stopping.is_set():
                    break
                self._process = self._spawn(port=_port_of(self.url))
        self._listening.set()  # it ended: whoever waits for it to listen stops waiting

    def _pass_output_on(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self._last_line = line.strip()
            # Passed on once it listens, and not its own "serving … on" line: a server that
            # cannot start says so in one line (this child's last), and whoever reads the
            # output for the URL served ("serving … on http://…") must find the ordering's.
            if found := _SERVING.search(line):
                if not self.url:
                    self.url = found[1]
                    self._listening.set()
                else:
                    print(f"inventory: started again, listening on {found[1]}", flush=True)
            elif self.url and not self._stopping.is_set():
                print(f"inventory: {line.rstrip()}", flush=True)


def _port_of(url: str) -> int:
    return int(url.rpartition(":")[2])


def _how_it_ended(status: int) -> str:
    if status < 0:
        return f"killed by {signal.Signals(-status).name}"
    return f"exited with status {status}"


def _stop_with_parent() -> None:
    """In the child, before it runs: SIGTERM when the parent dies, however it dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
