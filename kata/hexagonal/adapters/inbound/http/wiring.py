"""Where the routes find the use cases the composition root plugged into the app."""

from __future__ import annotations

from flask import current_app

from kata.hexagonal.application.ports.inbound import UseCases

USE_CASES = "kata.use_cases"


def use_cases() -> UseCases:
    found: UseCases = current_app.extensions[USE_CASES]
    return found
