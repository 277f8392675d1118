"""Tests of referrals to partner organisations: the packet, consent, the partner's inbox, the
referral's life, the printout, the partner directory.

Shared fixtures and helpers live here; each test module imports what it uses.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import date
from typing import Any, Optional

import pytest
from sqlalchemy import select

from casework.audit.models import AuditEntry
from casework.auth.models import Organisation, User
from casework.cases.models import Case
from casework.cases.service import activate_case, open_case, save_intake
from casework.clients.identity import register_client
from casework.referrals.models import Referral

OPENED_ON = date(2026, 11, 2)
RANDOM_ID = "5d0c1c1e-7a1b-4c6e-9a51-0b1f2d3e4f5a"
HIDDEN = r'name="{name}"[^>]*value="([^"]*)"'


# --- people and places -------------------------------------------------------------------------

def sign_in(client: Any, db: Any, user: Any) -> Any:
    """Give `client` a server-side session for an existing user (as after sign-in)."""
    from flask import current_app

    from casework.security.models import WebSession
    from casework.security.sessions import token_hash

    token = secrets.token_urlsafe(32)
    db.add(WebSession(token_hash=token_hash(token), user_id=user.id,
                      data=json.dumps({"_user_id": str(user.id), "_fresh": True})))
    db.commit()
    client.set_cookie(current_app.config["SESSION_COOKIE_NAME"], token, domain="localhost")
    return client


def organisation(db: Any, name: Optional[str] = None, kind: str = "shelter", **extra: Any) -> Organisation:
    found = Organisation(name=name or f"Partner {secrets.token_hex(3)}", kind=kind, **extra)
    db.add(found)
    db.commit()
    return found


IDENTITY = {"given_name": "Eleni", "family_name": "Papadopoulou", "other_names": [],
            "birth_date": "1990-05-17"}
PROFILE = {"preferred_language": "Greek", "interpreter_needed": False, "interpreter_language": ""}
INTAKE = {"intake_date": "2026-11-02", "reason_for_contact": "gender_based_violence",
          "requests": ["shelter_hosting"], "violence_types": ["physical", "psychological"],
          "narrative": "What happened, in her words."}


def new_case(db: Any, counsellor: Any, *, identity: Optional[dict] = None,
             contacts: Optional[dict] = None, profile: Optional[dict] = None,
             intake: Optional[dict] = None, perpetrators: Optional[list] = None,
             risk_level: Optional[str] = None, active: bool = True) -> Case:
    """An active case of a new client assigned to `counsellor`, committed."""
    actor = db.get(User, counsellor.id)
    client = register_client(db, actor=actor, identity=identity or dict(IDENTITY),
                             contacts=contacts, profile=profile or dict(PROFILE))
    case = open_case(db, actor=actor, client=client)
    save_intake(db, case, actor=actor, expected_version=case.version,
                intake=intake or dict(INTAKE), perpetrators=perpetrators or [])
    if risk_level:
        case.risk_level = risk_level
        db.flush()
    if active:
        activate_case(db, case, actor=actor, expected_version=case.version, opened_on=OPENED_ON)
    db.commit()
    return case


# --- the referral pages -----------------------------------------------------------------------

FORM = {"purpose": "shelter_place", "alias": "", "children_count": "2", "children_ages": "4, 9",
        "urgency": "within_week", "accessibility_needs": "Ground floor room",
        "note_for_partner": "She can arrive on Thursday.", "phone_for_partner": ""}
DEFAULT_FIELDS = ["first_name_or_alias", "age_band", "languages", "children_coming", "urgency",
                  "accessibility_needs", "note_for_partner"]


def draft_referral(client: Any, case: Case, partner: Organisation, **overrides: Any) -> Any:
    """POST the new-referral form; returns the response (a redirect to the preview when saved)."""
    data = {**FORM, "organisation_id": str(partner.id), "packet_fields": DEFAULT_FIELDS, **overrides}
    return client.post_form(f"/cases/{case.id}/referrals/new", data)


def referral_id_of(response: Any) -> str:
    match = re.search(r"/referrals/([0-9a-f-]{36})", response.headers["Location"])
    assert match, response.headers.get("Location")
    return match.group(1)


def hidden(html: str, name: str) -> str:
    match = re.search(HIDDEN.format(name=re.escape(name)), html)
    assert match, f"no hidden field {name}"
    return match.group(1)


def send_referral(client: Any, case: Case, referral_id: str, *, consent: bool = True,
                  consent_given_on: str = "2026-11-25", **overrides: Any) -> Any:
    """Open the preview (as she would) and send with the version and packet she saw."""
    preview_url = f"/cases/{case.id}/referrals/{referral_id}/preview"
    page = client.get(preview_url).get_data(as_text=True)
    data = {"version": hidden(page, "version"), "digest": hidden(page, "digest"),
            "consent_given_on": consent_given_on, **overrides}
    if consent:
        data["consent_given"] = "y"
    return client.post_form(f"/cases/{case.id}/referrals/{referral_id}/send", data,
                            token_page=preview_url)


def refer(client: Any, case: Case, partner: Organisation, **overrides: Any) -> str:
    """Draft and send a referral with her consent; its id."""
    response = draft_referral(client, case, partner, **overrides)
    assert response.status_code == 302, response.get_data(as_text=True)
    referral_id = referral_id_of(response)
    sent = send_referral(client, case, referral_id)
    assert sent.status_code == 302, sent.get_data(as_text=True)
    return referral_id


def partner_post(client: Any, referral_id: str, step: str, **data: Any) -> Any:
    """A partner's button (the token taken from her inbox, which she can always open)."""
    return client.post_form(f"/partner/referrals/{referral_id}/{step}", data,
                            token_page="/partner/referrals")


# --- reading the stores ------------------------------------------------------------------------

def entries(db: Any, action: str, target_id: Optional[str] = None) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
    if target_id is not None:
        query = query.where(AuditEntry.target_id == target_id)
    return list(db.scalars(query))


def all_audit_text(db: Any) -> str:
    return json.dumps([[e.action, e.target_type, e.target_id, e.details]
                       for e in db.scalars(select(AuditEntry))], ensure_ascii=False)


def stored(db: Any, referral_id: str) -> Referral:
    db.expire_all()
    return db.get(Referral, referral_id)


def raw_column(db: Any, column: Any, record_id: str) -> Optional[bytes]:
    """The stored bytes of a sealed column, as the database holds them."""
    table = column.class_
    value = db.execute(select(column).where(table.id == record_id).execution_options(
        populate_existing=True)).scalar_one()
    return None if value is None else bytes(value)


def assert_shredded(db: Any, referral_id: str, blob: bytes, key_id: str) -> None:
    """The sealed bytes are gone from the row, and a copy of them (a backup) no longer opens."""
    from casework.crypto.envelope import KeyDestroyed, open_value
    from casework.crypto.models import DataKey

    assert raw_column(db, Referral.packet_sealed, referral_id) is None
    assert raw_column(db, Referral.draft_sealed, referral_id) is None
    key = db.get(DataKey, key_id)
    assert key.wrapped is None and key.master_key_id is None and key.destroyed_at is not None
    db.info.pop("casework_data_keys", None)  # forget unwrapped keys, as a new request would
    with pytest.raises(KeyDestroyed):
        open_value(db, blob, table="referrals", field="packet", record_id=referral_id)


def field_error(html: str, field_id: str) -> str:
    match = re.search(rf'id="{re.escape(field_id)}-error"[^>]*>(.*?)</p>', html, re.S)
    return match.group(1) if match else ""
