"""Voice-memo rendering and the private, expiring storage of generated audio."""
