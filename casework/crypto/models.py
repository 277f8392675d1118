"""Key material that lives in the case store: wrapped data keys and master-key check values."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Optional

from sqlalchemy import DateTime, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.clock import now
from casework.db import Base


def new_uuid() -> str:
    return str(uuid.uuid4())


class DataKey(Base):
    """A record owner's data key, stored only wrapped by a master key (envelope encryption).

    Destroying `wrapped` (crypto-shredding) makes everything sealed under it unreadable.
    """

    __tablename__ = "data_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    master_key_id: Mapped[Optional[str]] = mapped_column(String(40), index=True)
    wrapped: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    rewrapped_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    destroyed_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))


class KeyCheck(Base):
    """A known value sealed under each master key: tells a wrong key file from a corrupt database."""

    __tablename__ = "key_checks"

    master_key_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    check_value: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
