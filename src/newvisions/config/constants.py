"""Constants shared across modules."""

API_PREFIX = "/api"
