"""The event store: the log of every event, on SQLAlchemy Core, append-only.

It implements the application's ``EventStore`` port. It never updates or deletes an event;
the projections it brings up to date at each commit are handed to it by ``app.py``.
"""
