"""Application layer: the use cases, and the ports (repositories, unit of work) they need.

A use case opens a unit of work, loads aggregates by identity through their repositories,
asks a root (or the ``ordering`` domain service) to change, and commits.
"""
