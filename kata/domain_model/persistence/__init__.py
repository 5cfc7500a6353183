"""Persistence: the database, repositories, the outbox and the unit of work.

It sits beside the services: they open a unit of work, fetch entities through its
repositories and commit; the mapping itself lives on the entities (``domain.entity``).
"""
