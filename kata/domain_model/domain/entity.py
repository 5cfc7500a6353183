"""The declarative base every entity maps through (the ORM coupling, named in one place)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase


class Entity(DeclarativeBase):
    """Base of the mapped domain classes; its ``metadata`` is the schema.

    Every table name starts with ``dm_``: the four variants keep different tables under the
    same names, and the prefix lets them share one database (one PostgreSQL server for all).
    """
