"""Tests of the intake and the client record, with helpers shared by its modules.

The helpers drive the pages as a browser does: read a section's page, take its CSRF token and
the hidden versions from it, and post the section's fields (named as the forms name them:
``phones-0-number``, ``history-last_incident_on``).
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any, Optional

from flask import Flask

HIDDEN = re.compile(r'name="(csrf_token|case_version|client_version)" type="hidden" value="([^"]*)"')
SEEN = re.compile(r'name="(seen_clients|seen_elsewhere)" type="hidden" value="([^"]*)"')
CASE_ID = re.compile(r"/intake/([0-9a-f-]{36})/")

TODAY = "2026-11-25"  # the FakeClock's day

# Every section of a complete intake, as typed: names in Greek and Arabic script.
FULL_INTAKE: dict[str, dict[str, str]] = {
    "identity": {"given_name": "Ελένη", "family_name": "Παπαδοπούλου",
                 "other_names-0": "هيلين", "birth_date": "1988-04-02"},
    "contacts": {"phones-0-number": "+30 697 123 4567", "phones-0-safe_to_message": "y",
                 "phones-0-safe_times": "Πρωί, 9-11", "emails-0-address": "eleni@example.org",
                 "address": ""},
    "demographics": {"preferred_language": "Ελληνικά", "nationality": "GR",
                     "migration_status": "citizen", "marital_status": "separated",
                     "children-count": "2", "children-ages": "4, 9", "children-live_with_her": "yes",
                     "children-exposed_to_violence": "yes", "education": "tertiary",
                     "employment": "unemployed", "disability": "none", "housing": "with_family_or_friends"},
    "discrimination": {"discrimination_factors": ["single_parent", "unemployed"]},
    "referral": {"reason_for_contact": "gender_based_violence", "intake_date": "2026-11-20",
                 "contact_channel": "phone", "referral_source": "helpline", "area": "same_region"},
    "requests": {"requests": ["psychological_support", "legal_counselling"]},
    "violence": {"violence_types": ["physical", "psychological", "economic"]},
    "perpetrators": {"perpetrators-0-relationship": "former_partner", "perpetrators-0-sex": "male",
                     "perpetrators-0-age_band": "35_44"},
    "history": {"history-first_incident_year": "2019", "history-duration": "1_5y",
                "history-frequency": "κάθε εβδομάδα", "history-last_incident_on": "2026-11-18",
                "justice_steps-0-step": "police_complaint", "justice_steps-0-on": "2026-11-19"},
    "narrative": {"narrative": "Μου είπε ότι φοβάται.\r\nHe threatened her."},
    "consents": {"processing-given": "y", "processing-given_on": "2026-11-20",
                 "processing-note": "προφορικά", "statistics-given": "y",
                 "statistics-given_on": "2026-11-20"},
}


def hidden_fields(html: str) -> dict[str, str]:
    """The CSRF token and versions a page's form carries."""
    return dict(HIDDEN.findall(html))


def start_new_client(client: Any, given: str = "Ελένη", family: str = "Παπαδοπούλου",
                     phone: str = "") -> str:
    """Search, then "none of these — new client"; returns the new draft case's id."""
    searched = client.post_form("/intake/new", {"given_name": given, "family_name": family,
                                                "phone": phone, "go": "search"})
    assert searched.status_code == 200, searched.status_code
    seen = dict(SEEN.findall(searched.get_data(as_text=True)))
    response = client.post_form("/intake/new", {"given_name": given, "family_name": family,
                                                "phone": phone, "go": "new", **seen})
    assert response.status_code == 302, response.get_data(as_text=True)
    return CASE_ID.search(response.location).group(1)


def post_section(client: Any, case_id: str, section: str, data: dict[str, Any],
                 go: str = "draft", versions: Optional[dict[str, str]] = None) -> Any:
    """Open a section's page and send it with `data`, as a browser would."""
    url = f"/intake/{case_id}/{section}"
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    fields = hidden_fields(page.get_data(as_text=True))
    fields.update(versions or {})
    return client.post(url, data={**fields, **data, "go": go})


def fill_whole_intake(client: Any, case_id: str, skip: tuple[str, ...] = ()) -> None:
    for section, data in FULL_INTAKE.items():
        if section not in skip:
            response = post_section(client, case_id, section, data, go="continue")
            assert response.status_code == 302, (section, response.get_data(as_text=True))


def complete(client: Any, case_id: str) -> Any:
    url = f"/intake/{case_id}/review"
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data=hidden_fields(page))


def sign_in_as(app: Flask, client: Any, user: Any) -> None:
    """A new server-side session for an existing user (as after signing in again)."""
    from casework.extensions import db
    from casework.security.models import WebSession
    from casework.security.sessions import token_hash

    token = secrets.token_urlsafe(32)
    with app.app_context():
        db.session.add(WebSession(token_hash=token_hash(token), user_id=user.id,
                                  data=json.dumps({"_user_id": str(user.id), "_fresh": True})))
        db.session.commit()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], token, domain="localhost")


def audit_entries(db: Any, action: str) -> list[Any]:
    from sqlalchemy import select

    from casework.audit.models import AuditEntry
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)
                           .order_by(AuditEntry.seq)))
