"""Fictional women and their records, drawn from a seeded random generator.

Everything here is made up and meant to look it: the family names come from an invented list
whose words mean "test", "example", "sample" or "fictional" in their own language, phone numbers
sit in the unused range +30 699 999 xxxx, e-mail addresses end in the reserved .invalid domain,
and every free text says it is demonstration text. Names are in four scripts (Greek, Latin,
Arabic, Persian) so that search, sorting and right-to-left display can be shown.

Pure functions: a `random.Random` and the centre's date in, plain values out (the raw values a
form would hand over); casework.demo.seed cleans them through the real schemas and services.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Optional

from casework.codes import LISTS

SCRIPTS = ("greek", "latin", "arabic", "persian")
GIVEN_NAMES = {
    "greek": ["Μαρία", "Ελένη", "Κατερίνα", "Δήμητρα", "Σοφία", "Γεωργία", "Ειρήνη", "Αναστασία",
              "Βασιλική", "Χριστίνα", "Παναγιώτα", "Αικατερίνη"],
    "latin": ["Ana", "Elena", "Irina", "Olga", "Nadia", "Ayşe", "Fatma", "Lucía", "Joanna",
              "Mirela", "Zeynep", "Oksana"],
    "arabic": ["فاطمة", "مريم", "زينب", "ليلى", "سميرة", "نور", "هدى", "أمل", "رنا", "سلمى"],
    "persian": ["زهرا", "مریم", "نرگس", "شیرین", "پریسا", "ستاره", "مهسا", "لیلا", "آزاده", "فرشته"],
}
# Invented family names, obviously so: each says "test", "example", "sample", "fictional"…
FAMILY_NAMES = {
    "greek": ["Δοκιμοπούλου", "Παραδειγμάτου", "Φανταστάκη", "Υποθετίδου", "Πλασματικού",
              "Επιδειξίδου"],
    "latin": ["Demova", "Exemplarska", "Fictivescu", "Testović", "Probeová", "Muestrez"],
    "arabic": ["تجريبي", "نموذجي", "افتراضي", "خيالي"],
    "persian": ["نمونه‌زاده", "آزمایشی", "خیالی‌پور", "فرضی", "نمایشی"],
}
LANGUAGES = {"greek": ["Greek"], "latin": ["Romanian", "Turkish", "Spanish", "Polish", "Ukrainian"],
             "arabic": ["Arabic"], "persian": ["Persian", "Dari"]}
# ISO 3166-1 alpha-2 codes, as the profile stores them.
NATIONALITY = {"greek": ["GR"], "latin": ["RO", "TR", "ES", "PL", "UA"],
               "arabic": ["SY", "IQ", "EG"], "persian": ["IR", "AF"]}
FREQUENCIES = ["Every week (demo)", "Several times a month (demo)", "Daily (demo)",
               "Now and then (demo)"]
NOTE_TEMPLATES = [
    "Demonstration note {n}: talked through her week and what she wants to do next.",
    "Demonstration note {n}: went over her options and the documents she will need.",
    "Demonstration note {n}: she feels safer; agreed to meet again.",
    "Demonstration note {n}: discussed the children's school and a safe way to reach her.",
    "Demonstration note {n}: prepared the appointment with the legal counsellor.",
]
NARRATIVES = [
    "Demonstration text: a fictional account written for this demo instance.",
    "Demonstration text: she describes, in her own words, a made-up situation.",
    "Demonstration text: nothing here is about a real person.",
]
PLAN_TEXTS = {
    "safe_contacts": "Demonstration: a neighbour and her sister (fictional).",
    "safe_places": "Demonstration: the centre and a friend's flat (fictional).",
    "documents": "Demonstration: copies of her papers kept at the centre.",
    "children": "Demonstration: the school knows who may pick the children up.",
    "escape_plan": "Demonstration: a bag ready, a taxi number, the shelter's line.",
    "digital_safety": "Demonstration: a new phone and changed passwords.",
}
VIOLENCE_REASONS = ("gender_based_violence", "both")
OLD_CASE_DAYS = 90  # cases whose intake is older than this may have been closed
CLOSED_SHARE = 0.6
DRAFT_DAYS, DRAFT_SHARE = 14, 0.1  # some very recent intakes are still being written


def codes_of(list_name: str) -> list[str]:
    return list(LISTS[list_name])


def weighted(rng: random.Random, choices: dict[str, float]) -> str:
    return rng.choices(list(choices), weights=list(choices.values()))[0]


def some(rng: random.Random, list_name: str, low: int, high: int) -> list[str]:
    pool = codes_of(list_name)
    return rng.sample(pool, rng.randint(low, min(high, len(pool))))


def demo_phone(rng: random.Random) -> str:
    return f"+30 699 999 {rng.randint(0, 9999):04d}"


@dataclass
class DemoCase:
    """One fictional woman and the life of her case, as raw values for the services."""

    script: str
    identity: dict[str, Any]
    contacts: dict[str, Any]
    profile: dict[str, Any]
    discrimination: list[str]
    intake: dict[str, Any]
    perpetrators: list[dict[str, Any]]
    intake_date: date
    sessions: list[dict[str, Any]] = field(default_factory=list)
    risk: Optional[dict[str, Any]] = None
    plan: Optional[dict[str, Any]] = None
    statistics_consent: bool = True
    closure: Optional[dict[str, Any]] = None
    stays_draft: bool = False


def make_case(rng: random.Random, index: int, *, today: date, years: int) -> DemoCase:
    """The `index`-th demo woman (scripts take turns, so any few clients show all four)."""
    script = SCRIPTS[index % len(SCRIPTS)]
    intake_day = today - timedelta(days=rng.randrange(max(1, years * 365)))
    violence = weighted(rng, {"gender_based_violence": 7, "both": 2, "multiple_discrimination_only": 1})
    demo = DemoCase(script=script, identity=_identity(rng, script, intake_day),
                    contacts=_contacts(rng, index), profile=_profile(rng, script),
                    discrimination=some(rng, "discrimination_factors", 0, 3),
                    intake=_intake(rng, violence, intake_day, today),
                    perpetrators=_perpetrators(rng) if violence in VIOLENCE_REASONS else [],
                    intake_date=intake_day, statistics_consent=rng.random() < 0.85)
    age_days = (today - intake_day).days
    demo.stays_draft = age_days < DRAFT_DAYS and rng.random() < DRAFT_SHARE
    if demo.stays_draft:
        return demo
    closes = age_days > OLD_CASE_DAYS and rng.random() < CLOSED_SHARE
    demo.sessions = _sessions(rng, intake_day, today, interpreter=demo.profile["interpreter_needed"])
    last_day = demo.sessions[-1]["held_on"]
    if violence in VIOLENCE_REASONS and rng.random() < 0.35:
        demo.risk = _risk(rng, rng.choice(demo.sessions)["held_on"])
        if demo.risk["level"] != "standard" or rng.random() < 0.2:
            demo.plan = _plan(rng, demo.risk["assessed_on"])
    if closes:
        closed_on = min(today, last_day + timedelta(days=rng.randint(0, 30)))
        demo.closure = {"closed_on": closed_on, "reason": weighted(rng, {
            "goals_met": 4, "client_request": 2, "no_contact": 2, "moved_away": 1,
            "referred_on": 1, "other": 0.5}), "note": "Demonstration closure note."}
    else:
        # The newest contact of an open case plans the next one (often in the coming weeks).
        demo.sessions[-1]["next_follow_up_on"] = last_day + timedelta(days=rng.randint(7, 28))
    return demo


def _identity(rng: random.Random, script: str, intake_day: date) -> dict[str, Any]:
    identity: dict[str, Any] = {"given_name": rng.choice(GIVEN_NAMES[script]),
                                "family_name": rng.choice(FAMILY_NAMES[script])}
    age = rng.randint(18, 70)
    if rng.random() < 0.7:
        identity["birth_date"] = intake_day - timedelta(days=age * 365 + rng.randrange(365))
    else:
        identity["approximate_age"] = age
        identity["age_is_estimated"] = True
    return identity


def _contacts(rng: random.Random, index: int) -> dict[str, Any]:
    phones = [{"number": demo_phone(rng), "safe_to_call": rng.random() < 0.6,
               "safe_to_message": rng.random() < 0.7,
               "safe_times": rng.choice(["", "Mornings only (demo)", "Weekdays 10–13 (demo)"])}]
    emails = ([{"address": f"demo.client{index}@example.invalid", "safe_to_message": False}]
              if rng.random() < 0.3 else [])
    return {"phones": phones, "emails": emails,
            "address": f"Demo Street {rng.randint(1, 200)}, Demo Town" if rng.random() < 0.5 else ""}


def _profile(rng: random.Random, script: str) -> dict[str, Any]:
    language = rng.choice(LANGUAGES[script])
    nationality = rng.choice(NATIONALITY[script])
    interpreter = script in ("arabic", "persian") and rng.random() < 0.6
    count = rng.choice([0, 0, 1, 1, 2, 2, 3, 4])
    return {"preferred_language": language, "interpreter_needed": interpreter,
            "interpreter_language": language if interpreter else "",
            "nationality": nationality,
            "country_of_birth": nationality if rng.random() < 0.8 else rng.choice(NATIONALITY["latin"]),
            **{name: rng.choice(codes_of(name)) for name in
               ("migration_status", "marital_status", "education", "employment", "disability",
                "housing")},
            "children": {"count": count, "ages": sorted(rng.randint(0, 17) for _ in range(count)),
                         "live_with_her": rng.choice(["yes", "no", None]) if count else None,
                         "exposed_to_violence": rng.choice(["yes", "no", None]) if count else None}}


def _intake(rng: random.Random, reason: str, intake_day: date, today: date) -> dict[str, Any]:
    violent = reason in VIOLENCE_REASONS
    last_incident = intake_day - timedelta(days=rng.randint(0, 120))
    first_year = max(1950, last_incident.year - rng.randint(0, 12))
    steps = [{"step": step, "on": min(today, intake_day + timedelta(days=rng.randint(0, 60)))}
             for step in (some(rng, "justice_steps", 0, 2) if violent else [])]
    return {"reason_for_contact": reason, "intake_date": intake_day,
            "contact_channel": weighted(rng, {"in_person": 5, "phone": 4, "email": 1,
                                              "online": 1, "outreach": 1}),
            "referral_source": rng.choice(codes_of("referral_source")),
            "area": weighted(rng, {"same_municipality": 6, "same_region": 3, "other_region": 1,
                                   "abroad": 0.3, "not_stated": 0.5}),
            "requests": some(rng, "requests", 1, 3),
            "violence_types": some(rng, "violence_types", 1, 3) if violent else [],
            "history": {"first_incident_year": first_year if violent else None,
                        "duration": rng.choice(codes_of("abuse_duration")) if violent else None,
                        "frequency": rng.choice(FREQUENCIES) if violent else "",
                        "last_incident_on": last_incident if violent else None},
            "justice_steps": steps, "narrative": rng.choice(NARRATIVES)}


def _perpetrators(rng: random.Random) -> list[dict[str, Any]]:
    relationship = {"current_partner": 5, "former_partner": 3, "father": 1, "other_family": 1,
                    "in_law": 1, "acquaintance": 0.5, "stranger": 0.3}
    return [{"relationship": weighted(rng, relationship),
             "sex": weighted(rng, {"male": 9, "female": 1}),
             "age_band": rng.choice(codes_of("perpetrator_age_band"))}
            for _ in range(1 if rng.random() < 0.8 else 2)]


def _sessions(rng: random.Random, first: date, today: date, *, interpreter: bool) -> list[dict]:
    """1–8 contacts from the intake day on, a week or a few apart, none after today."""
    sessions, day = [], first
    for n in range(rng.randint(1, 8)):
        if day > today:
            break
        sessions.append({"held_on": day, "duration_minutes": rng.choice([30, 45, 50, 60, 90]),
                         "service": rng.choice(codes_of("services")),
                         "mode": weighted(rng, {"in_person": 6, "phone": 3, "video": 1}),
                         "interpreter_used": interpreter,
                         "interpreter_language": "", "notes": rng.choice(NOTE_TEMPLATES).format(n=n + 1),
                         "next_follow_up_on": None})
        day += timedelta(days=rng.randint(5, 30))
    return sessions


def _risk(rng: random.Random, day: date) -> dict[str, Any]:
    return {"assessed_on": day, "indicators": some(rng, "risk_indicators", 1, 4),
            "level": weighted(rng, {"standard": 5, "medium": 3, "high": 2}),
            "note": "Demonstration risk note."}


def _plan(rng: random.Random, day: date) -> dict[str, Any]:
    chosen = rng.sample(list(PLAN_TEXTS), rng.randint(2, 4))
    return {"made_on": day, "sections": {code: PLAN_TEXTS[code] for code in chosen},
            "review_on": day + timedelta(days=rng.randint(14, 60))}


def enquiry(rng: random.Random, day: date) -> dict[str, Any]:
    """One anonymous enquiry: codes and a date only (no free text exists on an enquiry)."""
    return {"received_on": day, "channel": weighted(rng, {"phone": 6, "in_person": 2, "email": 1,
                                                          "online": 1, "outreach": 0.5}),
            "caller": weighted(rng, {"woman_herself": 6, "family_or_friend": 2,
                                     "professional": 2, "other": 0.5}),
            "topics": some(rng, "requests", 1, 2), "outcome": rng.choice(codes_of("enquiry_outcome"))}


def activity(rng: random.Random, day: date) -> dict[str, Any]:
    kind = rng.choice(codes_of("activity_types"))
    return {"held_on": day, "kind": kind, "audience": rng.choice(codes_of("activity_audience")),
            "participants": rng.randint(5, 120), "partner_organisation_ids": [],
            "title": f"Demonstration {kind.replace('_', ' ')} {day.isoformat()}"}
