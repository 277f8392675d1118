"""The one source of "now", so timeouts and expiries can be tested without sleeping."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo
from typing import Callable

from flask import current_app, has_app_context

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


def now() -> datetime:
    """The current time (UTC, aware), from the application's clock when there is one."""
    if has_app_context():
        return current_app.extensions.get("casework.clock", system_clock)()
    return system_clock()


def today() -> date:
    """Today's date where the centre is (CENTRE_TIMEZONE): the date people type and mean."""
    zone = current_app.config.get("CENTRE_TIMEZONE", "UTC") if has_app_context() else "UTC"
    return now().astimezone(ZoneInfo(zone)).date()


def as_utc(moment: datetime) -> datetime:
    """Databases without time zones (SQLite) hand back naive datetimes; they are stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
