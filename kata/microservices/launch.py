"""How ``kata serve microservices`` runs the services: two processes by default.

``--service all`` (the default) starts inventory as a child process (``kata serve
microservices --service inventory`` on a free port), waits until it listens, and serves the
ordering service, with the gateway, on ``--port``; stopping it (Ctrl-C, SIGTERM) stops the
child too, and the child is told to stop if this process dies (Linux: ``PR_SET_PDEATHSIG``).
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


class InventoryProcess:
    """``kata serve VARIANT --service inventory`` as a child process; its output is passed on,
    each line marked ``inventory:``. A worker of the server: stopped with it."""

    def __init__(self, variant: str, host: str, database_url: str) -> None:
        command = [
            sys.executable, "-m", "kata.cli", "serve", variant, "--service", "inventory",
            "--host", host, "--port", "0", "--database-url", database_url,
        ]  # fmt: skip
        self._process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},  # its lines as they come
            preexec_fn=_stop_with_parent if sys.platform.startswith("linux") else None,  # noqa: PLW1509
        )
        self._listening = threading.Event()
        self._stopping = threading.Event()
        self._last_line = ""
        self.url = ""
        threading.Thread(target=self._pass_output_on, name="kata-inventory", daemon=True).start()
        if not self._listening.wait(_START_SECONDS) or not self.url:
            self.stop(timeout=5.0)
            raise CannotStart(f"the inventory service did not start: {self._last_line}")

    def start(self) -> None:
        """Already running (it had to listen before the ordering service could be built):
        says where, now that the server starts too."""
        print(f"inventory: listening on {self.url}", flush=True)

    def stop(self, timeout: float) -> None:
        self._stopping.set()  # its last lines would follow the server's own last one
        with contextlib.suppress(ProcessLookupError):
            self._process.send_signal(signal.SIGTERM)
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def _pass_output_on(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self._last_line = line.strip()
            # Passed on once it listens, and not its own "serving … on" line: a server that
            # cannot start says so in one line (this child's last), and whoever reads the
            # output for the URL served ("serving … on http://…") must find the ordering's.
            if not self.url and (found := _SERVING.search(line)):
                self.url = found[1]
                self._listening.set()
            elif self.url and not self._stopping.is_set():
                print(f"inventory: {line.rstrip()}", flush=True)
        self._listening.set()  # it ended: whoever waits for it to listen stops waiting


def _stop_with_parent() -> None:
    """In the child, before it runs: SIGTERM when the parent dies, however it dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
