"""HTTP routes for reading the outbox (driving ``EventFeed``) and checking health."""

from __future__ import annotations

from flask import Blueprint, Response

from kata.hexagonal.adapters.inbound.http.schemas import EventsQuery, query
from kata.hexagonal.adapters.inbound.http.views import event_view, ok
from kata.hexagonal.adapters.inbound.http.wiring import use_cases
from kata.hexagonal.application.ports import inbound

routes = Blueprint("events", __name__)

VARIANT = "hexagonal"


@routes.get("/events")
def list_events() -> Response:
    params = query(EventsQuery())
    found = use_cases().events.read(inbound.ReadEvents(params["after"], params["limit"]))
    return ok({"events": [event_view(event) for event in found]})


@routes.get("/health")
def health() -> Response:
    return ok({"status": "ok", "variant": VARIANT})
