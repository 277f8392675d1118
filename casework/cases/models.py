"""A case and everything recorded in it.

Content is sealed under the client's own data key (so erasing her shreds her cases too). In
clear are only what routing and listing need: ids, status, assignment, dates and versions.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casework.clock import now
from casework.crypto.fields import SealedField
from casework.crypto.models import new_uuid
from casework.db import Base

CASE_STATUSES = ("draft", "active", "closed")


class SealedUnderClientKey:
    """Rows of a case are sealed under the client's data key, copied onto each row."""

    data_key_id: Mapped[str]

    def sealing_key_id(self) -> str:
        return self.data_key_id


class Case(SealedUnderClientKey, Base):
    __tablename__ = "cases"
    # Her worklist in the dashboard's order, read from the index alone (migration case_0007).
    __table_args__ = (Index("ix_cases_worklist", "assigned_counsellor_id", "status",
                            "next_follow_up_on", "created_at", "id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id"), index=True)
    data_key_id: Mapped[str] = mapped_column(ForeignKey("data_keys.id"))
    status: Mapped[str] = mapped_column(String(10), default="draft")
    assigned_counsellor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    opened_on: Mapped[Optional[date]] = mapped_column(Date)
    closed_on: Mapped[Optional[date]] = mapped_column(Date)
    next_follow_up_on: Mapped[Optional[date]] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, onupdate=now)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # intake sections (reason, channel, referral source, requests, violence types, history,
    # justice steps, area, narrative), perpetrators, the latest risk level, closure
    intake_sealed: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    perpetrators_sealed: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    risk_level_sealed: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    closure_sealed: Mapped[Optional[bytes]] = mapped_column(LargeBinary)

    __mapper_args__ = {"version_id_col": version}

    intake = SealedField("intake_sealed", kind=dict)
    perpetrators = SealedField("perpetrators_sealed", kind=list)
    risk_level = SealedField("risk_level_sealed", kind=str)
    closure = SealedField("closure_sealed", kind=dict)


class CaseShare(Base):
    """Another counsellor the case is shared with, by name."""

    __tablename__ = "case_shares"
    __table_args__ = (UniqueConstraint("case_id", "counsellor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    counsellor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    shared_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class CaseSession(SealedUnderClientKey, Base):
    """One contact: duration, service, mode, interpreter, notes (sealed); its date in clear."""

    __tablename__ = "case_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    data_key_id: Mapped[str] = mapped_column(ForeignKey("data_keys.id"))
    counsellor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    held_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    version: Mapped[int] = mapped_column(Integer, default=1)
    details_sealed: Mapped[Optional[bytes]] = mapped_column(LargeBinary)

    __mapper_args__ = {"version_id_col": version}

    details = SealedField("details_sealed", kind=dict)


class RiskAssessment(SealedUnderClientKey, Base):
    """A dated checklist of risk indicators with the counsellor's level; each one kept."""

    __tablename__ = "risk_assessments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    data_key_id: Mapped[str] = mapped_column(ForeignKey("data_keys.id"))
    assessed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    assessed_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    assessment_sealed: Mapped[Optional[bytes]] = mapped_column(LargeBinary)

    assessment = SealedField("assessment_sealed", kind=dict)


class SafetyPlan(SealedUnderClientKey, Base):
    """A dated safety plan (safe contacts, places, documents, children, escape, digital)."""

    __tablename__ = "safety_plans"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    data_key_id: Mapped[str] = mapped_column(ForeignKey("data_keys.id"))
    made_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    made_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    plan_sealed: Mapped[Optional[bytes]] = mapped_column(LargeBinary)

    plan = SealedField("plan_sealed", kind=dict)


class Consent(SealedUnderClientKey, Base):
    """A dated consent (processing, statistics, referral) and its withdrawal; each change kept."""

    __tablename__ = "consents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id"), index=True)
    case_id: Mapped[Optional[str]] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    data_key_id: Mapped[str] = mapped_column(ForeignKey("data_keys.id"))
    kind: Mapped[str] = mapped_column(String(20))  # processing | statistics | referral
    given_on: Mapped[date] = mapped_column(Date)
    withdrawn_on: Mapped[Optional[date]] = mapped_column(Date)
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    # for referrals: the partner, the purpose and what may be shared; a note for any kind
    scope_sealed: Mapped[Optional[bytes]] = mapped_column(LargeBinary)

    scope = SealedField("scope_sealed", kind=dict)


class BreakGlassAccess(SealedUnderClientKey, Base):
    """A counsellor's time-limited, audited access to a case not hers, with her written reason."""

    __tablename__ = "break_glass_accesses"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    counsellor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    data_key_id: Mapped[str] = mapped_column(ForeignKey("data_keys.id"))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reviewed_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    reviewed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    reason_sealed: Mapped[Optional[bytes]] = mapped_column(LargeBinary)

    reason = SealedField("reason_sealed", kind=str)


class Notification(Base):
    """An alert for one person (a break-the-glass on her case); says which case, never content."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[Optional[str]] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    read_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
