"""Thought providers: who writes a note's text (offline composer or Gemini)."""
