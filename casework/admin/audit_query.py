"""Reading the audit log as an administrator: filters, newest first, one page at a time.

Read-only: nothing here writes (the log is append-only and written by casework.audit.service).
Entries hold metadata only — who, what, which record, when, from where — never content.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.audit.models import AuditEntry


@dataclass(frozen=True)
class AuditFilters:
    """What the administrator narrowed the log to; empty values mean "any"."""

    actor_name: str = ""
    action: str = ""
    date_from: Optional[date] = None
    date_to: Optional[date] = None  # inclusive: the whole day is shown

    def conditions(self) -> list[Any]:
        found: list[Any] = []
        if self.actor_name:
            found.append(AuditEntry.actor_name == self.actor_name)
        if self.action:
            found.append(AuditEntry.action == self.action)
        if self.date_from:
            found.append(AuditEntry.at >= _start_of(self.date_from))
        if self.date_to:
            found.append(AuditEntry.at < _start_of(self.date_to + timedelta(days=1)))
        return found

    def as_query_args(self) -> dict[str, str]:
        """The filters as query-string values (for the links to other pages)."""
        args = {"actor": self.actor_name, "action": self.action,
                "date_from": self.date_from.isoformat() if self.date_from else "",
                "date_to": self.date_to.isoformat() if self.date_to else ""}
        return {name: value for name, value in args.items() if value}


def _start_of(day: date) -> datetime:
    # Entries are stored in UTC, so days are UTC days (the page says so).
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry] = field(default_factory=list)
    number: int = 1
    page_count: int = 1
    total: int = 0

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.page_count


def query_audit_log(session: Session, filters: AuditFilters, *, page: int,
                    page_size: int) -> AuditPage:
    """One page of the entries matching `filters`, newest first (by sequence number, which is
    the order they were written in). A page past the end shows the last page."""
    conditions = filters.conditions()
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions)) or 0
    page_count = max(1, math.ceil(total / page_size))
    number = min(max(1, page), page_count)
    entries = list(session.scalars(
        select(AuditEntry).where(*conditions).order_by(AuditEntry.seq.desc())
        .limit(page_size).offset((number - 1) * page_size)))
    return AuditPage(entries=entries, number=number, page_count=page_count, total=total)


def known_actions(session: Session) -> list[str]:
    """The action codes that occur in the log (offered as a filter)."""
    return list(session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))


def detail_items(entry: AuditEntry) -> list[tuple[str, str]]:
    """An entry's details as (name, value) pairs for display; they are short metadata values."""
    try:
        details = json.loads(entry.details or "{}")
    except ValueError:
        return []
    if not isinstance(details, dict):
        return []
    return [(str(name), "" if value is None else str(value)) for name, value in sorted(details.items())]
