"""Presentation layer: Flask blueprints and marshmallow schemas.

A write request runs one command, then answers with what the query side reads back; a read
request runs one query. Every refusal becomes RFC 9457 problem details. No business rule.
"""
