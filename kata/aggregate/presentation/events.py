"""HTTP routes for reading the outbox and checking health."""

from __future__ import annotations

from flask import Blueprint, Response

from kata.aggregate.application import events
from kata.aggregate.presentation.schemas import EventsQuery, query
from kata.aggregate.presentation.views import event_view, ok
from kata.aggregate.presentation.wiring import units

routes = Blueprint("events", __name__)

VARIANT = "aggregate"


@routes.get("/events")
def list_events() -> Response:
    params = query(EventsQuery())
    found = events.list_events(units(), params["after"], params["limit"])
    return ok({"events": [event_view(event) for event in found]})


@routes.get("/health")
def health() -> Response:
    return ok({"status": "ok", "variant": VARIANT})
