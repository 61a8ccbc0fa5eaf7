"""Short-lived HS256 access tokens that name their session (`sid`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

ALGORITHM = "HS256"
ACCESS_TOKEN_TTL = timedelta(minutes=15)
_REQUIRED_CLAIMS = ("sub", "sid", "jti", "exp", "iat")


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID
    token_id: str
    expires_at: datetime


class InvalidAccessToken(Exception):
    """The token is malformed, expired, signed with another key or another algorithm."""


def encode_access_token(
    user_id: uuid.UUID, session_id: uuid.UUID, secret: str, *, now: datetime | None = None
) -> tuple[str, datetime]:
    issued = now or datetime.now(UTC)
    expires = issued + ACCESS_TOKEN_TTL
    claims = {
        "sub": str(user_id),
        "sid": str(session_id),
        "jti": uuid.uuid4().hex,
        "iat": issued,
        "exp": expires,
        "typ": "access",
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM), expires


def decode_access_token(token: str, secret: str) -> AccessClaims:
    try:
        # Only HS256 is accepted: "none" and every other algorithm are refused by PyJWT here.
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": list(_REQUIRED_CLAIMS)}
        )
        if claims.get("typ") != "access":
            raise InvalidAccessToken("not an access token")
        return AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            session_id=uuid.UUID(claims["sid"]),
            token_id=str(claims["jti"]),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )
    except (jwt.PyJWTError, ValueError, KeyError) as exc:
        raise InvalidAccessToken(str(exc)) from exc
