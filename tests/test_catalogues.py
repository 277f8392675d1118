"""Every string of the interface is translated, completely and safely, in every language."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent.parent / "casework" / "translations"
LANGUAGES = ("el", "tr", "ar", "fa")


def catalogue(language: str):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return read_po(source, locale=language)


def template_ids() -> set[str]:
    with (TRANSLATIONS / "messages.pot").open("rb") as source:
        return {message.id if isinstance(message.id, str) else message.id[0]
                for message in read_po(source) if message.id}


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_untranslated_or_fuzzy_entry(language):
    missing = []
    for message in catalogue(language):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id)
    assert missing == [], f"{language}: {len(missing)} untranslated or fuzzy, e.g. {missing[:5]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_match_the_english(language):
    catalog = catalogue(language)
    problems = [(message.id, str(error)) for message in catalog if message.id
                for error in message.check(catalog)]
    assert problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_holds_every_string_of_the_template(language):
    ids = {message.id if isinstance(message.id, str) else message.id[0]
           for message in catalogue(language) if message.id}
    assert template_ids() - ids == set(), "run `casework i18n update` and translate"



def test_the_template_holds_every_string_of_the_code(tmp_path):
    """A string added to the code or a template without `casework i18n update` fails here, so
    it cannot reach a person untranslated."""
    import contextlib

    from babel.messages.frontend import CommandLineInterface

    extracted = tmp_path / "extracted.pot"
    with contextlib.chdir(TRANSLATIONS.parent.parent):
        CommandLineInterface().run(["pybabel", "-q", "extract", "-F", "babel.cfg", "-k", "_l",
                                    "-k", "lazy_gettext", "-o", str(extracted), "."])
    with extracted.open("rb") as source:
        in_code = {message.id if isinstance(message.id, str) else message.id[0]
                   for message in read_po(source) if message.id}
    assert len(in_code) > 1000
    assert in_code - template_ids() == set(), "run `casework i18n update` and translate"
