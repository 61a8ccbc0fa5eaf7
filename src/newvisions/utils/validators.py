"""Validators shared by several modules' schemas."""

from __future__ import annotations

import re

ACTIVATION_CODE_LENGTH = 11
_ACTIVATION_CODE = re.compile(r"^(?=.*[A-Za-z])(?=.*[0-9])[A-Za-z0-9]{11}$")
USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,32}$"
SUPPORTED_LANGUAGES = ("en", "es", "fr", "de", "it", "pt")


def is_activation_code(value: str) -> bool:
    """Exactly 11 characters of [A-Za-z0-9] with at least one letter and one digit."""
    return bool(_ACTIVATION_CODE.match(value))
