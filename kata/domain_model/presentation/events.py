"""HTTP routes for reading the outbox and checking health."""

from __future__ import annotations

from flask import Blueprint, Response

from kata.domain_model.presentation.schemas import EventsQuery, query
from kata.domain_model.presentation.views import event_view, ok
from kata.domain_model.presentation.wiring import database
from kata.domain_model.services import events

routes = Blueprint("events", __name__)

VARIANT = "domain_model"


@routes.get("/events")
def list_events() -> Response:
    params = query(EventsQuery())
    found = events.list_events(database(), params["after"], params["limit"])
    return ok({"events": [event_view(event) for event in found]})


@routes.get("/health")
def health() -> Response:
    return ok({"status": "ok", "variant": VARIANT})
