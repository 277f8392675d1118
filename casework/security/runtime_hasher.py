"""The application's password hasher, chosen by the PASSWORD_HASHER setting.

"standard" is the production parameter set; "fast" is still at the OWASP floor (argon2id,
19 MiB, t=2) and exists so a large test suite does not spend minutes hashing.
"""

from __future__ import annotations

import argon2
from flask import current_app, has_app_context

from casework.security.passwords import make_hasher


def password_hasher() -> argon2.PasswordHasher:
    fast = has_app_context() and current_app.config["PASSWORD_HASHER"] == "fast"
    key = "casework.hasher.fast" if fast else "casework.hasher.standard"
    store = current_app.extensions if has_app_context() else {}
    if key not in store:
        store[key] = make_hasher(fast_for_tests=fast)
    return store[key]
