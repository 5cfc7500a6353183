"""The microservice chassis: HTTP plumbing both services build on (problem details, strict JSON
bodies, marshmallow fields for the spec's values). No domain, no storage: sharing it couples
the services to a protocol, not to each other."""
