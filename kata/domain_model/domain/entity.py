"""The declarative base every entity maps through (the ORM coupling, named in one place)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase


class Entity(DeclarativeBase):
    """Base of the mapped domain classes; its ``metadata`` is the schema."""
