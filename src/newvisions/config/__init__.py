"""Settings, database engine and session, provider wiring."""
