"""Short-lived signed links to one generated memo, for `<audio src>` (no header possible).

A link is an HS256 JWT naming the audio and its owner, signed with a key derived from the
app secret for this purpose only, so it can never pass as an access token or vice versa.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime, timedelta

import jwt

ALGORITHM = "HS256"
LINK_TYPE = "audio_link"


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"newvisions audio link", hashlib.sha256).digest()


def sign(
    audio_id: uuid.UUID, user_id: uuid.UUID, secret: str, *, now: datetime, ttl: timedelta
) -> tuple[str, datetime]:
    expires_at = now + ttl
    claims = {"typ": LINK_TYPE, "aid": str(audio_id), "sub": str(user_id), "exp": expires_at}
    return jwt.encode(claims, _key(secret), algorithm=ALGORITHM), expires_at


def verify(token: str, audio_id: uuid.UUID, secret: str) -> uuid.UUID | None:
    """The owner named by a valid, unexpired link for `audio_id`; None otherwise."""
    try:
        claims = jwt.decode(
            token, _key(secret), algorithms=[ALGORITHM], options={"require": ["exp", "sub"]}
        )
        if claims.get("typ") != LINK_TYPE or claims.get("aid") != str(audio_id):
            return None
        return uuid.UUID(claims["sub"])
    except (jwt.PyJWTError, ValueError, KeyError):
        return None
