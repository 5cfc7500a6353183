"""Where the routes find the units of work the app was built with."""

from __future__ import annotations

from flask import current_app

from kata.aggregate.application.ports import UnitOfWorkFactory

UNITS_OF_WORK = "kata.units_of_work"


def units() -> UnitOfWorkFactory:
    found: UnitOfWorkFactory = current_app.extensions[UNITS_OF_WORK]
    return found
