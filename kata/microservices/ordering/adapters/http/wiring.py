"""Where the routes find the services the app was built with."""

from __future__ import annotations

from flask import current_app

from kata.microservices.ordering.application.sagas import Services

SERVICES = "kata.services"


def services() -> Services:
    found: Services = current_app.extensions[SERVICES]
    return found
