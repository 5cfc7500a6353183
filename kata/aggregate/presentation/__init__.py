"""Presentation layer: Flask blueprints and marshmallow schemas.

It turns HTTP requests into calls of the use cases and their answers into JSON,
and every refusal into RFC 9457 problem details. It holds no business rule.
"""
