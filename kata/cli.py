"""The ``kata`` command: list the variants, serve one over HTTP, and run the workshop.

``kata compare`` measures the variants side by side (:mod:`kata.compare`).
``kata serve`` runs a variant on waitress (a production WSGI server), logs one line per
request and stops promptly on Ctrl-C or SIGTERM; when it cannot start (the port taken, a
database URL it cannot use, a database that does not answer or holds a schema of another
version) it says why in one line (:mod:`kata.startup`) and exits with status 1.
``kata check`` and ``kata exercise`` are the workshop's (:mod:`kata.workshop.commands`).
``kata projections rebuild`` and ``kata history`` read an event-sourced variant's log: the
first rebuilds its read side from it, the second shows an order's events and its state after
each (:mod:`kata.event_sourced.history`).
Participants' workspaces serve and list like the built-in variants.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

from sqlalchemy.engine import make_url

from kata import dbreset, startup, variants
from kata.clihelp import with_examples
from kata.compare import options as compare_options
from kata.workshop import commands as workshop

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask
    from waitress.server import BaseWSGIServer, MultiSocketServer

    WSGIServer = MultiSocketServer | BaseWSGIServer

log = logging.getLogger("kata.access")

# Requests still running when the server is told to stop get this long to finish.
_SHUTDOWN_GRACE_SECONDS = 3
# After SIGTERM, the process leaves by this time whatever still runs (spec section 7: 5 s).
_HARD_STOP_SECONDS = 4.5
# Background workers (all of them together) get this long: with the grace above, the server
# stops within the 5 seconds spec section 7 allows.
_WORKERS_STOP_SECONDS = 1.0
# Where a variant's app keeps background workers to run beside the HTTP server, if it has any.
_WORKERS = "kata.workers"
# The variants whose state is a log of events, with a read side projected from it (CQRS):
# ``<package>.app.rebuild_projections`` and ``<package>.history``. Their workspaces too.
_EVENT_LOGS = frozenset({"event_sourced"})


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _command(argv)
    except BrokenPipeError:
        # The reader left early (``kata exercise show 02 | head``): not an error to report.
        # Point stdout at /dev/null so the flush at exit does not fail a second time.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _command(argv: Sequence[str] | None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "variants":
        print("\n".join(_listed(built_in_only=args.built_in)))
        return 0
    if args.command == "serve":
        _serve(args.variant, args.host, args.port, args.database_url, _services(args))
    if args.command == "db":
        return dbreset.run(args)
    if args.command == "projections":
        return _rebuild_projections(args.variant, args.database_url)
    if args.command == "history":
        return _history(args.variant, args.order_id, args.database_url)
    if args.command == "compare":
        from kata.compare import command as compare  # noqa: PLC0415 - its libraries: only here

        try:
            return compare.run(args)
        except variants.UnknownVariantError as unknown:
            print(f"kata: {unknown}", file=sys.stderr)
            return 2
    return workshop.run(args)


def _listed(*, built_in_only: bool) -> list[str]:
    """The built-in variants' names, then (unless ``built_in_only``) each workspace, marked
    (the workshop's to say, fitted to the terminal)."""
    return workshop.listed_variants(built_in_only=built_in_only)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kata",
        description="List the variants, serve one over HTTP, compare them, read an event log, "
        "run the workshop.",
        **with_examples("kata serve transaction_script", "kata exercise list"),
    )
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser(
        "variants",
        help="list the variants, then the workspaces",
        **with_examples("kata variants", "kata variants --built-in"),
    )
    listing.add_argument(
        "--built-in", action="store_true", help="only the built-in variants' names (for scripts)"
    )
    compare_options.add_arguments(
        commands.add_parser(
            "compare",
            help="measure the variants side by side",
            **with_examples("kata compare --no-tests", "kata compare --html report.html"),
        )
    )
    dbreset.add_command(commands)
    serve = commands.add_parser(
        "serve",
        help="serve one variant or workspace over HTTP",
        **with_examples(
            "kata serve transaction_script",
            "kata serve hexagonal --port 9000 --database-url sqlite:///var/demo.sqlite3",
        ),
    )
    serve.add_argument("variant", choices=variants.names(workspaces=True))
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    _database_url_option(serve)
    services = serve.add_argument_group("a variant made of services (microservices)")
    services.add_argument(
        "--service",
        default="all",
        help="all (default: each in a process of its own), ordering or inventory alone",
    )
    services.add_argument("--inventory-url", help="where inventory runs, if not started here")
    services.add_argument(
        "--inventory-database-url", help="inventory's database, if not --database-url's"
    )
    projections = commands.add_parser(
        "projections",
        help="an event-sourced variant's read side",
        **with_examples(
            "kata projections rebuild event_sourced",
            "kata projections rebuild event_sourced --database-url sqlite:///var/demo.sqlite3",
        ),
    )
    actions = projections.add_subparsers(dest="action", required=True)
    rebuild = actions.add_parser(
        "rebuild",
        help="drop every projection and project the whole log again",
        **with_examples(
            "kata projections rebuild event_sourced",
            "kata projections rebuild event_sourced --database-url sqlite:///var/demo.sqlite3",
        ),
    )
    rebuild.add_argument("variant", choices=variants.names(workspaces=True))
    _database_url_option(rebuild)
    history = commands.add_parser(
        "history",
        help="an order's events and its state after each, from the log alone",
        **with_examples(
            "kata history event_sourced 5f0c6c1e-4b7a-4d8e-9a51-2f4c3e8b1d20",
            "kata history event_sourced 5f0c6c1e-4b7a-4d8e-9a51-2f4c3e8b1d20 "
            "--database-url sqlite:///var/demo.sqlite3",
        ),
    )
    history.add_argument("variant", choices=variants.names(workspaces=True))
    history.add_argument("order_id", metavar="ORDER_ID")
    _database_url_option(history)
    workshop.add_commands(commands)
    return parser


def _database_url_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        default=None,
        help="SQLAlchemy URL; default: $KATA_DATABASE_URL, else sqlite var/<variant>.sqlite3",
    )


# --- an event-sourced variant's log ---------------------------------------------------------


def _rebuild_projections(variant: str, database_url: str | None) -> int:
    """Drop and rebuild every projection of ``variant`` from its log; say how many events."""
    package = _event_log_package(variant)
    if package is None:
        print(
            f"kata: {variant} has no projections to rebuild (its state is not a log)",
            file=sys.stderr,
        )
        return 2
    url = _checked_url(variant, database_url)
    if url is None:
        return 1
    projected = importlib.import_module(f"{package}.app").rebuild_projections(url)
    shown = make_url(url).render_as_string(hide_password=True)
    print(f"kata: rebuilt every projection of {variant} from {projected} events ({shown})")
    return 0


def _history(variant: str, order_id: str, database_url: str | None) -> int:
    """Print the events of one order's stream and the order after each, from the log alone."""
    package = _event_log_package(variant)
    if package is None:
        print(
            f"kata: {variant} keeps no event log to read an order's history from", file=sys.stderr
        )
        return 2
    url = _checked_url(variant, database_url)
    if url is None:
        return 1
    history = importlib.import_module(f"{package}.history")
    steps = history.order_history(url, order_id)
    if not steps:
        shown = make_url(url).render_as_string(hide_password=True)
        print(f"kata: no order {order_id} in the log of {variant} ({shown})", file=sys.stderr)
        return 1
    print(history.render(order_id, steps))
    return 0


def _event_log_package(variant: str) -> str | None:
    """The package of ``variant`` if its state is a log of events (or it is a copy of one)."""
    space = None if variant in variants.names() else variants.workspace(variant)
    if (variant if space is None else space.origin) not in _EVENT_LOGS:
        return None
    if space is not None:
        variants.load_workshop_package()
    return variants.package(variant)


def _checked_url(variant: str, database_url: str | None) -> str | None:
    """The database URL as ``kata serve`` resolves it, or None (said why) if it is unusable."""
    url = database_url or variants.default_database_url(variant)
    try:
        startup.check_database(url, _url_source(database_url))
    except startup.CannotStart as refusal:
        print(f"kata: cannot read the log of {variant}: {refusal}", file=sys.stderr)
        return None
    return url


class _Worker(Protocol):
    def start(self) -> None: ...
    def stop(self, timeout: float) -> None: ...


class _Services:
    """``kata serve`` options of a variant made of services."""

    def __init__(
        self, service: str, inventory_url: str | None, inventory_database_url: str | None
    ) -> None:
        self.service = service
        self.inventory_url = inventory_url
        self.inventory_database_url = inventory_database_url

    @property
    def given(self) -> bool:
        """Was any of them given (a variant not made of services refuses them)?"""
        return (self.service, self.inventory_url, self.inventory_database_url) != (
            "all",
            None,
            None,
        )


def _services(args: argparse.Namespace) -> _Services:
    return _Services(args.service, args.inventory_url, args.inventory_database_url)


def _serve(
    variant: str, host: str, port: int, database_url: str | None, services: _Services
) -> NoReturn:
    """Serve until Ctrl-C or SIGTERM, then exit 0; exit 1 if it cannot start."""
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    # SIGTERM is taken by a thread of its own (see _on_sigterm): block it here, before any
    # thread starts, so that every thread inherits the block and only sigwait receives it.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    # Ctrl-C raises KeyboardInterrupt even where SIGINT was inherited as ignored (a background
    # job): _on_sigterm relies on it too.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    threading.Thread(target=_on_sigterm, name="kata-sigterm", daemon=True).start()
    url = database_url or variants.default_database_url(variant)
    try:
        source = _url_source(database_url)
        app, server = _start(variant, host, port, url, source, services=services)
    except startup.CannotStart as refusal:
        print(f"kata: cannot start {variant}: {refusal}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None
    except KeyboardInterrupt:  # stopped while starting
        _exit()
    bound_host, bound_port = server.effective_host, server.effective_port  # type: ignore[union-attr]
    shown_url = make_url(url).render_as_string(hide_password=True)
    workers: list[_Worker] = list(app.extensions.get(_WORKERS, ()))
    try:
        for worker in workers:
            worker.start()
        print(
            f"kata: serving {variant} on http://{bound_host}:{bound_port} ({shown_url})", flush=True
        )
        server.run()
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM passed on by _on_sigterm
        pass
    finally:
        server.close()
        _stop_workers(workers)
        server.task_dispatcher.shutdown(timeout=_SHUTDOWN_GRACE_SECONDS)
    _exit()


def _start(
    variant: str, host: str, port: int, url: str, url_source: str, *, services: _Services
) -> tuple[Flask, WSGIServer]:
    """The app on its database, and the server listening for it; or :class:`CannotStart`."""
    startup.check_database(url, url_source)
    if services.inventory_database_url:
        startup.check_database(services.inventory_database_url, "--inventory-database-url")
    startup.refuse_other_schema_versions(variant)
    app = _created(variant, host, url, services)  # creates the schema on first start
    try:
        return app, startup.listen(_access_log(app), host, port, threads=8)
    except startup.CannotStart:
        variants.close_app(app)
        raise


def _created(variant: str, host: str, url: str, services: _Services) -> Flask:
    """The variant's app; for a variant made of services (it has a ``launch`` module), the
    app of the service(s) this process runs."""
    launch = f"{variants.package(variant)}.launch"
    if not (variants.source_dir(variant) / "launch.py").is_file():
        if services.given:
            raise startup.CannotStart(
                f"{variant} is not made of services: drop --service and --inventory-*"
            )
        return variants.create_app(variant, url)
    if variants.workspace(variant) is not None:
        variants.load_workshop_package()
    launcher = importlib.import_module(launch)
    if services.service not in launcher.SERVICES:
        raise startup.CannotStart(
            f"no service {services.service} in {variant}: use {', '.join(launcher.SERVICES)}"
        )
    app: Flask = launcher.served_app(
        variant,
        services.service,
        url,
        inventory_url=services.inventory_url,
        inventory_database_url=services.inventory_database_url,
        host=host,
    )
    return app


def _url_source(database_url: str | None) -> str:
    """Where the database URL came from, for a message about it."""
    if database_url:
        return "--database-url"
    return "KATA_DATABASE_URL" if os.environ.get("KATA_DATABASE_URL") else "the default"


def _on_sigterm() -> None:
    """Wait for SIGTERM, stop the server the way Ctrl-C does, and make sure the process is
    gone within the 5 seconds of spec section 7 even if something blocks the graceful path."""
    signal.sigwait({signal.SIGTERM})
    main = threading.main_thread().ident
    if main is not None:
        signal.pthread_kill(main, signal.SIGINT)  # KeyboardInterrupt in the server loop
    threading.Event().wait(_HARD_STOP_SECONDS)
    print("kata: stopping took too long; leaving now", flush=True)
    _exit()


def _exit() -> NoReturn:
    print("kata: stopped", flush=True)
    sys.stderr.flush()
    # Leave now: daemon threads (waitress's, a variant's workers) may sit in blocking I/O,
    # and interpreter finalization can wait on them. Everything committed is already durable.
    os._exit(0)


def _stop_workers(workers: list[_Worker]) -> None:
    """Stop every worker, all of them within ``_WORKERS_STOP_SECONDS``."""
    deadline = time.monotonic() + _WORKERS_STOP_SECONDS
    for worker in workers:
        worker.stop(max(0.0, deadline - time.monotonic()))


def _access_log(app: WSGIApplication) -> WSGIApplication:
    """Wrap ``app`` so every request logs one line: method, path, status, duration."""

    def logged(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        status = ["-"]

        def recording(status_line: str, headers: Any, exc_info: Any = None) -> Any:
            status[0] = status_line.split(" ", 1)[0]
            return start_response(status_line, headers, exc_info)

        try:
            return app(environ, recording)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            path = environ.get("PATH_INFO", "")
            query = environ.get("QUERY_STRING")
            target = f"{path}?{query}" if query else path
            log.info(
                "%s %s %s %.1fms", environ.get("REQUEST_METHOD"), target, status[0], elapsed_ms
            )

    return logged


if __name__ == "__main__":
    raise SystemExit(main())
