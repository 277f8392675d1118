"""Time-based one-time passwords (RFC 6238) for the second factor, and their QR code.

Pure functions: the caller stores the secret (sealed) and the last accepted time step, and
passes that step back in, which is what makes each code usable once only.
"""

from __future__ import annotations

import hmac
import re
import time
import unicodedata

import pyotp
import segno
from flask_babel import lazy_gettext as _l

DIGITS = 6
INTERVAL_SECONDS = 30
# 32 base32 characters = 160 bits, the key length RFC 4226 recommends.
SECRET_BASE32_CHARS = 32
# The QR code is drawn with whole pixels per module; this is the size aimed at.
QR_TARGET_PX = 200

_CODE_PATTERN = re.compile(r"[0-9]{%d}" % DIGITS, re.ASCII)


def new_totp_secret() -> str:
    """A new random secret (base32, 160 bits) from the operating system's CSPRNG."""
    return pyotp.random_base32(length=SECRET_BASE32_CHARS)


def provisioning_uri(secret: str, account_name: str, issuer: str = "Casework") -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL_SECONDS).provisioning_uri(
        name=account_name, issuer_name=issuer)


def qr_svg(uri: str, *, title: str | None = None) -> str:
    """The QR code for `uri` as an inline SVG element, drawn locally (no network, no images).

    No XML declaration, so it can be placed straight into a page; a <title> and role="img"
    give screen readers a name for it. A white background keeps it scannable in dark mode.
    """
    qr = segno.make(uri, error="m")
    width, _height = qr.symbol_size(scale=1)
    scale = max(1, round(QR_TARGET_PX / width))
    label = title if title is not None else str(
        _l("QR code to scan with your authenticator app"))
    svg = qr.svg_inline(scale=scale, title=label, light="#fff", dark="#000",
                        svgclass="totp-qr")
    size = width * scale
    # A viewBox lets page CSS shrink it on narrow screens without cropping.
    return svg.replace("<svg ", f'<svg role="img" viewBox="0 0 {size} {size}" ', 1)


def current_step(now: float | None = None) -> int:
    """The RFC 6238 time step (counter) for `now` (seconds since the epoch; default: now)."""
    moment = time.time() if now is None else now
    return int(moment // INTERVAL_SECONDS)


def normalise_code(code: str) -> str | None:
    """The code as six ASCII digits, or None when it cannot be one.

    Spaces are dropped ("123 456"), and digits typed on Arabic, Persian or full-width
    keyboards are read as the digits they are.
    """
    compact = "".join(ch for ch in code if not ch.isspace())
    ascii_digits = "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch
                           for ch in compact)
    return ascii_digits if _CODE_PATTERN.fullmatch(ascii_digits) else None


def verify_totp(secret: str, code: str, *, last_used_step: int | None,
                now: float | None = None, valid_window: int = 1) -> int | None:
    """The time step the code belongs to, if it is valid and newer than `last_used_step`.

    Codes of the steps within ±valid_window of now are accepted (clock drift, slow typing).
    A step at or before `last_used_step` is refused, so a code works once, and no older code
    works after a newer one: an observed code cannot be replayed. Returns None otherwise.
    """
    if valid_window < 0:
        raise ValueError("valid_window must not be negative")
    wanted = normalise_code(code) if isinstance(code, str) else None
    if wanted is None:
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL_SECONDS)
    centre = current_step(now)
    matched: int | None = None
    # Every window is compared (constant-time each) so the time taken says nothing about
    # which step matched.
    for step in range(centre - valid_window, centre + valid_window + 1):
        if step < 0:
            continue
        if hmac.compare_digest(totp.generate_otp(step), wanted):
            if last_used_step is None or step > last_used_step:
                matched = step if matched is None else max(matched, step)
    return matched
