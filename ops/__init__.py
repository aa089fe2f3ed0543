"""The operator's view: requests by status, one request's timeline, the stack outputs, the cost model."""
