"""The yearly report, measured against the raw GROUP BY queries in the same run.

    python -m benchmarks.reports --cases 100000 [--stats-database-url URL]

A statistics store is filled directly with `--cases` cases over five years (realistic mixes of
ages, nationalities, violence types, perpetrators, services and referrals), written the way
`casework stats rebuild` writes them (casework.stats.projection.insert_facts, 200 cases a
batch, one transaction). Then, for the last year:

1. the raw GROUP BY queries of every table (casework.reports.queries.statements: the same SQL
   the report runs), without anything around them;
2. the full yearly report (every table: counts, protection with its audit, labels) with a cold
   cache, and the protection's own cost apart;
3. the same report with the protection cached for this statistics version (the target: at most
   2× the raw queries);
4. a quarter's report, warm.

The rebuild figure is the statistics-store half of `stats rebuild` (writing the facts); the
other half (projecting cases from the sealed case store) needs a case store and is printed by
`casework stats rebuild` itself.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable

from sqlalchemy import text

from benchmarks.common import print_table, row
from casework import create_app
from casework.crypto.keyfile import generate_key_material, write_key_file
from casework.extensions import db
from casework.migrate import upgrade_all
from casework.reports import cache
from casework.reports.build import build_report
from casework.reports.model import Period
from casework.reports.queries import statements
from casework.reports.release_models import ReportRelease
from casework.stats.models import ActivityCount, EnquiryCount, EnquiryTopicCount
from casework.stats.projection import CaseYearFacts, insert_facts

FIRST, LAST = 2021, 2025
BATCH = 200


def weighted(rng: random.Random, choices: dict[str, float]) -> str:
    return rng.choices(list(choices), weights=list(choices.values()))[0]


def several(rng: random.Random, chances: dict[str, float], at_least_one: bool = False) -> set[str]:
    found = {code for code, p in chances.items() if rng.random() < p}
    return found or ({weighted(rng, chances)} if at_least_one else set())


AGE = {"under_18": 2, "18_24": 12, "25_34": 28, "35_44": 27, "45_54": 17, "55_64": 8,
       "65_plus": 4, "unknown": 2}
MIGRATION = {"citizen": 60, "eu_citizen": 5, "third_country_national": 15, "refugee": 7,
             "asylum_seeker": 6, "undocumented": 3, "not_stated": 4}
NATIONALITY = {"citizen": "national", "eu_citizen": "eu", "refugee": "middle_east_north_africa",
               "asylum_seeker": "asia", "undocumented": "sub_saharan_africa",
               "third_country_national": "other_europe", "not_stated": "not_stated"}
VIOLENCE = {"psychological": .85, "physical": .55, "economic": .35, "social": .25, "sexual": .15,
            "digital": .12, "forced_marriage": .02, "fgm": .01, "trafficking": .02,
            "honour_related": .02, "other": .03}
PERPETRATOR = {"current_partner": .45, "former_partner": .35, "non_cohabiting_partner": .05,
               "father": .04, "mother": .02, "sibling": .03, "son": .02, "other_family": .02,
               "in_law": .03, "employer_or_colleague": .02, "acquaintance": .03, "stranger": .03,
               "other": .01}
FACTORS = {"unemployed": .3, "single_parent": .25, "migrant": .2, "refugee_or_asylum_seeker": .1,
           "disability": .08, "roma": .03, "lgbtqi": .02, "older_woman": .06,
           "rural_or_isolated": .07, "poverty_or_homelessness": .1, "other": .03}
REQUESTS = {"social_support": .6, "psychological_support": .7, "legal_counselling": .45,
            "employment_counselling": .15, "information": .5, "shelter_hosting": .06,
            "accompaniment": .1, "other": .03}
STEPS = {"police_complaint": .3, "prosecutor_complaint": .1, "protection_order_applied": .12,
         "protection_order_granted": .07, "civil_case": .08}
SERVICES = {"social_support": 30, "psychological_support": 35, "legal_counselling": 20,
            "employment_counselling": 5, "information": 4, "accompaniment": 3, "group_session": 2,
            "other": 1}
PARTNERS = {"shelter": 25, "legal_aid": 20, "police": 10, "health": 15, "psychological_care": 10,
            "employment_service": 8, "social_services": 10, "other_centre": 2}
OUTCOMES = {"sent": 10, "accepted": 20, "declined": 15, "arrived": 30, "completed": 15,
            "withdrawn": 5, "expired": 5}
SINGLE = {"area": {"same_municipality": 55, "same_region": 25, "other_region": 10, "abroad": 2,
                   "not_stated": 8},
          "reason_for_contact": {"gender_based_violence": 80, "multiple_discrimination_only": 8,
                                 "both": 10, "not_stated": 2},
          "referral_source": {"self": 40, "police": 12, "health_service": 8, "social_services": 12,
                              "helpline": 10, "ngo": 6, "family_or_friend": 7, "other": 5},
          "contact_channel": {"in_person": 50, "phone": 40, "email": 4, "online": 4, "outreach": 2},
          "abuse_duration": {"under_1y": 20, "1_5y": 40, "6_10y": 20, "over_10y": 15, "unknown": 5},
          "time_to_contact": {"within_week": 25, "within_month": 25, "within_year": 25,
                              "over_year": 15, "unknown": 10},
          "children_exposed": {"yes": 45, "no": 35, "unknown": 20}}


def case_facts(rng: random.Random) -> list[CaseYearFacts]:
    """One case: its intake year, perhaps a following year of sessions, perhaps a closure."""
    start = rng.randint(FIRST, LAST)
    years = [start] + ([start + 1] if start < LAST and rng.random() < 0.35 else [])
    migration = weighted(rng, MIGRATION)
    wide = {name: weighted(rng, options) for name, options in SINGLE.items()}
    codes = {("violence_type", c) for c in several(rng, VIOLENCE, True)}
    codes |= {("perpetrator_relationship", c) for c in several(rng, PERPETRATOR, True)}
    codes |= {("discrimination_factor", c) for c in several(rng, FACTORS)}
    codes |= {("request", c) for c in several(rng, REQUESTS, True)}
    steps = {("justice_step", c) for c in several(rng, STEPS)}
    closed_in = years[-1] if rng.random() < 0.6 else None
    facts = []
    for year in years:
        services: dict[str, tuple[int, int]] = {}
        for _ in range(rng.randint(1, 3)):
            service = weighted(rng, SERVICES)
            count = rng.randint(1, 8)
            old = services.get(service, (0, 0))
            services[service] = (old[0] + count, old[1] + count * rng.choice((30, 45, 50, 60, 90)))
        referrals = {}
        if rng.random() < 0.12:
            outcome = weighted(rng, OUTCOMES)
            reason = rng.choice(("no_place", "criteria", "she_declined", "other")) \
                if outcome == "declined" else "none"
            admitted = outcome in ("arrived", "completed")
            referrals[(weighted(rng, PARTNERS), outcome, reason, admitted)] = 1
        facts.append(CaseYearFacts(
            year=year, contact_in_year=True, is_new=year == start,
            intake_month=rng.randint(1, 12) if year == start else None,
            closed_in_year=year == closed_in,
            closure_reason=rng.choice(("goals_met", "client_request", "no_contact", "moved_away",
                                       "referred_on", "other")) if year == closed_in else None,
            age_band=weighted(rng, AGE), migration_status=migration,
            nationality_group=NATIONALITY[migration], **wide,
            codes=frozenset(codes | steps), services=services, referrals=referrals))
    return facts


def fill(cases: int, rng: random.Random) -> tuple[int, float]:
    """Write the cases as `stats rebuild` does (insert_facts, batches, one transaction).

    On PostgreSQL, a never-analysed case_year_facts makes the foreign-key checks of the child
    rows scan the whole table, for every row: the write is quadratic (2,000 cases 1 s, 16,000
    cases 40 s). ANALYZE after the first batch, inside the transaction, makes it linear; the
    same line is proposed for casework/stats/rebuild.py."""
    session, case_years, started = db.stats_session, 0, time.perf_counter()
    for first in range(0, cases, BATCH):
        batch = {f"{n:032x}": case_facts(rng) for n in range(first, min(first + BATCH, cases))}
        case_years += insert_facts(session, batch)
        session.flush()
        if first == 0 and session.get_bind().dialect.name == "postgresql":
            session.execute(text("ANALYZE case_year_facts"))
    session.commit()
    elapsed = time.perf_counter() - started
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE"))  # what autovacuum does soon after: plan on real counts
        session.commit()
    centre(rng)
    return case_years, elapsed


def centre(rng: random.Random) -> None:
    """Anonymous enquiries and activities, a few hundred a year."""
    enquiries, topics, activities = [], [], []
    for year in range(FIRST, LAST + 1):
        for month in range(1, 13):
            for channel in ("phone", "in_person", "email", "online"):
                for caller in ("woman_herself", "family_or_friend", "professional", "other"):
                    enquiries.append({"year": year, "month": month, "channel": channel,
                                      "caller": caller, "outcome": "information_given",
                                      "enquiries": rng.randint(0, 12)})
        topics += [{"year": year, "topic": t, "enquiries": rng.randint(20, 400)} for t in REQUESTS]
        activities += [{"year": year, "kind": k, "audience": "public",
                        "activities": rng.randint(1, 30), "participants": rng.randint(10, 900)}
                       for k in ("awareness_action", "school_intervention", "training")]
    session = db.stats_session
    session.execute(EnquiryCount.__table__.insert(), enquiries)
    session.execute(EnquiryTopicCount.__table__.insert(), topics)
    session.execute(ActivityCount.__table__.insert(), activities)
    session.commit()


def median_seconds(action: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def raw_queries(year: int) -> None:
    session = db.stats_session
    for statement in statements(year).values():
        session.execute(statement).all()
    session.rollback()


def report(period: Period, *, cold: bool) -> None:
    if cold:
        cache.clear()
    build_report(db.stats_session, period, "en")
    db.stats_session.rollback()


def measure(rounds: int) -> list[str]:
    period = Period(LAST)
    raw_queries(LAST)  # warm the database's own caches first, for every path alike
    raw = median_seconds(lambda: raw_queries(LAST), rounds)
    cold = median_seconds(lambda: report(period, cold=True), max(3, rounds // 3))
    protection = cache.stats().last_seconds
    warm = median_seconds(lambda: report(period, cold=False), rounds)
    quarter = median_seconds(lambda: report(Period(LAST, 3), cold=False), rounds)
    counted = build_report(db.stats_session, period, "en")
    hidden = sum(v is None for t in counted.tables for v in t.cells.values())
    cells = sum(len(t.cells) for t in counted.tables)
    withheld = sum(t.withheld for t in counted.tables)
    return [
        row(f"raw GROUP BY queries, {len(statements(LAST))} statements, year {LAST}",
            f"{raw * 1e3:.0f} ms"),
        row("full yearly report, cold (protection computed)", f"{cold * 1e3:.0f} ms",
            f"ratio {cold / raw:.1f}× the raw queries"),
        row("  of which the protection and its audit", f"{protection * 1e3:.0f} ms",
            "once per statistics version; cached"),
        row("full yearly report, warm (protection cached)", f"{warm * 1e3:.0f} ms",
            f"ratio {warm / raw:.2f}× the raw queries (target ≤ 2×)"),
        row("quarter report, warm", f"{quarter * 1e3:.0f} ms", f"ratio {quarter / raw:.2f}×"),
        row("published figures", f"{len(counted.tables)} tables, {cells:,} cells",
            f"{hidden:,} hidden, {withheld} tables withheld; audit passed: {counted.audit_passed}"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--stats-database-url", default=None,
                        help="an empty PostgreSQL database for the statistics store "
                             "(default: a SQLite file in a temporary folder)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="casework-bench-") as folder:
        instance = Path(folder)
        write_key_file(instance / "keys" / "casework.keys", generate_key_material())
        settings = {"SECRET_KEY": "benchmark-" + "b" * 40}
        if args.stats_database_url:
            settings["STATS_DATABASE_URL"] = args.stats_database_url
        app = create_app(settings, instance_path=instance)
        with app.app_context():
            upgrade_all(app)
            stats_engine = db.engines(app)[1]
            ReportRelease.__table__.create(stats_engine, checkfirst=True)  # until its migration
            case_years, seconds = fill(args.cases, rng)
            backend = stats_engine.dialect.name
            rows = [row("cases written (stats rebuild's write half)", f"{args.cases:,}",
                        f"{case_years:,} case-years in {seconds:.0f} s: "
                        f"{args.cases / seconds:,.0f} cases/s")]
            rows += measure(args.rounds)
        db.dispose(app)
    print_table(f"Yearly report ({args.cases:,} cases over {FIRST}–{LAST}, {backend})", rows)


if __name__ == "__main__":
    main()
