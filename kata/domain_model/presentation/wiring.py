"""Where the routes find the database the app was built with."""

from __future__ import annotations

from flask import current_app

from kata.domain_model.persistence.database import Database

DATABASE = "kata.database"


def database() -> Database:
    found: Database = current_app.extensions[DATABASE]
    return found
