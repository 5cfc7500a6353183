"""The domain: two event-sourced aggregates (Order, Product), their events, value objects and
one domain service.

Plain Python: no framework, no SQL, no event-store library. An aggregate's state is the fold
of its events; the event store, outside, keeps the events and nothing else.
"""
