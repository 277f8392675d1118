"""Partner organisations: listing, adding (names unique), deactivating and reactivating."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from casework.admin.organisations import ORGANISATION_KINDS
from casework.auth.models import Organisation
from tests.admin import entries, signed_in_client, store

PAGE = "/admin/organisations"


@pytest.fixture
def admin(make_user):
    return make_user("admin", username="ada")


@pytest.fixture
def client_of(app, admin):
    return signed_in_client(app, admin)


def _organisation(app, name):
    with store(app) as session:
        organisation = session.scalar(select(Organisation).where(Organisation.name == name))
        if organisation is not None:
            session.expunge(organisation)
        return organisation


def test_the_kinds_are_the_referral_types():
    assert ORGANISATION_KINDS == ("shelter", "legal_aid", "police", "health", "psychological_care",
                                  "employment_service", "social_services", "other_centre", "other")


def test_page_offers_every_kind_with_a_translated_label(client_of):
    html = client_of.get(PAGE).get_data(as_text=True)
    assert "<caption>" in html and 'for="name"' in html and 'for="kind"' in html
    for label in ("Shelter", "Legal aid", "Police", "Health service", "Other counselling centre"):
        assert f">{label}</option>" in html


def test_create_organisation(app, client_of):
    response = client_of.post_form(PAGE, {"name": "  Women's   Legal Aid ", "kind": "legal_aid"})
    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE)
    organisation = _organisation(app, "Women's Legal Aid")
    assert organisation is not None and organisation.kind == "legal_aid" and organisation.active
    html = client_of.get(PAGE).get_data(as_text=True)
    assert "Women&#39;s Legal Aid" in html and "<td>Legal aid</td>" in html
    entry = entries(app, "organisation.created")[-1]
    assert (entry["actor_name"], entry["target_id"], entry["details"]) == \
        ("ada", str(organisation.id), {"kind": "legal_aid"})


def test_duplicate_name_is_refused_whatever_the_letter_case(app, client_of):
    client_of.post_form(PAGE, {"name": "Ασπίδα Shelter", "kind": "shelter"})
    response = client_of.post_form(PAGE, {"name": "ΑΣΠΊΔΑ shelter", "kind": "health"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    error = re.search(r'id="name-error"[^>]*>([^<]*)<', html)
    assert error and "already exists" in error.group(1)
    assert 'value="ΑΣΠΊΔΑ shelter"' in html
    assert re.search(r'<option selected value="health">', html)
    assert len(entries(app, "organisation.created")) == 1


def test_empty_name_and_unknown_kind_are_refused(client_of):
    response = client_of.post_form(PAGE, {"name": " ", "kind": "bank"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="name-error"' in html and 'id="kind-error"' in html


def test_deactivate_and_reactivate(app, client_of):
    client_of.post_form(PAGE, {"name": "Harbour", "kind": "shelter"})
    organisation = _organisation(app, "Harbour")
    response = client_of.post_form(f"{PAGE}/{organisation.id}/deactivate", token_page=PAGE)
    assert response.status_code == 302
    assert not _organisation(app, "Harbour").active
    # An inactive organisation is no longer offered for new accounts.
    assert ">Harbour</option>" not in client_of.get("/admin/users/new").get_data(as_text=True)
    response = client_of.post_form(f"{PAGE}/{organisation.id}/reactivate", token_page=PAGE)
    assert response.status_code == 302 and _organisation(app, "Harbour").active
    assert entries(app, "organisation.deactivated")[-1]["target_id"] == str(organisation.id)
    assert entries(app, "organisation.reactivated")[-1]["target_id"] == str(organisation.id)


def test_an_organisation_with_active_accounts_stays_active(app, client_of, make_user):
    client_of.post_form(PAGE, {"name": "Harbour", "kind": "shelter"})
    organisation = _organisation(app, "Harbour")
    make_user("shelter_partner", organisation=organisation)
    response = client_of.post_form(f"{PAGE}/{organisation.id}/deactivate", token_page=PAGE)
    assert response.status_code == 400
    assert "1 active account still belongs" in response.get_data(as_text=True)
    assert _organisation(app, "Harbour").active
    assert entries(app, "organisation.deactivated") == []
