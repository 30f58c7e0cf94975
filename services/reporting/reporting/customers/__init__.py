"""Customer 360: every interaction of one customer across channels and services, identities joined."""
