"""Fixtures of the report tests: a statistics store seeded directly (no case store needed).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from typing import Any, Iterator, Optional

import pytest
from flask import Flask

from casework.extensions import db as databases
from casework.reports import cache
from casework.stats.models import (ActivityCount, CaseYearCode, CaseYearFact, CaseYearReferral,
                                   CaseYearService, EnquiryCount, EnquiryTopicCount, StatsMeta)


@pytest.fixture(autouse=True)
def _fresh_report_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


class Seeder:
    """Rows of the statistics store, as the sync would write them, with sensible defaults."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def woman(self, year: int, *, new: bool = True, month: int = 3, contact: bool = True,
              closed: Optional[str] = None, violence: tuple = ("physical",),
              perpetrators: tuple = ("current_partner",), factors: tuple = (),
              requests: tuple = (), steps: tuple = (), services: Optional[dict] = None,
              referrals: Optional[dict] = None, key: Optional[str] = None, **facts: str) -> str:
        key = key or secrets.token_hex(16)
        values = {"age_band": "25_34", "migration_status": "citizen",
                  "nationality_group": "national", "area": "same_municipality",
                  "reason_for_contact": "gender_based_violence", "referral_source": "self",
                  "contact_channel": "in_person", "abuse_duration": "1_5y",
                  "time_to_contact": "within_month", "children_exposed": "no", **facts}
        self.session.add(CaseYearFact(key=key, year=year, contact_in_year=contact, is_new=new,
                                      intake_month=month if new else None,
                                      closed_in_year=closed is not None, closure_reason=closed,
                                      **values))
        self.session.flush()
        for dimension, codes in (("violence_type", violence),
                                 ("perpetrator_relationship", perpetrators),
                                 ("discrimination_factor", factors), ("request", requests),
                                 ("justice_step", steps)):
            for code in codes:
                self.session.add(CaseYearCode(key=key, year=year, dimension=dimension, code=code))
        for service, (sessions, minutes) in (services or {}).items():
            self.session.add(CaseYearService(key=key, year=year, service=service,
                                             sessions=sessions, minutes=minutes))
        for (partner, outcome, reason, admitted), n in (referrals or {}).items():
            self.session.add(CaseYearReferral(key=key, year=year, partner_type=partner,
                                              outcome=outcome, reason=reason, admitted=admitted,
                                              referrals=n))
        self.session.flush()
        return key

    def women(self, count: int, year: int, **options: Any) -> list[str]:
        return [self.woman(year, **options) for _ in range(count)]

    def enquiries(self, year: int, month: int, count: int, channel: str = "phone",
                  caller: str = "woman_herself", outcome: str = "information_given") -> None:
        self.session.add(EnquiryCount(year=year, month=month, channel=channel, caller=caller,
                                      outcome=outcome, enquiries=count))
        self.session.flush()

    def topic(self, year: int, topic: str, count: int) -> None:
        self.session.add(EnquiryTopicCount(year=year, topic=topic, enquiries=count))
        self.session.flush()

    def activity(self, year: int, kind: str, audience: str, count: int, participants: int) -> None:
        self.session.add(ActivityCount(year=year, kind=kind, audience=audience, activities=count,
                                       participants=participants))
        self.session.flush()

    def meta(self, key: str, value: str) -> None:
        row = self.session.get(StatsMeta, key)
        moment = datetime(2026, 11, 1, tzinfo=timezone.utc)
        if row is None:
            self.session.add(StatsMeta(key=key, value=value, updated_at=moment))
        else:
            row.value = value
        self.session.flush()


@pytest.fixture
def stats(app: Flask) -> Iterator[Any]:
    """The statistics-store session, inside an application context."""
    with app.app_context():
        yield databases.stats_session


@pytest.fixture
def seed(stats: Any) -> Seeder:
    return Seeder(stats)
