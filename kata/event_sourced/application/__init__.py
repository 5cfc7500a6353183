"""The write side (commands): load aggregates by replaying their streams, ask them to change,
append the events they raised, each stream expecting the version it was loaded at.

Commands answer nothing but an identity: what a client sees afterwards is read by the
query side (``projections``), which the same transaction brought up to date.
"""
