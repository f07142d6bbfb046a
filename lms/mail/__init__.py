"""Mail through a transactional outbox: queue in the change's transaction, send later."""
