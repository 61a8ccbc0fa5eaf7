"""Monthly character quotas, usage info and request rate limits."""
