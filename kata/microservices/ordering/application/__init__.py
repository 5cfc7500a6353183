"""The ordering service's use cases, the saga orchestrator that moves stock in the inventory
service, the recovery of sagas left half-done, and the ports they need."""
