"""Hot products under many clients: how often each variant gives up, and what its retries cost.

Every variant runs a use case again when it loses a race (a versioned write found the row
changed, or the database refused the transaction), at most ``ATTEMPTS`` runs, with a random
pause before each new run that doubles every time (jittered exponential backoff). This
benchmark shows what that policy buys where it matters: many clients placing orders at once
for the same few products. Each variant runs twice on a fresh database, once with its retry
policy as shipped and once with the baseline "retry at once, 5 runs", and the table gives
each row's placements per second as a ratio to transaction_script's, measured in the same run.
Every row runs ``--rounds`` times, the rows taking turns, so that a burst of other load on
the machine falls on all of them alike; a row's figures add its rounds up.

Speed counts only if the rules held (spec section 6): after each run the benchmark reads
every hot product back and checks that its stock plus the units of the orders placed equals
the stock registered (nothing oversold, nothing lost), and it counts answers of 500 or more.
A run that broke either is printed, named on stderr, and makes the benchmark exit 1 without
recording anything.

    python -m benchmarks.contention                        # SQLite, in a temporary folder
    python -m benchmarks.contention --database-url postgresql+psycopg://postgres@127.0.0.1/test
    python -m benchmarks.contention --record benchmarks/results/contention-sqlite.json

``--record PATH`` also writes the table's figures as JSON, with the database kind, the commit
measured, the settings and the date, for ``kata compare`` to show. On PostgreSQL each run
gets a schema of its own, dropped afterwards. The figures depend on the machine: compare rows
of one run, not runs.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import logging
import operator
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

from flask import Flask

from kata import variants
from tests.backends import fresh_postgres_schema

# Where each variant keeps its retry policy (ATTEMPTS, FIRST_PAUSE_SECONDS).
RETRY_MODULES = {
    "transaction_script": "kata.transaction_script.services.transaction",
    "domain_model": "kata.domain_model.services.unit",
    "aggregate": "kata.aggregate.application.unit",
    "hexagonal": "kata.hexagonal.application.services.unit",
    "event_sourced": "kata.event_sourced.application.unit",
    # The ordering service's use cases run again on a lost race; HttpInventory's own retries
    # (a call to inventory lost in transit) are left as shipped.
    "microservices": "kata.microservices.ordering.application.use_cases",
}
BASELINE_POLICY = {"ATTEMPTS": 5, "FIRST_PAUSE_SECONDS": 0.0}
PRODUCTS = ["HOT-1", "HOT-2", "HOT-3"]
STOCK = 1_000_000  # of each product: enough for every order, so only races refuse one
POLICIES = ("as shipped", "retry at once, 5 runs")
SERVER_ERROR = "server-error"  # the outcome of any answer of 500 or more (spec section 6)


@dataclass(frozen=True)
class Run:
    variant: str
    policy: str
    outcomes: Counter[str]
    seconds: float
    latencies: list[float]
    # Units of stock unaccounted for: |stock read back + units placed - STOCK|, over products.
    stock_drift: int = 0

    @property
    def placed_per_second(self) -> float:
        return self.outcomes["placed"] / self.seconds

    def share(self, outcome: str) -> float:
        return self.outcomes[outcome] / sum(self.outcomes.values())

    @property
    def broken(self) -> list[str]:
        """The rules of spec section 6 this run broke (none: its speed counts)."""
        found = []
        if self.outcomes[SERVER_ERROR]:
            found.append(f"{self.outcomes[SERVER_ERROR]} answers of 500 or more")
        if self.stock_drift:
            found.append(f"{self.stock_drift} units of stock unaccounted for")
        return found

    def __add__(self, other: Run) -> Run:
        """Two rounds of one row as one: their placements over their seconds together."""
        return Run(
            self.variant,
            self.policy,
            self.outcomes + other.outcomes,
            self.seconds + other.seconds,
            self.latencies + other.latencies,
            self.stock_drift + other.stock_drift,
        )


def main() -> None:
    args = _parser().parse_args()
    logging.getLogger("kata").setLevel(
        logging.ERROR
    )  # each give-up logs a warning: the table counts them
    runs = _rounds(args)
    rows = _figures(runs)
    _print(rows, args)
    if broken := [f"{r.variant} ({r.policy}): {', '.join(r.broken)}" for r in runs if r.broken]:
        sys.exit("Rules broken under contention, nothing recorded:\n" + "\n".join(broken))
    if args.record:
        _record(rows, args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL server; default: SQLite files")
    parser.add_argument("--clients", type=int, default=16, help="threads placing orders at once")
    parser.add_argument("--orders", type=int, default=20, help="orders each client places")
    parser.add_argument(
        "--rounds", type=int, default=3, help="times every row runs, taking turns (default 3)"
    )
    parser.add_argument(
        "--record", type=Path, metavar="PATH", help="also write the figures as JSON"
    )
    return parser


def _rounds(args: argparse.Namespace) -> list[Run]:
    """Every row run ``--rounds`` times, the rows taking turns, and each row's rounds added up.

    The machine's other load comes and goes: rows that take turns share it, where rows run
    one after another would each meet a different part of it, and their ratios with it.
    """
    rows = [(name, policy) for name in variants.names() for policy in POLICIES]
    runs = [_run(name, policy, args) for _ in range(args.rounds) for name, policy in rows]
    return [
        functools.reduce(operator.add, (run for run in runs if (run.variant, run.policy) == row))
        for row in rows
    ]


def _run(name: str, policy: str, args: argparse.Namespace) -> Run:
    if name not in RETRY_MODULES:  # a new variant is measured as soon as it is registered
        raise LookupError(f"{name}: name the module of its retry policy in RETRY_MODULES")
    retry = importlib.import_module(RETRY_MODULES[name])
    shipped = {setting: getattr(retry, setting) for setting in BASELINE_POLICY}
    settings = shipped if policy == "as shipped" else BASELINE_POLICY
    with _fresh_database(args.database_url) as url, mock.patch.multiple(retry, **settings):
        app = variants.create_app(name, url)
        try:
            client = app.test_client()
            for sku in PRODUCTS:
                product = {"sku": sku, "name": sku, "price": "1.00", "stock": STOCK}
                assert client.post("/products", json=product).status_code == 201
            started = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as pool:
                results = list(
                    pool.map(lambda n: _place_orders(app, n, args.orders), range(args.clients))
                )
            seconds = time.perf_counter() - started
            placed: Counter[str] = sum((units for _, _, units in results), Counter())
            drift = stock_drift(app, placed)
        finally:
            variants.close_app(app)
    outcomes: Counter[str] = sum((outcome for outcome, _, _ in results), Counter())
    latencies = [latency for _, client_latencies, _ in results for latency in client_latencies]
    return Run(name, policy, outcomes, seconds, latencies, drift)


def stock_drift(app: Flask, placed: Counter[str]) -> int:
    """Units unaccounted for once every client is done: each product's stock as the variant
    shows it, plus the units its placed orders took, against the stock registered."""
    client = app.test_client()
    drift = 0
    for sku in PRODUCTS:
        reply = client.get(f"/products/{sku}")
        assert reply.status_code == 200, reply.text
        drift += abs(reply.get_json()["stock"] + placed[sku] - STOCK)
    return drift


def _place_orders(
    app: Flask, client_number: int, count: int
) -> tuple[Counter[str], list[float], Counter[str]]:
    """One client: ``count`` orders, one after another, each for two of the hot products.
    Its outcomes, its latencies, and the units of each product its placed orders took."""
    client = app.test_client()
    outcomes: Counter[str] = Counter()
    latencies: list[float] = []
    units: Counter[str] = Counter()
    for number in range(count):
        first = (client_number + number) % len(PRODUCTS)
        skus = [PRODUCTS[(first + k) % len(PRODUCTS)] for k in (0, 1)]
        lines = [{"sku": sku, "quantity": 1} for sku in skus]
        # A customer per order: O6 allows a customer 3 unpaid orders.
        order = {"customer_id": f"client-{client_number}-{number}", "lines": lines}
        started = time.perf_counter()
        reply = client.post("/orders", json=order)
        latencies.append(time.perf_counter() - started)
        outcome = _outcome(reply.status_code, reply.get_json())
        outcomes[outcome] += 1
        if outcome == "placed":
            units.update(skus)  # one unit of each
    return outcomes, latencies, units


def _outcome(status: int, body: dict[str, object] | None) -> str:
    if status == 201:
        return "placed"
    if status >= 500 or body is None:
        return SERVER_ERROR
    return str(body.get("type", status)).rsplit(":", 1)[-1]


@contextmanager
def _fresh_database(server_url: str | None) -> Iterator[str]:
    if server_url:
        with fresh_postgres_schema(server_url) as url:
            yield url
        return
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{Path(folder) / 'contention.sqlite3'}"


def _figures(runs: list[Run]) -> list[dict[str, object]]:
    """Each run's figures, as printed and recorded; throughput relative to the script's."""
    baseline = next(run for run in runs if run.variant == "transaction_script")
    return [
        {
            "variant": run.variant,
            "retry_policy": run.policy,
            "orders": sum(run.outcomes.values()),
            "placed_percent": round(run.share("placed") * 100, 1),
            "gave_up_percent": round(run.share("concurrent-modification") * 100, 1),
            "placed_per_second": round(run.placed_per_second, 1),
            "vs_transaction_script": round(run.placed_per_second / baseline.placed_per_second, 2),
            "p95_ms": round(_p95(run.latencies) * 1000, 1),
            "max_ms": round(max(run.latencies) * 1000, 1),
            "server_errors": run.outcomes[SERVER_ERROR],
            "stock_drift": run.stock_drift,
        }
        for run in runs
    ]


def _p95(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=20, method="inclusive")[-1]


def _database_kind(args: argparse.Namespace) -> str:
    return "PostgreSQL" if args.database_url else "SQLite"


def _print(rows: list[dict[str, object]], args: argparse.Namespace) -> None:
    print(
        f"{args.clients} clients x {args.orders} orders for 2 of {len(PRODUCTS)} products, "
        f"{args.rounds} rounds, {_database_kind(args)}"
    )
    header = [
        "variant",
        "retry policy",
        "placed",
        "gave up",
        "placed/s",
        "vs TS",
        "p95 ms",
        "max ms",
    ]
    table = [header] + [
        [
            str(row["variant"]),
            str(row["retry_policy"]),
            f"{row['placed_percent']:.0f}%",
            f"{row['gave_up_percent']:.0f}%",
            f"{row['placed_per_second']:.0f}",
            f"{row['vs_transaction_script']:.2f}",
            f"{row['p95_ms']:.0f}",
            f"{row['max_ms']:.0f}",
        ]
        for row in rows
    ]
    widths = [max(len(line[column]) for line in table) for column in range(len(header))]
    for line in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))


def _record(rows: list[dict[str, object]], args: argparse.Namespace) -> None:
    """Write the figures with what they were measured on, for ``kata compare``."""
    result = {
        "benchmark": "contention",
        "database": _database_kind(args),
        "commit": _git("rev-parse", "HEAD"),
        "uncommitted_changes": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "clients": args.clients,
        "orders_per_client": args.orders,
        "rounds": args.rounds,
        "products": len(PRODUCTS),
        "rows": rows,
    }
    args.record.parent.mkdir(parents=True, exist_ok=True)
    args.record.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


def _git(*arguments: str) -> str:
    folder = Path(__file__).resolve().parent
    done = subprocess.run(
        ["git", *arguments], cwd=folder, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


if __name__ == "__main__":
    main()
