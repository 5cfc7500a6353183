"""The HTTP inbound adapter: Flask blueprints and marshmallow schemas at the edge.

It turns requests into commands for the inbound ports and their results into JSON, and every
refusal into RFC 9457 problem details. It holds no business rule.
"""
