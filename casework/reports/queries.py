"""GROUP BY queries over the statistics store: the true counts behind one year's tables.

The statistics store only (casework.stats.models): reporting works with the case database
unreachable. Each statement is a plain aggregate over one year; `statements(year)` lists them
all, so the benchmark can time the same SQL without the report around it. Counts of women are
counts of case-years with a contact in the year (`contact_in_year`), except where a table says
otherwise (new women, closures, referrals, sessions).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import Select, and_, case, distinct, func, literal, select, union
from sqlalchemy.orm import Session, aliased

from casework.clock import as_utc
from casework.reports.definitions import AGE_GROUP_OF, NOT_ADMITTED, PERPETRATOR_GROUPS, TREND_YEARS
from casework.stats.models import (ActivityCount, CaseYearCode, CaseYearFact, CaseYearReferral,
                                   CaseYearService, EnquiryCount, EnquiryTopicCount, StatsMeta)

F = CaseYearFact
# Single-valued facts of the women with a contact in the year, and of the new women.
WOMEN_COLUMNS = ("age_band", "migration_status", "nationality_group", "reason_for_contact",
                 "abuse_duration", "children_exposed", "area")
NEW_WOMEN_COLUMNS = ("referral_source", "time_to_contact")
# Bookkeeping rows of stats_meta: `version` and `rebuilt_at` (casework.stats.sync), `pending`
# (outbox entries left after the last sync) and `verified_at` (the last agreeing verify).
VERSION, REBUILT_AT, PENDING, VERIFIED_AT = "version", "rebuilt_at", "pending", "verified_at"


@dataclass
class YearCounts:
    """The true counts of one year; never shown as they are (build.py protects them)."""

    year: int
    values: dict[str, dict[tuple, int]] = field(default_factory=dict)

    def of(self, name: str) -> dict[tuple, int]:
        return self.values.get(name, {})

    def digest(self) -> str:
        """A fingerprint of every count: the cache serves a protection only for these counts."""
        text = repr(sorted((name, sorted(rows.items())) for name, rows in self.values.items()))
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def empty(self) -> bool:
        return not any(n for name, rows in self.values.items() if name != "trend"
                       for n in rows.values())


def _women(year: int) -> Any:
    return and_(F.year == year, F.contact_in_year.is_(True))


def _group_case(column: Any, groups: dict[str, tuple[str, ...]], other: str) -> Any:
    return case(*((column.in_(codes), literal(group)) for group, codes in groups.items()),
                else_=literal(other))


def statements(year: int) -> dict[str, Select]:
    """Every aggregate of one year's tables, by name (each row: codes…, count)."""
    c, v, p = aliased(CaseYearCode), aliased(CaseYearCode), aliased(CaseYearCode)
    joined = (F.key == c.key) & (F.year == c.year)
    group = _group_case(p.code, PERPETRATOR_GROUPS, "other")
    reason = func.coalesce(F.closure_reason, "other")  # one object: the same SQL in GROUP BY
    stmts: dict[str, Select] = {
        "women": select(F.is_new, func.count()).where(_women(year)).group_by(F.is_new),
        "months": select(F.intake_month, func.count())
        .where(_women(year), F.is_new.is_(True)).group_by(F.intake_month),
        "closed": select(reason, func.count())
        .where(F.year == year, F.closed_in_year.is_(True)).group_by(reason),
        "codes": select(c.dimension, c.code, func.count()).join(F, joined)
        .where(_women(year)).group_by(c.dimension, c.code),
        "violence_by_age": select(c.code, F.age_band, func.count()).join(F, joined)
        .where(_women(year), c.dimension == "violence_type").group_by(c.code, F.age_band),
        "violence_by_group": select(v.code, group, func.count(distinct(F.key)))
        .join(v, (v.key == F.key) & (v.year == F.year))
        .join(p, (p.key == F.key) & (p.year == F.year))
        .where(_women(year), v.dimension == "violence_type",
               p.dimension == "perpetrator_relationship").group_by(v.code, group),
        "article11": select(F.age_band, v.code, group, F.area, func.count(distinct(F.key)))
        .join(v, (v.key == F.key) & (v.year == F.year))
        .join(p, (p.key == F.key) & (p.year == F.year))
        .where(_women(year), v.dimension == "violence_type",
               p.dimension == "perpetrator_relationship")
        .group_by(F.age_band, v.code, group, F.area),
        "services": select(CaseYearService.service, func.sum(CaseYearService.sessions),
                           func.sum(CaseYearService.minutes))
        .where(CaseYearService.year == year).group_by(CaseYearService.service),
        "referrals": select(CaseYearReferral.partner_type, CaseYearReferral.outcome,
                            func.sum(CaseYearReferral.referrals))
        .where(CaseYearReferral.year == year)
        .group_by(CaseYearReferral.partner_type, CaseYearReferral.outcome),
        "shelter": _shelter(year),
        "enquiries": select(EnquiryCount.channel, EnquiryCount.caller,
                            func.sum(EnquiryCount.enquiries))
        .where(EnquiryCount.year == year).group_by(EnquiryCount.channel, EnquiryCount.caller),
        "enquiry_months": select(EnquiryCount.month, func.sum(EnquiryCount.enquiries))
        .where(EnquiryCount.year == year).group_by(EnquiryCount.month),
        "topics": select(EnquiryTopicCount.topic, func.sum(EnquiryTopicCount.enquiries))
        .where(EnquiryTopicCount.year == year).group_by(EnquiryTopicCount.topic),
        "activities": select(ActivityCount.kind, func.sum(ActivityCount.activities),
                             func.sum(ActivityCount.participants))
        .where(ActivityCount.year == year).group_by(ActivityCount.kind),
        "trend": select(F.year, func.count())
        .where(F.year.between(year - TREND_YEARS + 1, year), F.contact_in_year.is_(True))
        .group_by(F.year),
    }
    for column in WOMEN_COLUMNS:
        attribute = getattr(F, column)
        stmts[column] = select(attribute, func.count()).where(_women(year)).group_by(attribute)
    for column in NEW_WOMEN_COLUMNS:
        attribute = getattr(F, column)
        stmts[column] = select(attribute, func.count()).where(_women(year), F.is_new.is_(True)) \
            .group_by(attribute)
    return stmts


def _shelter(year: int) -> Select:
    """Women (not referrals) on the shelter pathway: referred, admitted, not admitted and why."""
    r = CaseYearReferral
    shelter = r.partner_type == "shelter"

    def women(*conditions: Any) -> Any:
        return func.count(distinct(case((and_(shelter, *conditions), r.key))))

    declined = r.outcome == "declined"
    return select(women(), women(r.admitted.is_(True)),
                  *(women(declined, r.reason == reason) for reason in NOT_ADMITTED)) \
        .join(F, (F.key == r.key) & (F.year == r.year)).where(_women(year), r.year == year)


def year_counts(session: Session, year: int) -> YearCounts:
    """Run every statement of the year; counts keyed by their codes (tuples)."""
    counts = YearCounts(year)
    for name, stmt in statements(year).items():
        rows = session.execute(stmt).all()
        counts.values[name] = _keyed(name, rows)
    return counts


def _keyed(name: str, rows: list[Any]) -> dict[tuple, int]:
    if name == "shelter":
        (row,) = rows
        steps = ("referred", "admitted", *NOT_ADMITTED)
        return {(step,): int(n or 0) for step, n in zip(steps, row)}
    if name in ("services", "activities"):  # two sums: (code, "first") and (code, "second")
        found: dict[tuple, int] = {}
        for code, first, second in rows:
            found[(code, 0)], found[(code, 1)] = int(first or 0), int(second or 0)
        return found
    if name == "months":
        return {(f"{month:02d}",): n for month, n in rows if month}
    if name == "violence_by_age":
        grouped: dict[tuple, int] = defaultdict(int)
        for violence, band, n in rows:
            grouped[(violence, AGE_GROUP_OF.get(band, "unknown"))] += n
        return dict(grouped)
    if name == "article11":
        grouped = defaultdict(int)
        for band, violence, group, area, n in rows:
            grouped[(AGE_GROUP_OF.get(band, "unknown"), violence, group, area)] += n
        return dict(grouped)
    return {tuple(_code(x) for x in row[:-1]): int(row[-1] or 0) for row in rows}


def _code(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def years_with_data(session: Session) -> list[int]:
    """The years that have something to report: a woman with a contact, an enquiry, an activity."""
    found = session.scalars(union(
        select(F.year).where(F.contact_in_year.is_(True)).distinct(),
        select(EnquiryCount.year).distinct(), select(ActivityCount.year).distinct()))
    return sorted({int(year) for year in found}, reverse=True)


@dataclass(frozen=True)
class Freshness:
    """What the store says of itself: its version, and whether it may lag behind the cases."""

    version: str
    pending: Optional[int]
    checked_at: Optional[datetime]  # the last rebuild or agreeing verify

    @property
    def stale(self) -> bool:
        return bool(self.pending) or self.checked_at is None


def freshness(session: Session) -> Freshness:
    meta = {row.key: row for row in session.scalars(select(StatsMeta))}
    pending = meta.get(PENDING)
    checks = [as_utc(row.updated_at) for key, row in meta.items()
              if key in (REBUILT_AT, VERIFIED_AT)]
    return Freshness(version=meta[VERSION].value if VERSION in meta else "0",
                     pending=int(pending.value) if pending and pending.value.isdigit() else None,
                     checked_at=max(checks, default=None))


def stats_version(session: Session) -> str:
    return session.scalar(select(StatsMeta.value).where(StatsMeta.key == VERSION)) or "0"
