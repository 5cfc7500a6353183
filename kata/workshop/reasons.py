"""Why each import contract exists, in plain words, and where to learn more.

``kata check`` prints these under a broken contract: the rule's reason (what the style buys
by it), the README section that explains the style's layers, and the exercise that practises
it. One entry per contract id of :mod:`kata.workshop.styles`; a test keeps them in step.
"""

from __future__ import annotations

from dataclasses import dataclass

_BREAK = "exercises/06-break-a-contract (Break a contract)"
_MODEL = "exercises/04-refactor-toward-a-model (Refactor: move the rules into a model)"
_ADAPTER = "exercises/05-second-event-adapter (Swap an adapter: a second event sink)"


@dataclass(frozen=True)
class Reason:
    why: str  # what the style buys with this rule
    read: str  # the README and section that explain it
    practise: str  # the exercise that practises it


def _layers(style: str) -> str:
    return f"kata/{style}/README.md, section Layers"


REASONS: dict[str, Reason] = {
    "transaction-script-layers": Reason(
        "each layer calls only the layers below it, so a procedure reads top-down: HTTP in "
        "presentation, the use case in services, SQL in data, plain rows in records",
        _layers("transaction_script"),
        _BREAK,
    ),
    "transaction-script-no-web-below-presentation": Reason(
        "a use case that knows no web framework can be run from a test, a script or a queue "
        "consumer as well as from a request",
        _layers("transaction_script"),
        _BREAK,
    ),
    "transaction-script-no-sql-in-presentation-or-records": Reason(
        "SQL stays in the data layer, so a route never reaches the database around its use "
        "case and records stay plain values",
        _layers("transaction_script"),
        _BREAK,
    ),
    "domain-model-layers": Reason(
        "the domain is at the bottom: the rules live in entities that know nothing of the "
        "services, the persistence or the web that use them",
        _layers("domain_model"),
        _MODEL,
    ),
    "domain-model-no-web-below-presentation": Reason(
        "the model and its services are independent of HTTP, so the rules can be tested and "
        "reused without a request",
        _layers("domain_model"),
        _BREAK,
    ),
    "domain-model-no-sql-in-presentation": Reason(
        "routes reach the database only through the service layer and its transaction, never "
        "with a query of their own",
        _layers("domain_model"),
        _BREAK,
    ),
    "aggregate-layers": Reason(
        "the domain and the application are the inside; presentation and infrastructure are "
        "two separate outsides that only meet in the composition (app.py)",
        _layers("aggregate"),
        _MODEL,
    ),
    "aggregate-no-framework-inside": Reason(
        "aggregates and use cases are plain Python: their invariants are tested without a "
        "database or a web server, and survive a change of either",
        _layers("aggregate"),
        _BREAK,
    ),
    "aggregate-no-sql-in-presentation": Reason(
        "every change goes through a use case and its unit of work, so no route can write "
        "around an aggregate's invariants",
        _layers("aggregate"),
        _BREAK,
    ),
    "hexagonal-layers": Reason(
        "the application is the inside of the hexagon: it talks to the outside only through "
        "ports it owns, so any adapter can be swapped without touching it",
        "kata/hexagonal/README.md, section The hexagon",
        _ADAPTER,
    ),
    "hexagonal-inside-knows-no-outside": Reason(
        "the inside depends on no framework, driver or adapter: that is what makes the "
        "in-memory adapters and the test doubles possible",
        "kata/hexagonal/README.md, section The hexagon",
        _BREAK,
    ),
    "hexagonal-adapters-independent": Reason(
        "inbound adapters drive the application and outbound ones are driven by it; wiring "
        "one to the other would bypass the application's rules",
        "kata/hexagonal/README.md, section The hexagon",
        _ADAPTER,
    ),
    "hexagonal-adapters-use-ports": Reason(
        "adapters depend on the ports (the interfaces), not on the services that implement "
        "them, so a service can change behind its port",
        "kata/hexagonal/README.md, section The hexagon",
        _ADAPTER,
    ),
    "event-sourced-layers": Reason(
        "the write side and its store never import the read side: projections can be "
        "rebuilt, reshaped or moved without touching how events are decided and stored",
        _layers("event_sourced"),
        _BREAK,
    ),
    "event-sourced-no-framework-inside": Reason(
        "aggregates decide and record events in plain Python; the store and the web stay "
        "outside, so a command is tested without either",
        _layers("event_sourced"),
        _BREAK,
    ),
    "event-sourced-read-side-loads-no-aggregate": Reason(
        "the read side is a function of the log alone: it reads events, never replays an "
        "aggregate, so a query never pays for a replay and never changes state",
        _layers("event_sourced"),
        _BREAK,
    ),
    "event-sourced-no-sql-in-presentation": Reason(
        "routes read through the queries and write through the commands: no route runs SQL "
        "of its own against the log or the read models",
        _layers("event_sourced"),
        _BREAK,
    ),
    "event-sourced-presentation-through-commands-and-queries": Reason(
        "CQRS: a request either runs a command or asks a query; going around them would "
        "write events no aggregate decided, or read tables the projector owns",
        _layers("event_sourced"),
        _BREAK,
    ),
    "microservices-layers": Reason(
        "the services share nothing but HTTP: neither imports the other, so each can be "
        "changed, deployed and scaled alone, and the chassis they share couples them to a "
        "protocol, not to each other",
        _layers("microservices"),
        _BREAK,
    ),
    "microservices-composition-through-factories": Reason(
        "whether the services run in one process or two, they are put together the same way, "
        "from their app factories: composition that reached into a service's store or rules "
        "would share in process what two processes cannot",
        _layers("microservices"),
        _BREAK,
    ),
    "microservices-ordering-layers": Reason(
        "ordering is a small hexagon: the domain knows nothing of the application that uses "
        "it, the application nothing of its adapters, and only service.py wires them",
        _layers("microservices"),
        _ADAPTER,
    ),
    "microservices-ordering-inside-knows-no-outside": Reason(
        "the order's rules and the saga are plain Python: any inventory that speaks the "
        "port will do, a test double as well as the HTTP proxy, and timeouts, retries and "
        "the circuit breaker stay in the adapter",
        _layers("microservices"),
        _BREAK,
    ),
    "microservices-ordering-adapters-independent": Reason(
        "routes drive the application and the stores and the inventory proxy are driven by "
        "it; wiring one adapter to another would bypass the use cases and the saga",
        _layers("microservices"),
        _ADAPTER,
    ),
    "microservices-ordering-outbound-adapters-implement-ports": Reason(
        "an outbound adapter implements a port the application owns; calling back into the "
        "use cases or the saga from it would turn the hexagon's direction around",
        _layers("microservices"),
        _ADAPTER,
    ),
    "microservices-inventory-layers": Reason(
        "inventory is layered: the API calls the store, the store applies the rules to its "
        "rows, and the rules know neither",
        _layers("microservices"),
        _BREAK,
    ),
    "microservices-inventory-rules-know-no-outside": Reason(
        "stock and reservations are plain Python, so idempotent, versioned holds are tested "
        "without a database or a request",
        _layers("microservices"),
        _BREAK,
    ),
    "workspace-stands-alone": Reason(
        "a workspace is a copy to change freely: importing a built-in variant would tie it "
        "to code the exercise does not own, and hide what the copy lacks",
        "exercises/README.md, section Working on an exercise",
        _BREAK,
    ),
}
