"""Event-sourced variant with CQRS (Young, "CQRS Documents"; Fowler, "Event Sourcing").

State is never updated in place: ``Order`` and ``Product`` are aggregates whose only
persistent state is their stream of events, appended with the version each stream was
expected at. The read side is a set of projections of the log, kept up to date in the
writing transaction and rebuilt from the log at will. Start with ``README.md``.
"""
