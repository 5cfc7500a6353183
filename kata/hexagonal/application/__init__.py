"""The application: inbound ports (the use cases the world may call), outbound ports (what
the use cases need from the world) and the services that implement the inbound ports."""
