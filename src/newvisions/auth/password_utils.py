"""Password hashing: Argon2id at or above the OWASP minimum, bcrypt accepted for old hashes."""

from __future__ import annotations

from functools import lru_cache

import anyio
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pwdlib.hashers.bcrypt import BcryptHasher

# OWASP Password Storage Cheat Sheet minimum for Argon2id: m=19 MiB, t=2, p=1.
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_TIME_COST = 2
ARGON2_PARALLELISM = 1


@lru_cache
def _hasher() -> PasswordHash:
    # The first hasher hashes new passwords; the others only verify (and trigger a re-hash).
    return PasswordHash(
        (
            Argon2Hasher(
                memory_cost=ARGON2_MEMORY_KIB,
                time_cost=ARGON2_TIME_COST,
                parallelism=ARGON2_PARALLELISM,
            ),
            BcryptHasher(),
        )
    )


@lru_cache
def _dummy_hash() -> str:
    return _hasher().hash("a password nobody has, to spend the same time")


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher().hash, password)


async def verify_password(password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """(valid, new hash if the stored one should be upgraded).

    With no stored hash (unknown account) a dummy hash is verified, so the response time does
    not tell whether the account exists.
    """
    if password_hash is None:
        await anyio.to_thread.run_sync(_hasher().verify, password, _dummy_hash())
        return False, None
    return await anyio.to_thread.run_sync(_hasher().verify_and_update, password, password_hash)
