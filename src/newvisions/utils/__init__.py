"""Small topic modules shared by every package: errors, logging, metrics, request context."""
