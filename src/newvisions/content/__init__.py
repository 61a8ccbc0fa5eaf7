"""Content: routines and spoken values, the note composer, thought providers, the reveal check."""
