"""Adapters over AWS services. Each takes an injected boto3 client, so tests pass a stub."""
