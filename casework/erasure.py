"""Erasing a woman: the one place that knows everything sealed about her.

Her own record and cases are sealed under her data key; each referral packet is sealed under a
key of its own (so a partner never holds her key), so those are shredded one by one first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from casework.clients.identity import erase_client
from casework.referrals.service import shred_referrals_of_client


def erase_woman(session: Session, client_id: str, *, actor: Any) -> None:
    """Crypto-shred everything of hers: referral packets, then her data key and record."""
    shred_referrals_of_client(session, client_id)
    erase_client(session, client_id, actor=actor)
