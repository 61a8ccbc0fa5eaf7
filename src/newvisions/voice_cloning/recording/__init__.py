"""Recording intake: upload, decode, validate, store privately and analyse the performer's voice."""
