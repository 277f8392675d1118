"""The five languages of the interface: chosen on the sign-in page (for the session), saved as
her preference (her account page), or taken from the browser; each page says its language and
direction on <html>; an unknown language code is ignored; a string missing from a catalogue
falls back to English for that string alone, never to a blank."""

from __future__ import annotations

import re

import pytest
from flask_babel import get_translations
from flask_babel import gettext as _

from casework.auth.models import User
from casework.extensions import db as store

# The sign-in button and the sign-out button, as the catalogues translate them.
WORDS = {
    "en": ("Sign in", "Sign out"),
    "el": ("Σύνδεση", "Αποσύνδεση"),
    "tr": ("Giriş yap", "Çıkış yap"),
    "ar": ("تسجيل الدخول", "تسجيل الخروج"),
    "fa": ("ورود", "خروج"),
}
DIRECTION = {"en": "ltr", "el": "ltr", "tr": "ltr", "ar": "rtl", "fa": "rtl"}
HTML_TAG = re.compile(r'<html lang="([^"]*)" dir="([^"]*)">')
SUBMIT = re.compile(r'<button type="submit" class="button">([^<]*)</button>')


def lang_and_dir(html: str) -> tuple[str, str]:
    found = HTML_TAG.search(html)
    assert found, html[:200]
    return found.group(1), found.group(2)


def sign_in_button(html: str) -> str:
    return SUBMIT.search(html.split('action="/auth/sign-in"', 1)[1]).group(1)


def switch_to(client, code: str):
    return client.post_form("/auth/language", {"language": code, "next": "/auth/sign-in"},
                            token_page="/auth/sign-in")


@pytest.mark.parametrize("code", WORDS)
def test_the_sign_in_page_in_each_language_through_the_switch(client, code):
    switched = switch_to(client, code)
    assert switched.status_code == 302 and switched.location.endswith("/auth/sign-in")
    html = client.get("/auth/sign-in").get_data(as_text=True)
    assert lang_and_dir(html) == (code, DIRECTION[code])
    assert sign_in_button(html) == WORDS[code][0]


def test_each_language_in_the_switch_is_named_in_its_own_language_and_marked_so(client):
    html = client.get("/auth/sign-in").get_data(as_text=True)
    for code, name in (("en", "English"), ("el", "Ελληνικά"), ("tr", "Türkçe"),
                       ("ar", "العربية"), ("fa", "فارسی")):
        assert re.search(rf'<option[^>]* lang="{code}"[^>]*>{name}</option>', html), code


def saved_language(app, user_id) -> str:
    # Not the `db` fixture: its application context would outlive each request, and with it
    # Flask-Babel's choice of language for the first one.
    with app.app_context():
        return store.session.get(User, user_id).preferred_locale


@pytest.mark.parametrize("code", WORDS)
def test_a_signed_in_page_in_her_saved_language(app, client, login_as, code):
    user = login_as("counsellor")
    saved = client.post_form("/auth/account", {"language": code})
    assert saved.status_code == 302
    assert saved_language(app, user.id) == code
    # Her preference wins over the browser's language.
    html = client.get("/auth/account", headers={"Accept-Language": "tr"}).get_data(as_text=True)
    assert lang_and_dir(html) == (code, DIRECTION[code])
    assert f'<button type="submit" class="button button-secondary">{WORDS[code][1]}</button>' in html


@pytest.mark.parametrize("header, code", [("el-GR,el;q=0.9,en;q=0.5", "el"), ("fa-IR", "fa"),
                                          ("ar", "ar"), ("tr-TR", "tr"), ("de-DE", "en")])
def test_the_browsers_language_is_the_default(client, header, code):
    html = client.get("/auth/sign-in", headers={"Accept-Language": header}).get_data(as_text=True)
    assert lang_and_dir(html) == (code, DIRECTION[code])
    assert sign_in_button(html) == WORDS[code][0]


def test_an_unknown_language_from_the_browser_is_ignored(client):
    html = client.get("/auth/sign-in", headers={"Accept-Language": "xx"}).get_data(as_text=True)
    assert lang_and_dir(html) == ("en", "ltr")
    assert sign_in_button(html) == "Sign in"


def test_an_unknown_language_posted_to_the_switch_keeps_the_previous_choice(client):
    switch_to(client, "ar")
    refused = switch_to(client, "xx")
    assert refused.status_code == 302  # back to the page, nothing changed
    html = client.get("/auth/sign-in", headers={"Accept-Language": "xx"}).get_data(as_text=True)
    assert lang_and_dir(html) == ("ar", "rtl")


def test_an_unknown_language_posted_first_leaves_english(client):
    switch_to(client, "xx")
    html = client.get("/auth/sign-in").get_data(as_text=True)
    assert lang_and_dir(html) == ("en", "ltr")


def test_an_unknown_saved_language_is_ignored(app, client, login_as):
    user = login_as("counsellor")
    with app.app_context():
        store.session.get(User, user.id).preferred_locale = "xx"  # e.g. a language since removed
        store.session.commit()
    html = client.get("/auth/account", headers={"Accept-Language": "el"}).get_data(as_text=True)
    assert lang_and_dir(html) == ("el", "ltr")


def test_a_string_missing_from_a_catalogue_falls_back_to_english_alone(app, client, monkeypatch):
    with app.test_request_context(headers={"Accept-Language": "el"}):
        catalogue = get_translations()._catalog
        assert catalogue["Sign in"] == "Σύνδεση"
        monkeypatch.delitem(catalogue, "Sign in")
        assert _("Sign in") == "Sign in"
        assert _("A sentence no catalogue has.") == "A sentence no catalogue has."
    html = client.get("/auth/sign-in", headers={"Accept-Language": "el"}).get_data(as_text=True)
    assert sign_in_button(html) == "Sign in"  # that string alone, in English, not blank
    assert "<h1>Sign in</h1>" in html
    assert "Αλλαγή γλώσσας" in html  # the rest of the page is still in Greek

