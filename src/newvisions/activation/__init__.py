"""Activation codes: generation, atomic single-use redemption, admin management."""
