"""Anonymous enquiries and the centre's activities: the only writer of them.

Neither holds personal data (codes, dates, counts, a short title), so both are kept in clear;
the rules here keep it that way: codes only from the lists, no free text on an enquiry, dates of
what happened (never in the future), counts in a plausible range, partner organisations from the
directory. Every read and change is audited in the caller's transaction, with ids and field
names only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Sequence

from flask_babel import format_number
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from casework.audit.service import record
from casework.auth.models import Organisation
from casework.centre.models import Activity, Enquiry
from casework.clock import today
from casework.codes import code_list, is_valid
from casework.errors import DomainError, NotFound, StaleEdit

TITLE_MAX_LENGTH = 200
PARTICIPANTS_MAX = 100_000
ACTIVITY_FIELDS = ("held_on", "kind", "audience", "participants", "partner_organisation_ids", "title")


class InvalidCentreRecord(DomainError):
    """A value the rules refuse; `field` names the form field the message belongs next to."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class EnquiryMonth:
    """This month's enquiries, newest first, and how many ended with each outcome."""

    first_day: date
    enquiries: list[Enquiry]
    by_outcome: list[tuple[str, int]]
    total: int


@dataclass(frozen=True)
class ActivityYear:
    """This year's activities, newest first, with the names of the partners they name."""

    year: int
    activities: list[Activity]
    organisation_names: dict[int, str]
    participants: int



# --- Enquiries --------------------------------------------------------------------------------

def record_enquiry(session: Session, *, actor: Any, received_on: date, channel: str, caller: str,
                   topics: Sequence[str], outcome: str) -> Enquiry:
    """Record one anonymous enquiry. There is deliberately no free text and no identifying field."""
    _check_past_date(received_on, "received_on")
    _check_code("contact_channel", channel, "channel")
    _check_code("enquiry_caller", caller, "caller")
    _check_code("enquiry_outcome", outcome, "outcome")
    topic_codes = _unique(topics)
    if not topic_codes:
        raise InvalidCentreRecord(_("Choose at least one topic."), "topics")
    for topic in topic_codes:
        _check_code("requests", topic, "topics")
    enquiry = Enquiry(received_on=received_on, channel=channel, caller=caller, topics=topic_codes,
                      outcome=outcome, recorded_by_id=getattr(actor, "id", None))
    session.add(enquiry)
    session.flush()
    record(session, "enquiry.recorded", actor=actor, target_type="enquiry", target_id=enquiry.id)
    return enquiry


def enquiries_this_month(session: Session, *, actor: Any) -> EnquiryMonth:
    """The enquiries received this calendar month, with counts by outcome (every outcome listed)."""
    first_day = today().replace(day=1)
    in_month = (Enquiry.received_on >= first_day, Enquiry.received_on < _next_month(first_day))
    enquiries = list(session.scalars(
        select(Enquiry).where(*in_month).order_by(Enquiry.received_on.desc(), Enquiry.id.desc())))
    counted = dict(session.execute(
        select(Enquiry.outcome, func.count()).where(*in_month).group_by(Enquiry.outcome)).all())
    # Every outcome of the list (zeros too), then any code no longer in the list, so none is lost.
    outcomes = list(code_list("enquiry_outcome")) + sorted(set(counted) - set(code_list("enquiry_outcome")))
    record(session, "enquiries.listed", actor=actor, target_type="enquiry",
           details={"month": first_day.strftime("%Y-%m"), "count": len(enquiries)})
    return EnquiryMonth(first_day=first_day, enquiries=enquiries, total=len(enquiries),
                        by_outcome=[(code, counted.get(code, 0)) for code in outcomes])


def _next_month(first_day: date) -> date:
    if first_day.month == 12:
        return date(first_day.year + 1, 1, 1)
    return date(first_day.year, first_day.month + 1, 1)


# --- Activities -------------------------------------------------------------------------------

def record_activity(session: Session, *, actor: Any, held_on: date, kind: str, audience: str,
                    participants: int, partner_organisation_ids: Iterable[int], title: str) -> Activity:
    """Record an activity the centre held (awareness action, school intervention, training…)."""
    values = _checked_activity(session, held_on=held_on, kind=kind, audience=audience,
                               participants=participants, title=title, kept_ids=(),
                               partner_organisation_ids=partner_organisation_ids)
    activity = Activity(**values, recorded_by_id=getattr(actor, "id", None))
    session.add(activity)
    session.flush()
    record(session, "activity.recorded", actor=actor, target_type="activity", target_id=activity.id)
    return activity


def update_activity(session: Session, activity: Activity, *, actor: Any, expected_version: int,
                    held_on: date, kind: str, audience: str, participants: int,
                    partner_organisation_ids: Iterable[int], title: str) -> None:
    """Change an activity saved from `expected_version`; an older version raises StaleEdit."""
    if activity.version != expected_version:
        raise StaleEdit(_("This activity was changed by someone else while you were editing it."),
                        current_version=activity.version)
    values = _checked_activity(session, held_on=held_on, kind=kind, audience=audience,
                               participants=participants, title=title,
                               kept_ids=activity.partner_organisation_ids or (),
                               partner_organisation_ids=partner_organisation_ids)
    changed = [name for name in ACTIVITY_FIELDS if getattr(activity, name) != values[name]]
    for name in changed:
        setattr(activity, name, values[name])
    try:
        # The version column makes this UPDATE conditional: a save that got in between is caught.
        session.flush()
    except StaleDataError:
        raise StaleEdit(_("This activity was changed by someone else while you were editing it.")) from None
    record(session, "activity.updated", actor=actor, target_type="activity", target_id=activity.id,
           details={"changed": ",".join(changed), "version": activity.version})


def get_activity(session: Session, activity_id: int) -> Activity:
    """The activity with this id, or NotFound."""
    activity = session.get(Activity, activity_id)
    if activity is None:
        raise NotFound(_("There is no such activity."))
    return activity


def open_activity(session: Session, activity_id: int, *, actor: Any) -> Activity:
    """The activity, its reading audited (the edit page shows what is stored)."""
    activity = get_activity(session, activity_id)
    record(session, "activity.opened", actor=actor, target_type="activity", target_id=activity.id)
    return activity


def activities_this_year(session: Session, *, actor: Any) -> ActivityYear:
    """The activities held this calendar year, newest first."""
    year = today().year
    activities = list(session.scalars(
        select(Activity).where(Activity.held_on >= date(year, 1, 1), Activity.held_on < date(year + 1, 1, 1))
        .order_by(Activity.held_on.desc(), Activity.id.desc())))
    named = {oid for activity in activities for oid in activity.partner_organisation_ids or ()}
    record(session, "activities.listed", actor=actor, target_type="activity",
           details={"year": year, "count": len(activities)})
    return ActivityYear(year=year, activities=activities,
                        organisation_names=organisation_names(session, named),
                        participants=sum(activity.participants for activity in activities))


def organisations_offered(session: Session, *, kept_ids: Iterable[int] = ()) -> list[Organisation]:
    """The active partner organisations, plus any an activity already names (even if inactive
    now, so that editing it does not silently drop a partner)."""
    kept = set(kept_ids)
    query = select(Organisation).order_by(Organisation.name)
    if kept:
        query = query.where(Organisation.active.is_(True) | Organisation.id.in_(kept))
    else:
        query = query.where(Organisation.active.is_(True))
    return list(session.scalars(query))


def organisation_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Names of the organisations with these ids (missing ids are left out)."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(wanted)))
    return {oid: name for oid, name in rows}


def _checked_activity(session: Session, *, held_on: date, kind: str, audience: str,
                      participants: int, partner_organisation_ids: Iterable[int], title: str,
                      kept_ids: Iterable[int]) -> dict[str, Any]:
    _check_past_date(held_on, "held_on")
    _check_code("activity_types", kind, "kind")
    _check_code("activity_audience", audience, "audience")
    if not isinstance(participants, int) or not 0 <= participants <= PARTICIPANTS_MAX:
        raise InvalidCentreRecord(
            _("The number of participants must be between 0 and %(max)s.",
              max=format_number(PARTICIPANTS_MAX)), "participants")
    clean_title = (title or "").strip()
    if not clean_title:
        raise InvalidCentreRecord(_("Enter a short title."), "title")
    if len(clean_title) > TITLE_MAX_LENGTH:
        raise InvalidCentreRecord(too_long_message(TITLE_MAX_LENGTH, len(clean_title)), "title")
    return {"held_on": held_on, "kind": kind, "audience": audience, "participants": participants,
            "title": clean_title,
            "partner_organisation_ids": _checked_partners(session, partner_organisation_ids, kept_ids)}


def _checked_partners(session: Session, ids: Iterable[int], kept_ids: Iterable[int]) -> list[int]:
    chosen = _unique(ids)
    offered = {organisation.id for organisation in organisations_offered(session, kept_ids=kept_ids)}
    if any(oid not in offered for oid in chosen):
        raise InvalidCentreRecord(_("Choose only among the active partner organisations offered."),
                                  "partner_organisation_ids")
    return chosen


def too_long_message(limit: int, length: int) -> str:
    """The plain statement of a text limit: "at most 200 characters; this has 245"."""
    return _("At most %(limit)s characters; this has %(length)s.",
             limit=format_number(limit), length=format_number(length))


# --- Shared checks ----------------------------------------------------------------------------

def _check_past_date(value: date, field: str) -> None:
    if not isinstance(value, date):
        raise InvalidCentreRecord(_("Enter the date."), field)
    if value > today():
        raise InvalidCentreRecord(_("The date cannot be in the future: record what has happened."), field)


def _check_code(list_name: str, code: str, field: str) -> None:
    if not code or not is_valid(list_name, code):
        raise InvalidCentreRecord(_("Choose one of the options offered."), field)


def _unique(values: Iterable[Any]) -> list[Any]:
    """The values in the order given, each once (a hand-made post can repeat one)."""
    return list(dict.fromkeys(values or ()))
