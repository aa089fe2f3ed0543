"""The Pulumi components of partner-confirm and the pure builders they share."""
