"""Activation codes from a CSPRNG: 11 characters, at least one letter and one digit."""

from __future__ import annotations

import secrets
import string

from newvisions.utils.validators import ACTIVATION_CODE_LENGTH, is_activation_code

# Characters people misread when typing a code from a card (0/O, 1/l/I) are left out;
# every code is still within the required [A-Za-z0-9] format.
_ALPHABET = "".join(ch for ch in string.ascii_letters + string.digits if ch not in "0O1lI")


def generate_code() -> str:
    while True:
        code = "".join(secrets.choice(_ALPHABET) for _ in range(ACTIVATION_CODE_LENGTH))
        if is_activation_code(code):
            return code
