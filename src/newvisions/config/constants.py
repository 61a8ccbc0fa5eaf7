"""Constants shared across modules."""

API_PREFIX = "/api"

# The largest page offset a list accepts: past it no page can exist, and the databases refuse
# integers beyond 64 bits (SQLite) or 63 (PostgreSQL) with an error instead of an empty page.
MAX_PAGE_OFFSET = 2**31 - 1
