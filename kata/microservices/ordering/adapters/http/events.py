"""HTTP routes for reading the outbox, checking health, and the index and contract of the
service (a browser gets the index as a page of links, any other client as JSON)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from kata.microservices.chassis.responses import ok
from kata.microservices.chassis.schemas import query
from kata.microservices.ordering.adapters.http.index import LINKS, index_page, openapi_document
from kata.microservices.ordering.adapters.http.schemas import EventsQuery
from kata.microservices.ordering.adapters.http.views import event_view
from kata.microservices.ordering.adapters.http.wiring import services
from kata.microservices.ordering.application import use_cases

routes = Blueprint("events", __name__)

VARIANT = "microservices"


@routes.get("/events")
def list_events() -> Response:
    params = query(EventsQuery)
    found = use_cases.list_events(services(), params["after"], params["limit"])
    return ok({"events": [event_view(event) for event in found]})


@routes.get("/health")
def health() -> Response:
    return ok({"status": "ok", "variant": VARIANT})


@routes.get("/")
def index() -> Response:
    if _wants_html():
        response = Response(index_page(VARIANT), 200, mimetype="text/html")
    else:
        response = ok({"variant": VARIANT, "links": LINKS})
    response.vary.add("Accept")  # one URL, two representations: caches must tell them apart
    return response


@routes.get("/openapi.yaml")
def contract() -> Response:
    return Response(openapi_document(), 200, mimetype="application/yaml")


def _wants_html() -> bool:
    """A browser puts text/html first; a client asking for JSON as much, or for neither,
    gets JSON."""
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"
