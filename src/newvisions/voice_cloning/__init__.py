"""Recording intake, voice providers, the ephemeral clone workflow, clone ledger and sweeper."""
