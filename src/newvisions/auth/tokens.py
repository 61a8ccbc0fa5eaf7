"""Opaque random tokens (refresh tokens, reset codes) and the hash they are stored as."""

from __future__ import annotations

import hashlib
import secrets


def new_opaque_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()
