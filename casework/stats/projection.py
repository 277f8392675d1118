"""From the case store to the statistics store: a case's coarsened facts, per year.

`facts_for_case` opens the sealed documents of a case, its client and its sessions and returns
plain dataclasses; `write_facts` replaces one key's rows in the statistics store with them.
Both the outbox sync and `casework stats rebuild` / `verify` go through these two functions,
so the store is, by construction, what a rebuild would make of the case store.

The years of a case (see docs/statistics-store.md): every year with a contact — the year of
the intake date, and each year with at least one session — plus each year in which a referral
was sent or that ended with the case closed (`contact_in_year` tells them apart). A draft
intake counts nowhere yet.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any, Iterable, Optional

from flask import current_app
from sqlalchemy import and_, delete, insert, or_, select
from sqlalchemy.orm import Session

from casework.cases.models import Case, CaseSession, Consent
from casework.clients.models import Client
from casework.codes import is_valid
from casework.referrals.packet import DECLINE_REASONS
from casework.referrals.queries import referral_facts
from casework.stats.groups import (NOT_STATED, UNKNOWN, age_band, age_in_years,
                                   nationality_group, time_to_contact)
from casework.stats.models import (CASE_TABLES, CODE_LENGTH, CaseYearCode, CaseYearFact,
                                   CaseYearReferral, CaseYearService)

DEFAULT_CENTRE_COUNTRY = "GR"
YES_NO = {True: "yes", False: "no"}


@dataclass
class CaseYearFacts:
    """What the statistics store holds of one case in one year (its key is kept apart)."""

    year: int
    contact_in_year: bool
    is_new: bool
    intake_month: Optional[int]
    closed_in_year: bool
    closure_reason: Optional[str]
    age_band: str
    migration_status: str
    nationality_group: str
    area: str
    reason_for_contact: str
    referral_source: str
    contact_channel: str
    abuse_duration: str
    time_to_contact: str
    children_exposed: str
    codes: frozenset[tuple[str, str]] = frozenset()  # (dimension, code)
    services: dict[str, tuple[int, int]] = field(default_factory=dict)  # service → (sessions, minutes)
    # (partner type, outcome, decline reason or "none", admitted) → referrals sent in the year
    referrals: dict[tuple[str, str, str, bool], int] = field(default_factory=dict)

    def differences(self, other: "CaseYearFacts") -> list[str]:
        """The names of the fields that differ (never their values)."""
        return [f.name for f in fields(self) if getattr(self, f.name) != getattr(other, f.name)]


SCALARS = tuple(f.name for f in fields(CaseYearFacts) if f.name not in ("codes", "services", "referrals"))


# --- from the case store -----------------------------------------------------------------------

def facts_for_case(session: Session, case: Case) -> Optional[list[CaseYearFacts]]:
    """The facts of one case, one per year, oldest first; [] when it must not be counted.

    None when her client record was erased: her sealed documents cannot be opened any more, and
    the statistics store keeps the facts it already holds (erasure never changes statistics).
    """
    client = session.get(Client, case.client_id)
    if client is not None and client.erased_at is not None:
        return None
    if case.status == "draft" or client is None or not counts_in_statistics(session, case):
        return []
    intake = case.intake or {}
    intake_day = _day(intake.get("intake_date")) or case.opened_on
    if intake_day is None:
        return []
    services = _services_by_year(session, case)
    referrals = _referrals_by_year(session, case)
    closures = _year_end_closures(case)
    years = ({intake_day.year} | set(services) | set(referrals)
             | {year for year, reason in closures.items() if reason})
    wide = _case_wide_values(client, intake, intake_day)
    codes = _case_wide_codes(client, case, intake)
    steps = [(step.get("step"), _day(step.get("on"))) for step in intake.get("justice_steps") or []
             if isinstance(step, dict)]
    identity = client.identity or {}
    return [CaseYearFacts(
        year=year,
        contact_in_year=year == intake_day.year or year in services,
        is_new=year == intake_day.year,
        intake_month=intake_day.month if year == intake_day.year else None,
        closed_in_year=bool(closures.get(year)),
        closure_reason=closures.get(year),
        age_band=age_band(_age(identity, intake_day, max(intake_day, date(year, 1, 1)))),
        **wide,
        codes=codes | {("justice_step", code) for code in valid_codes("justice_steps", (
            step for step, on in steps if on is None or on.year <= year))},
        services=dict(services.get(year, {})),
        referrals=dict(referrals.get(year, {})),
    ) for year in sorted(years)]


def counts_in_statistics(session: Session, case: Case) -> bool:
    """With STATISTICS_REQUIRE_CONSENT, only while she consents (on the case or as a client)."""
    if not current_app.config.get("STATISTICS_REQUIRE_CONSENT"):
        return True
    mine = or_(Consent.case_id == case.id,
               and_(Consent.case_id.is_(None), Consent.client_id == case.client_id))
    return session.scalar(select(Consent.id).where(
        Consent.kind == "statistics", Consent.withdrawn_on.is_(None), mine).limit(1)) is not None


def _case_wide_values(client: Client, intake: dict, intake_day: date) -> dict[str, str]:
    profile = client.profile or {}
    history = intake.get("history") or {}
    children = profile.get("children") or {}
    country = current_app.config.get("CENTRE_COUNTRY", DEFAULT_CENTRE_COUNTRY)
    return {
        "migration_status": code_or("migration_status", profile.get("migration_status"), NOT_STATED),
        "nationality_group": nationality_group(profile.get("nationality"), country),
        "area": code_or("area", intake.get("area"), NOT_STATED),
        "reason_for_contact": code_or("reason_for_contact", intake.get("reason_for_contact"), NOT_STATED),
        "referral_source": code_or("referral_source", intake.get("referral_source"), NOT_STATED),
        "contact_channel": code_or("contact_channel", intake.get("contact_channel"), NOT_STATED),
        "abuse_duration": code_or("abuse_duration", history.get("duration"), UNKNOWN),
        "time_to_contact": time_to_contact(_day(history.get("last_incident_on")), intake_day),
        "children_exposed": YES_NO.get(children.get("exposed_to_violence"), UNKNOWN),
    }


def _case_wide_codes(client: Client, case: Case, intake: dict) -> frozenset[tuple[str, str]]:
    perpetrators = [p.get("relationship") for p in case.perpetrators or [] if isinstance(p, dict)]
    sources = (("violence_type", "violence_types", intake.get("violence_types")),
               ("perpetrator_relationship", "perpetrator_relationship", perpetrators),
               ("discrimination_factor", "discrimination_factors", client.discrimination_factors),
               ("request", "requests", intake.get("requests")))
    return frozenset((dimension, code) for dimension, code_list, values in sources
                     for code in valid_codes(code_list, values or []))


def _services_by_year(session: Session, case: Case) -> dict[int, dict[str, tuple[int, int]]]:
    totals: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for contact in session.scalars(select(CaseSession).where(CaseSession.case_id == case.id)):
        details = contact.details or {}
        service = code_or("services", details.get("service"), "other")
        minutes = details.get("duration_minutes")
        minutes = minutes if isinstance(minutes, int) and not isinstance(minutes, bool) else 0
        count, total = totals[contact.held_on.year].get(service, (0, 0))
        totals[contact.held_on.year][service] = (count + 1, total + minutes)
    return dict(totals)


def _referrals_by_year(session: Session, case: Case) -> dict[int, dict[tuple[str, str, str, bool], int]]:
    """Referrals sent (drafts never left the centre), by the year they were sent."""
    totals: dict[int, Counter] = defaultdict(Counter)
    for referral in referral_facts(session, case.id):
        reason = referral.decline_reason if referral.decline_reason in DECLINE_REASONS else "none"
        totals[referral.year][(code_or("partner_types", referral.partner_type, "other"),
                               code_or("referral_status", referral.outcome, "other"),
                               reason, bool(referral.admitted))] += 1
    return {year: dict(counts) for year, counts in totals.items()}


def _year_end_closures(case: Case) -> dict[int, Optional[str]]:
    """year → the closure reason when the year ended with the case closed, else None.

    Read from the closure history (closings and reopenings, in the order they were made): the
    last event dated in a year decides, so a case closed and reopened within a year was not
    closed in it, and a case closed in December and reopened in January was.
    """
    closure = case.closure or {}
    events: list[tuple[Optional[date], Optional[str]]] = []
    for entry in closure.get("history") or []:
        if isinstance(entry, dict) and entry.get("closed_on"):
            events.append((_day(entry["closed_on"]), code_or("closure_reasons", entry.get("reason"), "other")))
        elif isinstance(entry, dict) and entry.get("reopened_on"):
            events.append((_day(entry["reopened_on"]), None))
    if not events and case.status == "closed" and case.closed_on:
        events.append((case.closed_on, code_or("closure_reasons", closure.get("reason"), "other")))
    return {day.year: reason for day, reason in events if day is not None}


def _age(identity: dict, intake_day: date, on: date) -> Optional[int]:
    """Her age on `on`: from her date of birth, else her approximate age at the intake plus the
    whole years since (never overstated)."""
    born = _day(identity.get("birth_date"))
    if born is not None:
        return age_in_years(born, on)
    approximate = identity.get("approximate_age")
    if isinstance(approximate, int) and not isinstance(approximate, bool):
        return approximate + age_in_years(intake_day, on)
    return None


def code_or(code_list: str, value: Any, missing: str) -> str:
    """A valid code of `code_list`, else `missing`: nothing else (no stray text) gets through."""
    if isinstance(value, str) and len(value) <= CODE_LENGTH and is_valid(code_list, value):
        return value
    return missing


def valid_codes(code_list: str, values: Iterable[Any]) -> set[str]:
    """The valid codes among `values` (anything else is dropped, a stray string included)."""
    if not isinstance(values, (list, tuple, set, frozenset)) and not hasattr(values, "__next__"):
        return set()
    return {value for value in values if value and code_or(code_list, value, "") == value}


def _day(value: Any) -> Optional[date]:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


# --- the statistics store ----------------------------------------------------------------------

def write_facts(stats_session: Session, key: str, facts: list[CaseYearFacts]) -> bool:
    """Replace the rows of `key` with `facts` ([] removes them); False when nothing changed."""
    if load_facts_many(stats_session, [key]).get(key, []) == facts:
        return False
    delete_facts(stats_session, [key])
    insert_facts(stats_session, {key: facts})
    return True


def delete_facts(stats_session: Session, keys: list[str]) -> None:
    for table in CASE_TABLES:
        stats_session.execute(delete(table).where(table.key.in_(keys)))


def insert_facts(stats_session: Session, facts_by_key: dict[str, list[CaseYearFacts]]) -> int:
    """Insert the rows of keys that have none yet; returns how many case-years."""
    rows: dict[Any, list[dict]] = {table: [] for table in CASE_TABLES}
    for key, facts in facts_by_key.items():
        for fact in facts:
            at = {"key": key, "year": fact.year}
            rows[CaseYearFact].append({**at, **{name: getattr(fact, name) for name in SCALARS
                                                if name != "year"}})
            rows[CaseYearCode] += [{**at, "dimension": d, "code": c} for d, c in sorted(fact.codes)]
            rows[CaseYearService] += [{**at, "service": s, "sessions": n, "minutes": m}
                                      for s, (n, m) in sorted(fact.services.items())]
            rows[CaseYearReferral] += [{**at, "partner_type": p, "outcome": o, "reason": r,
                                        "admitted": a, "referrals": n}
                                       for (p, o, r, a), n in sorted(fact.referrals.items())]
    for table in reversed(CASE_TABLES):  # the facts first, the rows that refer to them after
        if rows[table]:
            stats_session.execute(insert(table), rows[table])
    return len(rows[CaseYearFact])


def load_facts_many(stats_session: Session, keys: list[str]) -> dict[str, list[CaseYearFacts]]:
    """The stored facts of these keys, oldest year first (keys with no rows are left out).

    Reads rows, not ORM objects: always what the database holds now, never a stale copy."""
    found: dict[tuple[str, int], CaseYearFacts] = {}
    facts, codes = CaseYearFact.__table__, CaseYearCode.__table__
    services, referrals = CaseYearService.__table__, CaseYearReferral.__table__
    for row in stats_session.execute(select(facts).where(facts.c.key.in_(keys))).mappings():
        found[(row["key"], row["year"])] = CaseYearFacts(**{name: row[name] for name in SCALARS})
    grouped: dict[tuple[str, int], set] = defaultdict(set)
    for row in stats_session.execute(select(codes).where(codes.c.key.in_(keys))):
        grouped[(row.key, row.year)].add((row.dimension, row.code))
    for at, values in grouped.items():
        if at in found:
            found[at].codes = frozenset(values)
    for row in stats_session.execute(select(services).where(services.c.key.in_(keys))):
        if (row.key, row.year) in found:
            found[(row.key, row.year)].services[row.service] = (row.sessions, row.minutes)
    for row in stats_session.execute(select(referrals).where(referrals.c.key.in_(keys))):
        if (row.key, row.year) in found:
            found[(row.key, row.year)].referrals[
                (row.partner_type, row.outcome, row.reason, row.admitted)] = row.referrals
    by_key: dict[str, list[CaseYearFacts]] = defaultdict(list)
    for (key, _year), fact in sorted(found.items()):
        by_key[key].append(fact)
    return dict(by_key)


def stored_keys(stats_session: Session) -> set[str]:
    return set(stats_session.scalars(select(CaseYearFact.__table__.c.key).distinct()))
