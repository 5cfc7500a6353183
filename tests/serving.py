"""Run ``kata serve`` as a child process for tests that need a real server, or that need to
see it refuse to start."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

_SERVING = re.compile(r"serving \S+ on (http://\S+)")
START_TIMEOUT_SECONDS = 60.0


def serve_command(variant: str, database_url: str | None, *options: str) -> list[str]:
    """The command line of ``kata serve VARIANT``, run by this Python."""
    command = [sys.executable, "-m", "kata.cli", "serve", variant, *options]
    return command + (["--database-url", database_url] if database_url is not None else [])


def refused_start(
    variant: str, database_url: str | None, *options: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``kata serve`` expected not to start: waits for it to exit (or fails after the time a
    start may take), and returns its exit status and output."""
    return subprocess.run(
        serve_command(variant, database_url, *options),
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_SECONDS,
        check=False,
    )


class KataServer:
    """``kata serve VARIANT --port 0 [OPTIONS]`` in a child process; ``url`` once it listens."""

    def __init__(
        self,
        variant: str,
        database_url: str | None,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        options: Sequence[str] = (),
    ) -> None:
        command = serve_command(variant, database_url, "--port", "0", *options)
        self.output: list[str] = []
        self._new_line = threading.Condition()
        self._listening = threading.Event()
        self.url = ""
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # Reading the output in a thread keeps the pipe from filling up with access-log lines.
        self._reader = threading.Thread(target=self._read_output, daemon=True)
        self._reader.start()
        if not self._listening.wait(START_TIMEOUT_SECONDS) or not self.url:
            self.stop()
            raise RuntimeError("kata serve did not start:\n" + "".join(self.output))

    def _read_output(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._new_line:
                self.output.append(line)
                self._new_line.notify_all()
            found = _SERVING.search(line)
            if found and not self.url:
                self.url = found.group(1)
                self._listening.set()
        self._listening.set()  # the process ended: wake the waiter either way

    def wait_for(self, pattern: str, after: int = 0, timeout: float = START_TIMEOUT_SECONDS) -> str:
        """The first line of output from line number ``after`` on that ``pattern`` matches,
        waited for as the server writes it (AssertionError after ``timeout`` seconds)."""

        def found() -> str | None:
            return next((ln for ln in self.output[after:] if re.search(pattern, ln)), None)

        with self._new_line:
            line = self._new_line.wait_for(found, timeout)
        assert line is not None, (pattern, self.output[after:])
        return line

    def stop(self, timeout: float = 10.0, by: signal.Signals = signal.SIGTERM) -> int:
        """Send ``by`` (SIGTERM; SIGINT is Ctrl-C) and wait for it to exit; returns its exit
        code."""
        if self.process.poll() is None:
            self.process.send_signal(by)
        try:
            return self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self._reader.join(timeout)

    def __enter__(self) -> KataServer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
