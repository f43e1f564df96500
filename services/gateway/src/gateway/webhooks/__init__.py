"""Webhooks: a region's systems are told of its events (results and allocations published, the
roster changed) by signed HTTP POSTs, read from the services' outboxes by a worker of the gateway."""
