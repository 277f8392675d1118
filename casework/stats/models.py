"""Tables of the statistics store. Nothing here identifies a woman, a case or a counsellor.

A case's facts are keyed by `key`, a truncated HMAC of the case id under the statistics pepper
(casework.stats.keys): the row can be replaced when the case changes, but without the pepper,
which is kept with the master keys and never in a database, it cannot be linked to the case.
Every value is a code, a year, a month or a count: no name, no exact date, no free text, no id
of a case, a client or a counsellor. See docs/statistics-store.md for what each column means.

Missing answers are stored as codes too (`not_stated` for what she was asked, `unknown` for a
derived band), never as NULL, so every table adds up without special cases in the reports.
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import (Boolean, DateTime, ForeignKeyConstraint, Index, Integer, SmallInteger,
                        String)
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import StatsBase

KEY_LENGTH = 32
CODE_LENGTH = 40


class StatsMeta(StatsBase):
    """Bookkeeping of the store itself: "version" (bumped on every change; the reports cache
    their suppression audit per version) and "rebuilt_at"."""

    __tablename__ = "stats_meta"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CaseYearFact(StatsBase):
    """One case in one year in which it had a contact (or was closed): its coarsened facts."""

    __tablename__ = "case_year_facts"
    __table_args__ = (Index("ix_case_year_facts_year", "year"),)

    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    # intake date or at least one session in the year: "a woman with a contact in the year"
    contact_in_year: Mapped[bool] = mapped_column(Boolean)
    is_new: Mapped[bool] = mapped_column(Boolean)
    intake_month: Mapped[Optional[int]] = mapped_column(SmallInteger)  # 1..12 when is_new
    closed_in_year: Mapped[bool] = mapped_column(Boolean)
    closure_reason: Mapped[Optional[str]] = mapped_column(String(CODE_LENGTH))
    age_band: Mapped[str] = mapped_column(String(CODE_LENGTH))
    migration_status: Mapped[str] = mapped_column(String(CODE_LENGTH))
    nationality_group: Mapped[str] = mapped_column(String(CODE_LENGTH))
    area: Mapped[str] = mapped_column(String(CODE_LENGTH))
    reason_for_contact: Mapped[str] = mapped_column(String(CODE_LENGTH))
    referral_source: Mapped[str] = mapped_column(String(CODE_LENGTH))
    contact_channel: Mapped[str] = mapped_column(String(CODE_LENGTH))
    abuse_duration: Mapped[str] = mapped_column(String(CODE_LENGTH))
    time_to_contact: Mapped[str] = mapped_column(String(CODE_LENGTH))
    children_exposed: Mapped[str] = mapped_column(String(CODE_LENGTH))


def _of_case_year() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["key", "year"], ["case_year_facts.key", "case_year_facts.year"],
                                ondelete="CASCADE")


class CaseYearCode(StatsBase):
    """A multi-valued fact of a case-year: one row per (dimension, code).

    Dimensions: violence_type, perpetrator_relationship, discrimination_factor, request,
    justice_step.
    """

    __tablename__ = "case_year_codes"
    __table_args__ = (_of_case_year(),)

    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    dimension: Mapped[str] = mapped_column(String(30), primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)


class CaseYearService(StatsBase):
    """Sessions held in the year, by service: how many and how long in total."""

    __tablename__ = "case_year_services"
    __table_args__ = (_of_case_year(),)

    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    service: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)
    sessions: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)


class CaseYearReferral(StatsBase):
    """Referrals sent in the year, by partner type and outcome (the referral's status now), the
    decline reason (`none` when not declined) and whether she was admitted (arrived)."""

    __tablename__ = "case_year_referrals"
    __table_args__ = (_of_case_year(),)

    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    partner_type: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)
    reason: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)
    admitted: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    referrals: Mapped[int] = mapped_column(Integer)


class EnquiryCount(StatsBase):
    """Anonymous enquiries by month, channel, caller and outcome (no key: nobody to key)."""

    __tablename__ = "enquiry_counts"

    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    month: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    channel: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)
    caller: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)
    enquiries: Mapped[int] = mapped_column(Integer)


class EnquiryTopicCount(StatsBase):
    """Anonymous enquiries by topic (an enquiry counts under each of its topics)."""

    __tablename__ = "enquiry_topic_counts"

    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    topic: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)
    enquiries: Mapped[int] = mapped_column(Integer)


class ActivityCount(StatsBase):
    """The centre's activities by kind and audience, with their participants."""

    __tablename__ = "activity_counts"

    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)
    audience: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)
    activities: Mapped[int] = mapped_column(Integer)
    participants: Mapped[int] = mapped_column(Integer)


CASE_TABLES = (CaseYearCode, CaseYearService, CaseYearReferral, CaseYearFact)  # children first
CENTRE_TABLES = (EnquiryCount, EnquiryTopicCount, ActivityCount)
