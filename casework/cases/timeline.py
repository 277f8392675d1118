"""The timeline of a case: everything that happened in it, newest first.

Sessions, risk assessments, safety plans and consents come from their own rows (of this case
only: the caller has already passed casework.cases.access.case_for); the status changes come
from the case's audit entries, which say what happened and when but never the content.
Referrals join the timeline when they exist.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import Any, Optional

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from casework.audit.models import AuditEntry
from casework.cases.models import Case, CaseSession, Consent, RiskAssessment, SafetyPlan
from casework.clock import as_utc
from casework.codes import label

KIND_LABELS = {
    "session": _l("Session"), "risk_assessment": _l("Risk assessment"),
    "safety_plan": _l("Safety plan"), "consent": _l("Consent"), "status": _l("Case status"),
}
STATUS_WORDS = {
    "case.created": _l("Intake started"),
    "case.activated": _l("Intake completed: the case is active"),
    "case.closed": _l("Case closed"),
    "case.reopened": _l("Case reopened"),
}


@dataclass(frozen=True)
class CaseRecords:
    """The records below one case, each list newest first."""

    sessions: list[CaseSession]
    assessments: list[RiskAssessment]
    plans: list[SafetyPlan]
    consents: list[Consent]


@dataclass(frozen=True)
class TimelineItem:
    on: date
    kind: str
    text: str
    endpoint: Optional[str] = None
    params: dict = field(default_factory=dict)
    high_risk: bool = False
    # Among items of the same day, the one recorded later comes first.
    recorded_at: datetime = datetime.min.replace(tzinfo=timezone.utc)

    @property
    def kind_label(self) -> Any:
        return KIND_LABELS[self.kind]


def records_of(session: Session, case: Case) -> CaseRecords:
    """The sessions, assessments, plans and consents of `case` (consents of her with no case too)."""
    def newest_first(model: Any, day: Any) -> list[Any]:
        return list(session.scalars(select(model).where(model.case_id == case.id)
                                    .order_by(day.desc(), model.created_at.desc())))

    consents = session.scalars(
        select(Consent).where(or_(Consent.case_id == case.id,
                                  and_(Consent.case_id.is_(None), Consent.client_id == case.client_id)))
        .order_by(Consent.given_on.desc(), Consent.created_at.desc()))
    return CaseRecords(sessions=newest_first(CaseSession, CaseSession.held_on),
                       assessments=newest_first(RiskAssessment, RiskAssessment.assessed_on),
                       plans=newest_first(SafetyPlan, SafetyPlan.made_on),
                       consents=list(consents))


def session_minutes(details: Optional[dict]) -> Any:
    details = details or {}
    return details.get("duration_minutes", details.get("duration"))


def case_timeline(session: Session, case: Case, records: CaseRecords) -> list[TimelineItem]:
    """Every item of the case, newest first."""
    items = [*map(_session_item, records.sessions), *map(_assessment_item, records.assessments),
             *map(_plan_item, records.plans)]
    for consent in records.consents:
        items.extend(_consent_items(case, consent))
    items.extend(_status_items(session, case))
    return sorted(items, key=lambda item: (item.on, as_utc(item.recorded_at)), reverse=True)


def _session_item(record: CaseSession) -> TimelineItem:
    details = record.details or {}
    service = label("services", details.get("service")) or _("Session")
    minutes = session_minutes(details)
    text = _("%(service)s, %(minutes)s minutes", service=service, minutes=minutes) \
        if minutes else str(service)
    return TimelineItem(record.held_on, "session", text, "records.edit_session",
                        {"case_id": record.case_id, "session_id": record.id},
                        recorded_at=record.created_at)


def _assessment_item(record: RiskAssessment) -> TimelineItem:
    level = (record.assessment or {}).get("level")
    text = _("Risk level: %(level)s", level=label("risk_level", level)) if level else _("Risk assessed")
    return TimelineItem(record.assessed_on, "risk_assessment", text, "records.risk_assessment",
                        {"case_id": record.case_id, "assessment_id": record.id},
                        high_risk=level == "high", recorded_at=record.created_at)


def _plan_item(record: SafetyPlan) -> TimelineItem:
    return TimelineItem(record.made_on, "safety_plan", _("Safety plan made"), "records.safety_plan",
                        {"case_id": record.case_id, "plan_id": record.id},
                        recorded_at=record.created_at)


def _consent_items(case: Case, record: Consent) -> list[TimelineItem]:
    kind = label("consent_kinds", record.kind)
    link = {"case_id": case.id}
    items = [TimelineItem(record.given_on, "consent", _("%(kind)s: given", kind=kind),
                          "records.consents", link, recorded_at=record.created_at)]
    if record.withdrawn_on is not None:
        end_of_day = datetime.combine(record.withdrawn_on, time.max, tzinfo=timezone.utc)
        items.append(TimelineItem(record.withdrawn_on, "consent", _("%(kind)s: withdrawn", kind=kind),
                                  "records.consents", link, recorded_at=end_of_day))
    return items


def _status_items(session: Session, case: Case) -> list[TimelineItem]:
    # Newest first already, so that changes made in the same instant keep their order in the
    # (stable) sort of the whole timeline.
    entries = session.scalars(select(AuditEntry).where(
        AuditEntry.target_type == "case", AuditEntry.target_id == case.id,
        AuditEntry.action.in_(STATUS_WORDS)).order_by(AuditEntry.seq.desc()))
    return [TimelineItem(as_utc(entry.at).date(), "status", _status_text(entry),
                         recorded_at=as_utc(entry.at)) for entry in entries]


def _status_text(entry: AuditEntry) -> str:
    reason = json.loads(entry.details or "{}").get("reason") if entry.action == "case.closed" else None
    if reason:
        return _("Case closed: %(reason)s", reason=label("closure_reasons", reason))
    return str(STATUS_WORDS[entry.action])
