"""Releases of the yearly statistics, kept in the statistics store.

A release is a frozen JSON snapshot of what a year's report published — protected figures only,
a hidden one is null — so it reads the same whatever the store holds later. It records nothing
about who made it: the case store's audit log does ("report.released").
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import DateTime, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import StatsBase


class ReportRelease(StatsBase):
    """Release `number` of a year's report (1, then 2 for its first correction, …)."""

    __tablename__ = "report_releases"
    __table_args__ = (UniqueConstraint("year", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    number: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    stats_version: Mapped[str] = mapped_column(String(40))
    k: Mapped[int] = mapped_column(SmallInteger)
    k_sensitive: Mapped[int] = mapped_column(SmallInteger)
    # The release this one corrects, whose published figures it was audited against.
    audited_against: Mapped[Optional[int]] = mapped_column(SmallInteger)
    snapshot: Mapped[str] = mapped_column(Text)
