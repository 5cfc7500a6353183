"""Data access layer: table data gateways on SQLAlchemy Core (one module per table).

Gateways run single SQL statements on a connection the caller's transaction owns; they
know tables and columns, never business rules.
"""
