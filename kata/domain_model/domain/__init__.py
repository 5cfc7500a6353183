"""The domain model: entities, value objects, domain events and the rules they keep.

The entities are mapped with SQLAlchemy's declarative ORM, as most teams in this style do
(JPA's ``@Entity`` in Java): an honest coupling the hexagonal variant later removes.
"""
