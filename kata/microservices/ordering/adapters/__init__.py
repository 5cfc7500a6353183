"""The ordering service's adapters: HTTP in, SQL and the inventory service out."""
