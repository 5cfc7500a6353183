"""Service layer (Fowler): one function per use case, thin on purpose.

Each opens a unit of work, loads entities, calls one domain method and commits. No business
rule lives here: when one seems to be needed, it belongs on an entity.
"""
