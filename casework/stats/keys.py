"""The row key of a case in the statistics store: HMAC-SHA256 of the case id under the pepper.

The pepper is kept with the master keys (the key file or CASEWORK_MASTER_KEYS), never in either
database. With it, the application finds and replaces a case's rows when the case changes;
without it, the statistics store cannot be linked back to a case, even by someone holding both
databases. Truncated to 128 bits: ample against collisions for any centre's case count.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Optional

from casework.crypto.runtime import current_keyring

KEY_HEX_CHARS = 32


def row_key(case_id: str, pepper: Optional[bytes] = None) -> str:
    """The statistics key of one case (the current keyring's pepper unless one is given)."""
    secret = pepper if pepper is not None else current_keyring().stats_pepper
    return hmac.new(secret, case_id.encode("utf-8"), hashlib.sha256).hexdigest()[:KEY_HEX_CHARS]
