"""Tables of the statistics store. Nothing here identifies a woman, a case or a counsellor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import StatsBase


class StatsMeta(StatsBase):
    """Bookkeeping of the store itself (for instance when it was last rebuilt)."""

    __tablename__ = "stats_meta"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
