"""The partner directory: kept by the admin (area, contact, capacity notes, children), read by
counsellors and coordinators; an edit made on top of someone else's is refused."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from casework.auth.models import Organisation
from tests.referrals import entries, field_error, organisation  # noqa: F401

PAGE = "/admin/organisations"


@pytest.fixture
def admin(db, login_as, clock):
    return login_as("admin", username="ada")


def by_name(db, name):
    db.expire_all()
    return db.scalar(select(Organisation).where(Organisation.name == name))


def test_the_admin_adds_an_organisation_with_its_directory_entry(db, client, admin):
    response = client.post_form(PAGE, {"name": "Safe Harbour", "kind": "shelter", "area": "North Athens",
                                       "contact": "210 000 0000, ask for Sofia",
                                       "capacity_notes": "Six rooms; women over 18", "takes_children": "y"})
    assert response.status_code == 302
    found = by_name(db, "Safe Harbour")
    assert (found.area, found.contact, found.capacity_notes, found.takes_children) == \
        ("North Athens", "210 000 0000, ask for Sofia", "Six rooms; women over 18", True)
    html = client.get(PAGE).get_data(as_text=True)
    assert "North Athens" in html and f'href="/admin/organisations/{found.id}"' in html


def test_the_admin_edits_an_organisation(db, client, admin):
    partner = organisation(db, "Harbour", "shelter")
    page = f"{PAGE}/{partner.id}"
    html = client.get(page).get_data(as_text=True)
    assert 'name="fingerprint"' in html and 'value="Harbour"' in html
    fingerprint = re.search(r'name="fingerprint"[^>]*value="([^"]+)"', html).group(1)
    response = client.post_form(page, {"name": "Harbour House", "kind": "shelter", "area": "Piraeus",
                                       "contact": "", "capacity_notes": "", "takes_children": "y",
                                       "fingerprint": fingerprint})
    assert response.status_code == 302
    found = by_name(db, "Harbour House")
    assert found.id == partner.id and found.area == "Piraeus" and found.takes_children
    [entry] = entries(db, "organisation.updated")
    assert entry.target_id == str(partner.id) and entry.actor_name == "ada"


def test_an_edit_on_top_of_another_is_refused_with_what_was_typed(db, client, admin):
    partner = organisation(db, "Harbour", "shelter")
    page = f"{PAGE}/{partner.id}"
    html = client.get(page).get_data(as_text=True)
    fingerprint = re.search(r'name="fingerprint"[^>]*value="([^"]+)"', html).group(1)
    partner.area = "Changed meanwhile"
    db.commit()
    response = client.post_form(page, {"name": "Harbour", "kind": "shelter", "area": "My typing",
                                       "fingerprint": fingerprint})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone else saved this" in html and "Changed meanwhile" in html and 'value="My typing"' in html
    assert by_name(db, "Harbour").area == "Changed meanwhile"


def test_bad_directory_entries_are_refused_next_to_the_field(db, client, admin):
    organisation(db, "Taken")
    partner = organisation(db, "Harbour")
    page = f"{PAGE}/{partner.id}"
    html = client.get(page).get_data(as_text=True)
    fingerprint = re.search(r'name="fingerprint"[^>]*value="([^"]+)"', html).group(1)
    response = client.post_form(page, {"name": "TAKEN", "kind": "bank", "capacity_notes": "x" * 1234,
                                       "fingerprint": fingerprint})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "options offered" in field_error(html, "kind") or "kinds offered" in field_error(html, "kind")
    assert "At most 1,000 characters; this has 1,234" in field_error(html, "capacity_notes")
    assert "x" * 1234 in html
    response = client.post_form(page, {"name": "TAKEN", "kind": "shelter", "fingerprint": fingerprint})
    assert response.status_code == 400 and "already exists" in field_error(response.get_data(as_text=True), "name")
    assert by_name(db, "Harbour") is not None


def test_an_unknown_organisation_is_not_found(client, admin):
    assert client.get(f"{PAGE}/987654").status_code == 404


def test_the_directory_shows_active_partners_with_how_they_answer(db, client, login_as, make_user, clock):
    shelter = organisation(db, "Harbour", "shelter", area="Piraeus", takes_children=True,
                           capacity_notes="<b>Two</b> rooms")
    organisation(db, "Legal Aid Office", "legal_aid")
    organisation(db, "Closed Shelter", "shelter", active=False)
    make_user("shelter_partner", organisation=shelter)
    login_as("coordinator")
    html = client.get("/partners").get_data(as_text=True)
    assert "Harbour" in html and "Legal Aid Office" in html and "Closed Shelter" not in html
    assert "&lt;b&gt;Two&lt;/b&gt; rooms" in html
    harbour = html.split("<bdi>Harbour</bdi>")[1].split("</tr>")[0]
    legal = html.split("<bdi>Legal Aid Office</bdi>")[1].split("</tr>")[0]
    assert "Piraeus" in harbour and "<td>Yes</td>\n      <td>Yes</td>" in harbour
    assert "No (print the referral" in legal
