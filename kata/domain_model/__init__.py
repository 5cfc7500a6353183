"""Rich Domain Model variant (Fowler, *Patterns of Enterprise Application Architecture*).

Behaviour lives on the objects: an ``Order`` places, amends, pays, cancels and ships itself,
a ``Product`` reserves and releases its stock. A thin service layer opens a unit of work,
loads, calls one domain method and commits. Start with ``README.md``.
"""
