"""Adapters: the outside of the hexagon. Inbound adapters drive the inbound ports; outbound
adapters implement the outbound ports. Neither kind knows the other."""
