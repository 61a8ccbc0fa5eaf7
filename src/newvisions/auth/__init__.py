"""Password hashing, JWT access tokens, refresh-token sessions, the CurrentUser dependency."""
