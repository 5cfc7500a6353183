"""The board: every sticky gathered from where it is written, never from a list kept here.

============  ================================================================================
sticky        comes from
============  ================================================================================
event         the contract's ``EventType`` (checked against docs/domain.md's Events table);
              each variant's line that raises it; a variant's own unpublished events too
command       every write operation of docs/openapi.yaml; each variant's route handler
aggregate     the rule groups of docs/domain.md (Products, Orders); in each variant the class
              of that name holding the group's rule markers, else the module that holds most
policy        the rules below that react to something happening; their rule markers
read model    the contract's read operations; each variant's route handler
UI            an operation that answers HTML (a browser's page)
actor         who the story in docs/domain.md names doing each command
external      an actor the contract names as a sender; the variants' message broker; the
              systems the story says read the event feed
hot spot      docs/domain.md's decisions where the spec is silent that touch a rule or the
              events, and the questions the board itself raises (a command nobody sends)
============  ================================================================================

Which command records which event is read from the code (:mod:`kata.workshop.storm.code`):
an arrow is drawn when most variants agree. The bounded contexts are the services of the
variant made of services (microservices); the arrows between them are its HTTP calls
(synchronous) and its feeds (asynchronous).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import partial

from kata import variants
from kata.workshop.storm import sources
from kata.workshop.storm.code import Code, Route, read
from kata.workshop.storm.sources import Operation, Passage, Place

# The rules that react to something happening, worded as policies ("whenever X, then Y").
# Which rules are policies is the facilitator's reading; the places come from the markers.
POLICIES = {
    "O3": "When an order is placed, reserve stock for every line, all or nothing",
    "O8": "When an order is cancelled, put every reserved unit back, exactly once",
    "O10": "When a payment fails, cancel the order",
}
# Who may appear in the story, with the words that name each (the story says "the owner").
ACTORS = {
    "customer": ("customer",),
    "shop owner": ("shop owner", "owner"),
    "payment provider": ("payment provider", "provider"),
}
# The story names the systems that read the event feed: "other systems (the warehouse, ...)".
_READERS = re.compile(r"other systems \((?P<names>[^)]+)\)")
_RULE_ID = re.compile(r"\b[OP]\d{1,2}\b")
READ_THE_FEED = "read the event feed"
BROKER = "message broker (AMQP)"
SHOP = "shop"  # the one context of a board drawn from variants that are not split


class Kind(Enum):
    """The sticky kinds of event storming: (label, colour's name, colour, what it says)."""

    EVENT = ("domain event", "orange", "#ffa94d", "what happened, in the past tense")
    COMMAND = ("command", "blue", "#74c0fc", "what someone asks the system to do")
    EXTERNAL = ("external system", "pink", "#faa2c1", "a system outside the shop")
    AGGREGATE = ("aggregate", "yellow", "#ffe066", "what decides and guards the rules")
    POLICY = ("policy", "lilac", "#d0bfff", "whenever this happens, do that")
    READ_MODEL = ("read model", "green", "#8ce99a", "what someone reads to decide")
    HOT_SPOT = ("hot spot", "purple", "#9c36b5", "an open question, a risk")
    UI = ("UI", "white", "#ffffff", "where a person clicks")
    ACTOR = ("actor", "pale yellow", "#fff9db", "who acts")

    @property
    def label(self) -> str:
        return self.value[0]

    @property
    def colour_name(self) -> str:
        return self.value[1]

    @property
    def colour(self) -> str:
        return self.value[2]

    @property
    def meaning(self) -> str:
        return self.value[3]


@dataclass(frozen=True, eq=False)
class Sticky:
    kind: Kind
    title: str
    note: str  # one line: when, what, why
    source: Place | None  # where the words were read (a document), None if from code only
    places: dict[str, tuple[Place, ...]] = field(default_factory=dict)  # variant -> its code
    detail: str = ""  # smaller print: the request, the data, the rule
    only_in: tuple[str, ...] = ()  # an event some variants keep and the feed does not carry


@dataclass(frozen=True, eq=False)
class Flow:
    """One command and what follows from it, left to right."""

    actor: Sticky | None
    command: Sticky
    aggregate: Sticky
    events: tuple[Sticky, ...]  # the feed's events it records, as most variants agree
    kept: tuple[Sticky, ...]  # events some variant records and the feed does not carry
    policies: tuple[Sticky, ...]


@dataclass(frozen=True, eq=False)
class Context:
    name: str
    source: Place | None  # the service that is this context, in the variant that has one
    aggregates: tuple[Sticky, ...]
    flows: tuple[Flow, ...]
    read_models: tuple[Sticky, ...]


@dataclass(frozen=True, eq=False)
class Arrow:
    start: str
    end: str
    label: str
    synchronous: bool
    places: dict[str, tuple[Place, ...]]


@dataclass(frozen=True, eq=False)
class Board:
    variants: tuple[str, ...]
    contexts: tuple[Context, ...]
    actors: tuple[Sticky, ...]
    externals: tuple[Sticky, ...]
    ui: tuple[Sticky, ...]
    hot_spots: tuple[Sticky, ...]
    arrows: tuple[Arrow, ...]

    def stickies(self) -> list[Sticky]:
        """Every sticky on the board, each once."""
        found: list[Sticky] = [*self.actors, *self.externals, *self.ui]
        for context in self.contexts:
            found += context.aggregates
            for flow in context.flows:
                found += [flow.command, *flow.events, *flow.kept, *flow.policies]
            found += context.read_models
        found += self.hot_spots
        return list({id(sticky): sticky for sticky in found}.values())

    def find(self, kind: Kind, title: str) -> Sticky:
        return next(s for s in self.stickies() if s.kind is kind and s.title == title)


def collect(names: Sequence[str] | None = None) -> Board:
    """The board of the built-in variants (or of ``names``), from the documents and the code."""
    return _Collector(list(names or variants.names())).board()


class _Collector:
    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.spec_events = sources.event_types()
        self.codes = {name: read(name, tuple(self.spec_events)) for name in names}
        self.operations = sources.operations()
        self.rules = sources.rules()
        self.story = sources.story()
        self.events = {event: self._event(event) for event in self.spec_events}
        self.kept: dict[str, Sticky] = {}  # made once, shown in every flow that records it
        self.policies: dict[str, Sticky] = {}
        self.split = next((c for c in self.codes.values() if c.services()), None)

    def board(self) -> Board:
        actors = self._actors()
        aggregates = self._aggregates()
        flows = [self._flow(op, actors, aggregates) for op in self.operations if op.writes]
        externals = self._externals()
        return Board(
            variants=tuple(self.names),
            contexts=self._contexts(aggregates, flows),
            actors=tuple(actors.values()),
            externals=tuple(externals),
            ui=tuple(self._ui()),
            hot_spots=tuple(self._hot_spots(flows)),
            arrows=tuple(self._arrows(externals)),
        )

    # --- events and commands ---

    def _event(self, event: str) -> Sticky:
        told = next(passage for passage in sources.events_told() if passage.title == event)
        data = ", ".join(sources.event_data(event)) or "nothing"
        return Sticky(
            Kind.EVENT,
            event,
            told.text,
            told.source,
            self._each(lambda code: code.raised(event)),
            detail=f"data: {data}",
        )

    def _kept_event(self, event: str) -> Sticky:
        """An event some variants raise that the contract does not publish."""
        if event not in self.kept:
            places = self._each(lambda code: code.raised(event))
            keeping = tuple(name for name, found in places.items() if found)
            self.kept[event] = Sticky(
                Kind.EVENT,
                event,
                f"kept by {', '.join(keeping)}; not in the feed",
                None,
                places,
                only_in=keeping,
            )
        return self.kept[event]

    def _handlers(self, operation: Operation) -> dict[str, Route | None]:
        codes = self.codes.items()
        return {name: code.handler(operation.method, operation.path) for name, code in codes}

    def _handled_at(self, operation: Operation) -> dict[str, tuple[Place, ...]]:
        """Variant -> the line of the route that handles the operation."""
        handlers = self._handlers(operation).items()
        return {name: (route.place,) if route else () for name, route in handlers}

    def _routed(self, operation: Operation, kind: Kind, title: str) -> Sticky:
        places = self._handled_at(operation)
        return Sticky(
            kind, title, operation.summary, operation.source, places, detail=operation.request
        )

    def _flow(
        self, operation: Operation, actors: dict[str, Sticky], aggregates: dict[str, Sticky]
    ) -> Flow:
        command = self._routed(operation, Kind.COMMAND, operation.words)
        reached = {
            name: self.codes[name].reached(route.function)
            for name, route in self._handlers(operation).items()
            if route is not None
        }
        votes = Counter(event for found in reached.values() for event in found)
        spec = [e for e in self.spec_events if votes[e] * 2 > len(self.names)]
        kept = sorted({e for found in reached.values() for e in found} - set(self.spec_events))
        actor = _actor_of(operation, self.story)
        return Flow(
            actors.get(actor) if actor else None,
            command,
            aggregates[self._aggregate_of(operation, aggregates)],
            tuple(self.events[event] for event in spec),
            tuple(self._kept_event(event) for event in kept),
            tuple(self._policy(rule) for rule in POLICIES if rule in operation.rules),
        )

    def _aggregate_of(self, operation: Operation, aggregates: dict[str, Sticky]) -> str:
        """The aggregate named in the operation (``placeOrder``), else the one whose rules
        the operation cites most."""
        named = [name for name in aggregates if name in operation.operation_id]
        if named:
            return named[0]
        groups = Counter(_singular(rule.group) for rule in self.rules if rule.id in operation.rules)
        return groups.most_common(1)[0][0] if groups else next(iter(aggregates))

    # --- aggregates and policies, from the rule markers ---

    def _aggregates(self) -> dict[str, Sticky]:
        groups: dict[str, list[str]] = {}
        for rule in self.rules:
            groups.setdefault(rule.group, []).append(rule.id)
        return {
            _singular(group): self._aggregate(_singular(group), set(ids), group)
            for group, ids in groups.items()
        }

    def _aggregate(self, name: str, rules: set[str], group: str) -> Sticky:
        places: dict[str, tuple[Place, ...]] = {}
        classes = []
        for variant, code in self.codes.items():
            holders = [h for h in code.holders if h.rules & rules]
            own = [h for h in holders if h.is_class and h.name == name]
            modules = [h for h in holders if not h.is_class]
            best = max(own or modules, key=lambda h: len(h.rules & rules), default=None)
            places[variant] = (best.place,) if best else ()
            classes += [variant] if own else []
        scripts = [variant for variant in self.names if variant not in classes]
        how = f"class {name} in {len(classes)} of {len(self.names)} variants"
        how += f"; module functions in {', '.join(scripts)}" if scripts else ""
        first = next(rule for rule in self.rules if rule.group == group)
        ids = [rule.id for rule in self.rules if rule.group == group]
        return Sticky(
            Kind.AGGREGATE, name, f"guards {ids[0]}-{ids[-1]}", first.source, places, detail=how
        )

    def _policy(self, rule_id: str) -> Sticky:
        if rule_id not in self.policies:
            rule = next(rule for rule in self.rules if rule.id == rule_id)
            self.policies[rule_id] = Sticky(
                Kind.POLICY,
                POLICIES[rule_id],
                f"{rule_id}: {_first_sentence(rule.text)}",
                rule.source,
                self._each(lambda code: code.marked(rule_id)),
            )
        return self.policies[rule_id]

    # --- contexts ---

    def _contexts(self, aggregates: dict[str, Sticky], flows: list[Flow]) -> tuple[Context, ...]:
        reads = [
            self._routed(op, Kind.READ_MODEL, _noun(op.words))
            for op in self.operations
            if not op.writes and "service" not in op.tags and "text/html" not in op.media_types
        ]
        if self.split is None:
            return (Context(SHOP, None, tuple(aggregates.values()), tuple(flows), tuple(reads)),)
        order = list(dict.fromkeys(self._home_of(flow.command.places) for flow in flows))
        return tuple(
            Context(
                name,
                Place(f"{sources.relative(self.split.folder)}/{name}/service.py", 1),
                tuple(a for a in aggregates.values() if self._home_of(a.places) == name),
                tuple(f for f in flows if self._home_of(f.command.places) == name),
                tuple(r for r in reads if self._home_of(r.places) == name),
            )
            for name in order
        )

    # --- who: actors, externals, UI ---

    def _actors(self) -> dict[str, Sticky]:
        found = {}
        for actor, words in ACTORS.items():
            named = next((s for s in self.story if _first_named(s.text) == actor), None)
            named = named or next((s for s in self.story if _names(s.text, words)), None)
            if named is not None:
                found[actor] = Sticky(Kind.ACTOR, actor, _plain(named.text), named.source)
        return found

    def _externals(self) -> list[Sticky]:
        found = []
        for operation in self.operations:
            sender = _named_actor(operation.summary)
            if sender is not None:
                found.append(
                    Sticky(Kind.EXTERNAL, sender, operation.summary, operation.source,
                           detail=f"sends {operation.request}")
                )  # fmt: skip
        broker = {
            name: [*code.constants("_QUEUE"), *code.constants("_EXCHANGE")]
            for name, code in self.codes.items()
        }
        if any(broker.values()):
            names = sorted({text for found in broker.values() for _, text, _ in found})
            found.append(
                Sticky(
                    Kind.EXTERNAL,
                    BROKER,
                    f"queues and exchanges: {', '.join(names)}",
                    None,
                    {name: tuple(place for _, _, place in items) for name, items in broker.items()},
                    only_in=tuple(name for name, items in broker.items() if items),
                )
            )
        readers = next((s for s in self.story if _READERS.search(s.text)), None)
        if readers is not None:
            match = _READERS.search(readers.text)
            assert match is not None
            found.append(
                Sticky(Kind.EXTERNAL, match["names"].removeprefix("the "), _plain(readers.text),
                       readers.source, detail=READ_THE_FEED)
            )  # fmt: skip
        return found

    def _ui(self) -> list[Sticky]:
        return [
            self._routed(op, Kind.UI, f"{op.request} in a browser")
            for op in self.operations
            if "text/html" in op.media_types
        ]

    # --- hot spots ---

    def _hot_spots(self, flows: list[Flow]) -> list[Sticky]:
        found = []
        for decision in sources.decisions():
            cited = sorted(set(_RULE_ID.findall(decision.text)))
            if not cited and "event" not in decision.title.lower():
                continue  # about HTTP or tooling, not the domain
            places = self._each(partial(_marked, rules=cited))
            found.append(
                Sticky(Kind.HOT_SPOT, decision.title, _decided(decision),
                       decision.source, places if cited else {}, detail=", ".join(cited))
            )  # fmt: skip
        for flow in flows:
            if flow.actor is None:
                found.append(
                    Sticky(Kind.HOT_SPOT, f'Who sends "{flow.command.title}"?',
                           f"the story names no one who does {flow.command.detail}",
                           flow.command.source)
                )  # fmt: skip
        for name in self.names:
            kept = [s.title for s in self.kept.values() if name in s.only_in]
            if kept:
                found.append(
                    Sticky(Kind.HOT_SPOT, f"{name} records more events than the feed",
                           f"kept, not published: {', '.join(kept)}", None,
                           {name: tuple(p for s in self.kept.values() for p in s.places[name])})
                )  # fmt: skip
        return found

    # --- between contexts ---

    def _arrows(self, externals: list[Sticky]) -> list[Arrow]:
        arrows = []
        if self.split is not None:
            arrows += self._service_calls(self.split)
        feed = next((op for op in self.operations if op.path == "/events"), None)
        readers = next((s for s in externals if s.detail == READ_THE_FEED), None)
        if feed is not None and readers is not None:
            arrows.append(
                Arrow(self._home_of_events(), readers.title,
                      f"{feed.request}: readers follow the feed at their own pace", False,
                      self._handled_at(feed))
            )  # fmt: skip
        for operation in self.operations:
            if sender := _named_actor(operation.summary):
                places = self._handled_at(operation)
                home = self._home_of(places)
                arrows.append(Arrow(sender, home, operation.request, True, places))
        for name, code in self.codes.items():
            for _, queue, place in code.constants("_QUEUE"):
                arrows.append(
                    Arrow(BROKER, self._home_of_events(),
                          f"queue {queue}: read when the shop is ready", False, {name: (place,)})
                )  # fmt: skip
            for _, exchange, place in code.constants("_EXCHANGE"):
                arrows.append(
                    Arrow(self._home_of_events(), BROKER,
                          f"exchange {exchange}: committed events relayed", False, {name: (place,)})
                )  # fmt: skip
        return arrows

    def _service_calls(self, split: Code) -> list[Arrow]:
        arrows = []
        for service in split.services():
            for call in split.http_calls(service):
                route = split.handler(*call.key)
                if route is not None and (target := split.service_of(route.place)) != service:
                    label = f"{call.key[0].upper()} {call.key[1]}"
                    places: dict[str, tuple[Place, ...]] = {
                        split.variant: (call.place, route.place)
                    }
                    arrows.append(Arrow(service, target, label, True, places))
        gateway = [route for route in split.routes if route.passes_on]
        handled = split.handler(*gateway[0].key) if gateway else None
        if handled is not None and not handled.passes_on:
            passed = sorted({route.key[1] for route in gateway})
            arrows.append(
                Arrow("gateway", split.service_of(handled.place), f"{passed[0]}... passed on",
                      True, {split.variant: (gateway[0].place,)})
            )  # fmt: skip
        return arrows

    def _home_of_events(self) -> str:
        if self.split is None:
            return SHOP
        homes = Counter(self._home_of(event.places) for event in self.events.values())
        return homes.most_common(1)[0][0]

    def _home_of(self, places: dict[str, tuple[Place, ...]]) -> str:
        """The context that holds these places (in the variant made of services)."""
        if self.split is None:
            return SHOP
        found = places.get(self.split.variant, ())
        return self.split.service_of(found[0]) if found else ""

    def _each(self, where: Callable[[Code], Iterable[Place]]) -> dict[str, tuple[Place, ...]]:
        """Variant -> the places ``where`` finds in its code."""
        return {name: tuple(where(code)) for name, code in self.codes.items()}


# --- reading the story -----------------------------------------------------------------------


def _names(text: str, words: Iterable[str]) -> int | None:
    """Where the earliest of ``words`` stands in ``text`` (None if none does)."""
    found = [m.start() for w in words if (m := re.search(rf"\b{w}\b", text, re.IGNORECASE))]
    return min(found) if found else None


def _first_named(text: str) -> str | None:
    """The actor the sentence names first: its subject, as the story is written."""
    named = {actor: _names(text, words) for actor, words in ACTORS.items()}
    found = {actor: at for actor, at in named.items() if at is not None}
    return min(found, key=lambda actor: found[actor]) if found else None


def _named_actor(summary: str) -> str | None:
    """The actor a contract's summary names as the sender ("... from the payment provider")."""
    sender = re.search(r"\bfrom the (?P<who>[a-z ]+)", summary)
    return _first_named(sender["who"]) if sender else None


def _actor_of(operation: Operation, story: list[Passage]) -> str | None:
    """Who sends the command: the one its summary names, else the first actor named in the
    first sentence of the story that uses its verb (``placeOrder`` -> "places")."""
    if sender := _named_actor(operation.summary):
        return sender
    verbs = {
        re.sub(r"[A-Z].*", "", operation.operation_id),  # placeOrder -> place
        operation.summary.split(" ")[0].lower(),  # "Rename and/or reprice ..." -> rename
    }
    stems = [verb.rstrip("e") for verb in verbs if len(verb) >= 3 and verb.isalpha()]
    for sentence in story:
        uses = any(re.search(rf"\b{stem}", sentence.text, re.IGNORECASE) for stem in stems)
        if uses and (actor := _first_named(sentence.text)):
            return actor
    return None


def _marked(code: Code, rules: list[str]) -> list[Place]:
    return [place for rule in rules for place in code.marked(rule)]


def _decided(decision: Passage) -> str:
    """What a decision says, without its title when the title is a sentence of its own."""
    rest = _plain(decision.text).removeprefix(decision.title).lstrip(".,:; ")
    return _first_sentence(rest[:1].upper() + rest[1:])


def _singular(group: str) -> str:
    return group.removesuffix("s")


def _noun(words: str) -> str:
    """``List orders`` -> ``Orders``: a read model is named for what it shows."""
    rest = words.split(" ", 1)[-1]
    return rest[:1].upper() + rest[1:]


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.;])\s", text, maxsplit=1)[0]


def _plain(markdown: str) -> str:
    return re.sub(r"\*\*|`", "", markdown)
