"""Cases whose statistics facts must be recomputed (kept in the case store).

A row is written in the same transaction as the change to the case, so a change can never be
committed without it; the statistics store, a separate database, is brought up to date from
these rows afterwards and the rows are then deleted. If that second step fails, the rows stay
and the next request (or `casework stats sync` / `verify`) finishes the job.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.clock import now
from casework.db import Base


class StatsOutbox(Base):
    __tablename__ = "stats_outbox"

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    enqueued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
