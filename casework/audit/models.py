"""The append-only audit log of the case store (the database refuses updates and deletes)."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base


class AuditEntry(Base):
    """Who did what to which record and when; never the content.

    `mac` is an HMAC, under the audit key kept with the master keys, over the previous entry's
    mac, this entry's sequence number and its canonical form: a change, deletion or reordering
    breaks the chain, and someone with write access to the database alone cannot forge it.
    """

    __tablename__ = "audit_entries"
    # A record's history (the case page's timeline, who opened a packet) is read by its target.
    __table_args__ = (Index("ix_audit_entries_target", "target_type", "target_id"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(Integer, index=True)
    actor_name: Mapped[str] = mapped_column(String(80), default="")
    action: Mapped[str] = mapped_column(String(60), index=True)
    target_type: Mapped[str] = mapped_column(String(40), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[str] = mapped_column(Text, default="{}")
    address: Mapped[str] = mapped_column(String(64), default="")
    mac: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's newest sequence number and mac, one row.

    Writers take the row lock first (an UPDATE), which serialises them on PostgreSQL and SQLite
    alike, so two requests never claim the same sequence number.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    mac: Mapped[str] = mapped_column(String(64), default="")
