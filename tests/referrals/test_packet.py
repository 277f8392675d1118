"""A packet carries exactly the fields chosen, and nothing else of her or of the case.

The property test fills every field of her record and of the case with canary strings, sends
referrals with random choices of the whitelist, and reads what the partner's page and the
printout actually show.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.auth.models import User
from casework.cases.models import Case
from casework.clients.models import Client
from casework.records.service import add_risk_assessment, add_safety_plan, add_session
from casework.referrals.packet import PACKET_FIELDS, InvalidReferral, clean_draft
from tests.referrals import (OPENED_ON, draft_referral, field_error,  # noqa: F401
                             hidden, new_case, organisation, referral_id_of, send_referral,
                             sign_in, stored)

IDENTITY = {"given_name": "CanaryGiven", "family_name": "CanaryFamily",
            "other_names": ["CanaryOtherName"], "birth_date": "1990-05-17"}
CONTACTS = {"phones": [{"number": "+30 699 111 2233", "safe_to_call": True, "safe_to_message": False,
                        "safe_times": "CanarySafeTimes"}],
            "emails": [{"address": "canary.email@example.org", "safe_to_message": False}],
            "address": "CanaryAddress Street 12"}
PROFILE = {"preferred_language": "CanaryLanguage", "interpreter_needed": True,
           "interpreter_language": "CanaryInterpreter", "nationality": "CanaryNationality",
           "country_of_birth": "CanaryCountry", "migration_status": "asylum_seeker",
           "children": {"count": 5, "ages": [1, 2, 3, 4, 5]}, "disability": "sensory"}
INTAKE = {"intake_date": "2026-11-02", "reason_for_contact": "gender_based_violence",
          "requests": ["shelter_hosting"], "violence_types": ["fgm", "trafficking"],
          "history": {"frequency": "CanaryFrequency"}, "area": "abroad",
          "narrative": "CanaryNarrative, in her words"}
PERPETRATORS = [{"relationship": "in_law", "sex": "male", "age_band": "45_54"}]
TYPED = {"alias": "CanaryAlias", "children_count": "3", "children_ages": "11, 13",
         "urgency": "immediate", "accessibility_needs": "CanaryAccessibility",
         "note_for_partner": "CanaryNoteForPartner", "phone_for_partner": "CanaryPhone 210 555 0101"}
# Never on a partner's page, whatever was chosen.
NEVER = ("CanaryFamily", "CanaryOtherName", "699 111 2233", "CanarySafeTimes", "canary.email",
         "CanaryAddress", "CanaryNationality", "CanaryCountry", "CanaryFrequency", "CanaryNarrative",
         "CanaryRiskNote", "Strangulation", "CanarySafetyPlan", "CanarySessionNote", "In-law",
         "Asylum seeker", "Sensory")
# What each chosen field shows (and what must be absent when it is not chosen).
SHOWN = {"age_band": ["35–44"], "languages": ["CanaryLanguage", "CanaryInterpreter"],
         "children_coming": ["3 (ages: 11, 13)"], "urgency": ["Immediate (today)"],
         "accessibility_needs": ["CanaryAccessibility"], "note_for_partner": ["CanaryNoteForPartner"],
         "violence_types": ["Female genital mutilation, Trafficking"],
         "phone_for_partner": ["CanaryPhone 210 555 0101"], "risk_level": []}
SHOWN_FIELD = re.compile(r'data-packet-field="([a-z_]+)"><span dir="auto">(.*?)</span></dd>', re.S)


@pytest.fixture
def canary_case(db, login_as, clock):
    counsellor = login_as("counsellor")
    case = new_case(db, counsellor, identity=IDENTITY, contacts=CONTACTS, profile=PROFILE,
                    intake=INTAKE, perpetrators=PERPETRATORS)
    actor = db.get(User, counsellor.id)
    add_risk_assessment(db, case, actor=actor, assessed_on=OPENED_ON, indicators=["strangulation"],
                        level="medium", note="CanaryRiskNote")
    add_safety_plan(db, case, actor=actor, made_on=OPENED_ON, sections={"escape_plan": "CanarySafetyPlan"})
    add_session(db, case, actor=actor, held_on=OPENED_ON, duration_minutes=30, service="information",
                mode="phone", notes="CanarySessionNote")
    db.commit()
    return counsellor, case


@pytest.fixture
def partner_client(app, db, make_user, clock):
    shelter = organisation(db, "Canary Shelter")
    user = make_user("shelter_partner", organisation=shelter)
    return shelter, sign_in(app.test_client(), db, user)


def shown_fields(html: str) -> dict[str, str]:
    return dict(SHOWN_FIELD.findall(html))


def check_page(html: str, case: Case, chosen: set[str], with_alias: bool) -> None:
    shown = shown_fields(html)
    assert set(shown) == chosen
    for canary in NEVER + (case.code, case.id, case.client_id):
        assert canary not in html, canary
    for field, canaries in SHOWN.items():
        for canary in canaries:
            assert (canary in html) == (field in chosen), (field, canary)
    named = "first_name_or_alias" in chosen
    assert ("CanaryAlias" in html) == (named and with_alias)
    assert ("CanaryGiven" in html) == (named and not with_alias)
    if "risk_level" in chosen:
        assert shown["risk_level"] == "Medium"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chosen=st.sets(st.sampled_from(list(PACKET_FIELDS)), min_size=1),
       with_alias=st.booleans())
def test_the_partner_page_and_the_printout_show_exactly_the_fields_chosen(
        app, db, client, canary_case, partner_client, chosen, with_alias):
    counsellor, case = canary_case
    shelter, partner = partner_client
    typed = {**TYPED, "alias": TYPED["alias"] if with_alias else ""}
    response = draft_referral(client, case, shelter, packet_fields=sorted(chosen), **typed)
    assert response.status_code == 302, response.get_data(as_text=True)
    referral_id = referral_id_of(response)
    preview = client.get(f"/cases/{case.id}/referrals/{referral_id}/preview").get_data(as_text=True)
    assert send_referral(client, case, referral_id).status_code == 302
    assert stored(db, referral_id).shared_field_codes == [f for f in PACKET_FIELDS if f in chosen]

    partner_page = partner.get(f"/partner/referrals/{referral_id}").get_data(as_text=True)
    printout = client.get(f"/cases/{case.id}/referrals/{referral_id}/print").get_data(as_text=True)
    for html in (partner_page, printout):
        check_page(html, case, chosen, with_alias)
    # The counsellor saw exactly this before sending.
    assert shown_fields(preview) == shown_fields(partner_page) == shown_fields(printout)


def test_the_sealed_packet_holds_only_the_chosen_fields(db, client, canary_case, partner_client):
    counsellor, case = canary_case
    shelter, _partner = partner_client
    response = draft_referral(client, case, shelter, packet_fields=["urgency"], **TYPED)
    referral_id = referral_id_of(response)
    send_referral(client, case, referral_id)
    referral = stored(db, referral_id)
    assert referral.packet == {"fields": ["urgency"], "values": {"urgency": "immediate"}}
    assert referral.draft_sealed is None  # what was typed for unchosen fields went with the draft
    assert b"immediate" not in referral.packet_sealed


# --- the draft's rules ---------------------------------------------------------------------------

def test_unchosen_typed_values_stay_in_the_draft_only():
    draft = clean_draft({"fields": ["urgency"], "urgency": "planned", "note_for_partner": "kept"})
    assert draft["fields"] == ["urgency"] and draft["note_for_partner"] == "kept"


@pytest.mark.parametrize(("raw", "field", "words"), [
    ({"fields": []}, "fields", "at least one field"),
    ({"fields": ["narrative"]}, "fields", "only among the fields offered"),
    ({"fields": ["perpetrators", "urgency"], "urgency": "planned"}, "fields", "only among"),
    ({"fields": ["urgency"]}, "urgency", "how urgent"),
    ({"fields": ["urgency"], "urgency": "yesterday"}, "urgency", "options offered"),
    ({"fields": ["phone_for_partner"], "phone_for_partner": "call me"}, "phone_for_partner", "at least 6 digits"),
    ({"fields": ["children_coming"]}, "children_count", "how many children"),
    ({"fields": ["children_coming"], "children_count": 31}, "children_count", "from 0 to 30"),
    ({"fields": ["children_coming"], "children_count": 1, "children_ages": "3, 5"}, "children_ages",
     "more ages than children"),
    ({"fields": ["children_coming"], "children_count": 2, "children_ages": "3, 25"}, "children_ages",
     "from 0 to 17"),
    ({"fields": ["note_for_partner"], "note_for_partner": "x" * 1234}, "note_for_partner",
     "at most 1,000 characters; this has 1,234"),
    ({"fields": ["accessibility_needs"], "accessibility_needs": "x" * 1001}, "accessibility_needs",
     "this has 1,001"),
    ({"fields": ["first_name_or_alias"], "alias": "x" * 101}, "alias", "at most 100"),
])
def test_bad_drafts_are_refused_next_to_the_field(app, raw, field, words):
    with app.test_request_context():
        with pytest.raises(InvalidReferral) as refusal:
            clean_draft(raw)
    assert words in refusal.value.problems[field]


def test_bad_input_keeps_everything_typed(db, client, canary_case, partner_client):
    counsellor, case = canary_case
    shelter, _partner = partner_client
    typed = {**TYPED, "note_for_partner": "x" * 1500, "alias": "<script>alert(1)</script>",
             "accessibility_needs": "=HYPERLINK(\"http://evil\")", "urgency": "whenever"}
    response = draft_referral(client, case, shelter, **typed)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "at most 1,000 characters; this has 1,500" in field_error(html, "note_for_partner")
    assert "options offered" in field_error(html, "urgency")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "=HYPERLINK(&#34;http://evil&#34;)" in html or "=HYPERLINK(&quot;http://evil&quot;)" in html
    assert "x" * 1500 in html
    assert not stored_referrals(db, case)


def test_script_and_formula_text_is_sent_as_typed_and_shown_escaped(db, client, canary_case,
                                                                    partner_client):
    counsellor, case = canary_case
    shelter, partner = partner_client
    typed = {**TYPED, "alias": "<script>alert(1)</script>", "note_for_partner": "=HYPERLINK(\"x\")"}
    referral_id = referral_id_of(draft_referral(client, case, shelter, **typed))
    send_referral(client, case, referral_id)
    assert stored(db, referral_id).packet["values"]["first_name_or_alias"] == "<script>alert(1)</script>"
    html = partner.get(f"/partner/referrals/{referral_id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "=HYPERLINK(" in html


def test_an_inactive_or_unknown_organisation_is_refused(db, client, canary_case, partner_client):
    counsellor, case = canary_case
    closed = organisation(db, "Closed Shelter", active=False)
    for organisation_id in (str(closed.id), "987654", "abc"):
        response = draft_referral(client, case, closed, organisation_id=organisation_id)
        assert response.status_code == 400, organisation_id
        assert "active partner organisations" in field_error(response.get_data(as_text=True),
                                                              "organisation_id")
    assert not stored_referrals(db, case)


def test_an_organisation_deactivated_after_the_draft_is_refused_at_sending(db, client, canary_case,
                                                                         partner_client):
    counsellor, case = canary_case
    legal = organisation(db, "Legal Aid Partner", "legal_aid")
    referral_id = referral_id_of(draft_referral(client, case, legal, purpose="legal_aid"))
    legal.active = False
    db.commit()
    response = send_referral(client, case, referral_id)
    assert response.status_code == 400
    assert "no longer active" in response.get_data(as_text=True)
    assert stored(db, referral_id).status == "draft"


def test_a_packet_that_changed_since_the_preview_is_not_sent_unseen(db, client, canary_case,
                                                                    partner_client):
    counsellor, case = canary_case
    shelter, _partner = partner_client
    referral_id = referral_id_of(draft_referral(client, case, shelter))
    preview_url = f"/cases/{case.id}/referrals/{referral_id}/preview"
    page = client.get(preview_url).get_data(as_text=True)
    version, digest = hidden(page, "version"), hidden(page, "digest")
    her = db.get(Client, case.client_id)
    her.identity = {**her.identity, "given_name": "Renamed"}
    db.commit()
    response = client.post_form(f"/cases/{case.id}/referrals/{referral_id}/send",
                                {"version": version, "digest": digest, "consent_given": "y",
                                 "consent_given_on": "2026-11-25"}, token_page=preview_url)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "changed since you looked at it" in html and "Renamed" in html
    assert stored(db, referral_id).status == "draft"
    assert hidden(html, "digest") != digest
    # Sending again from the page she now sees is a deliberate choice, and goes through.
    assert send_referral(client, case, referral_id).status_code == 302


def stored_referrals(db, case):
    from sqlalchemy import select

    from casework.referrals.models import Referral
    return db.scalars(select(Referral).where(Referral.case_id == case.id)).all()
