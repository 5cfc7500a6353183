"""The domain: the Order and Product aggregates, value objects, events, and the ``ordering``
domain service. Plain Python, the centre of the hexagon: it imports nothing outside it."""
