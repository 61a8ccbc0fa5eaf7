"""Registration, profile, settings, account deletion."""
