"""The per-address budget of every POST that checks a password or a code (sign-in, second
factor, re-authentication, and the re-authentication inside the break-the-glass form)."""

from __future__ import annotations

from flask import current_app

from casework.extensions import limiter

# One budget per client address, shared by every POST that checks a secret.
secret_checks = limiter.shared_limit(lambda: current_app.config["SIGNIN_LIMIT_PER_ADDRESS"],
                                     scope="auth-secrets", methods=["POST"])
