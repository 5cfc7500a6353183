"""Transaction Script variant (Fowler, *Patterns of Enterprise Application Architecture*).

Each use case is one procedure that runs in one database transaction. Data travels as
plain typed records; there are no domain objects with behaviour. Start with ``README.md``.
"""
