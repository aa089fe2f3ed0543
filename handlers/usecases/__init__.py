"""What each function does, independent of how it is invoked."""
