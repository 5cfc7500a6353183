"""The read side (CQRS): tables shaped for the questions clients ask, each a projection of the
log, and the queries that read them. Nothing here loads an aggregate.

The store hands every newly recorded event to :func:`projector.project` in the appending
transaction, so a read after an answered write always sees it; :mod:`rebuild` throws the
tables away and projects the whole log again.
"""
