"""New Visions: a spectator's free choice, revealed by an old voice memo in your own voice."""

__version__ = "0.1.0"
