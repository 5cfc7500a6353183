"""Service layer: the transaction scripts, one procedure per use case.

Each script runs in one database transaction (see ``transaction.script``), checks the
rules of its use case in the spec's order of precedence, and calls the table gateways.
"""
