"""The domain: two aggregates (Order, Product), value objects, events, and one domain service.

Plain Python: no framework, no ORM. Infrastructure maps it to tables from the outside.
"""
