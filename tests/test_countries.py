"""Countries are stored as ISO codes and named in the reader's language."""

from __future__ import annotations

import pytest

from casework.clients.schema import DocumentInvalid, clean_profile
from casework.countries import country_choices, country_name


def test_nationality_is_a_code_from_the_list(app):
    with app.test_request_context():
        assert clean_profile({"nationality": "SY", "country_of_birth": "stateless"})["nationality"] == "SY"
        with pytest.raises(DocumentInvalid) as refused:
            clean_profile({"nationality": "Ελληνική"})
        assert "nationality" in refused.value.errors
        assert clean_profile({"nationality": "not_stated"})["nationality"] is None


@pytest.mark.parametrize("language, greece", [("en", "Greece"), ("el", "Ελλάδα"), ("tr", "Yunanistan")])
def test_countries_are_named_in_the_page_language(app, language, greece):
    with app.test_request_context(headers={"Accept-Language": language}):
        assert country_name("GR") == greece
        codes = [code for code, _name in country_choices()]
        assert codes[0] == "not_stated" and codes[-1] == "stateless" and "GR" in codes
        assert "EU" not in codes and "ZZ" not in codes
