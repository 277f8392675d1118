"""Password hashing parameters, verification, and the password policy."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pytest
from flask import Flask
from flask_babel import Babel
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.security import passwords
from casework.security.passwords import (
    OWASP_MIN,
    check_password_policy,
    common_passwords,
    hash_password,
    make_hasher,
    needs_rehash,
    verify_against_dummy,
    verify_password,
)

PARAMS = re.compile(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[^$]+\$[^$]+$")
GOOD = "correct horse battery staple under a blue sky"


def codes(password: str, **kwargs) -> set[str]:
    return {error.code for error in check_password_policy(password, **kwargs)}


@pytest.fixture(scope="module")
def fast():
    return make_hasher(fast_for_tests=True)


# --- hashing ---------------------------------------------------------------------------

@pytest.mark.parametrize("fast_for_tests", [False, True])
def test_hash_parameters_at_or_above_owasp_floor(fast_for_tests):
    encoded = hash_password("a fine passphrase", make_hasher(fast_for_tests))
    match = PARAMS.match(encoded)
    assert match, encoded
    memory, time_cost, parallelism = (int(g) for g in match.groups())
    min_time, min_memory, min_parallelism = OWASP_MIN
    assert time_cost >= min_time and memory >= min_memory and parallelism >= min_parallelism


def test_fast_hasher_is_exactly_the_floor_and_default_is_documented_constants():
    assert PARAMS.match(hash_password("x", make_hasher(True))).groups() == ("19456", "2", "1")
    default = PARAMS.match(hash_password("x")).groups()
    assert default == (str(passwords.ARGON2_MEMORY_KIB), str(passwords.ARGON2_TIME_COST),
                       str(passwords.ARGON2_PARALLELISM))
    assert OWASP_MIN == (2, 19456, 1)


def test_default_hasher_verifies(fast):
    stored = hash_password(GOOD)
    assert verify_password(stored, GOOD)
    assert not verify_password(stored, GOOD + "!")


def test_right_and_wrong_password(fast):
    stored = hash_password(GOOD, fast)
    assert verify_password(stored, GOOD, fast) is True
    assert verify_password(stored, "correct horse battery staple under a blue sky ", fast) is False
    assert verify_password(stored, "", fast) is False


def test_salted_so_same_password_hashes_differently(fast):
    assert hash_password(GOOD, fast) != hash_password(GOOD, fast)


@pytest.mark.parametrize("stored", ["", "not a hash", "$argon2id$v=19$m=19456,t=2,p=1$",
                                    "$2b$12$abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
                                    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$!!!", None,
                                    "$argon2id$v=19$m=19456,t=2,p=1$ü$ü"])
def test_invalid_hash_is_false_not_an_error(fast, stored):
    assert verify_password(stored, GOOD, fast) is False


def test_nfc_and_nfd_spellings_are_the_same_password(fast):
    composed = "καλημέρα σε όλους τους φίλους"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert verify_password(hash_password(composed, fast), decomposed, fast)


def test_needs_rehash(fast):
    assert needs_rehash(hash_password(GOOD, fast), fast) is False
    assert needs_rehash(hash_password(GOOD, fast)) is True  # default hasher is stronger
    assert needs_rehash("garbage", fast) is True
    assert needs_rehash(None, fast) is True


def test_dummy_verification_is_always_false_and_reuses_one_hash(fast):
    assert verify_against_dummy(GOOD, fast) is False
    assert verify_against_dummy("", fast) is False
    assert passwords._dummy_hash(fast) == passwords._dummy_hash(fast)
    assert PARAMS.match(passwords._dummy_hash(fast)).groups() == ("19456", "2", "1")


@settings(max_examples=15, deadline=None)
@given(st.text(max_size=40))
def test_verify_never_raises_for_any_password(password):
    stored = _stored_for_property()
    assert verify_password(stored, password, make_hasher(True)) is (password == "the one")


@lru_cache(maxsize=1)
def _stored_for_property() -> str:
    return hash_password("the one", make_hasher(True))


def test_account_without_a_hash_costs_a_dummy_verification(fast, monkeypatch):
    calls = []
    real = passwords.verify_against_dummy
    monkeypatch.setattr(passwords, "verify_against_dummy",
                        lambda pw, hasher=None: calls.append(pw) or real(pw, hasher))
    assert verify_password(None, GOOD, fast) is False
    assert verify_password("", GOOD, fast) is False
    assert calls == [GOOD, GOOD]


# --- policy: length --------------------------------------------------------------------

def test_eleven_characters_rejected_twelve_accepted():
    assert codes("tulip garden") == set()  # 12
    assert codes("tulip garde") == {"too_short"}  # 11


def test_sixty_four_accepted_129_rejected_128_accepted():
    base = "walking along the harbour at dusk with my sister "
    assert codes((base * 3)[:64]) == set()
    assert codes((base * 3)[:128]) == set()
    assert codes((base * 3)[:129]) == {"too_long"}


@pytest.mark.parametrize("passphrase", [
    "καλή μέρα φίλε",          # Greek, 14 code points
    "θάλασσα ήλιος",           # Greek with tonos, 13
    "صباح الخير يا",           # Arabic, 13
    "شب بخیر دوست",            # Persian, 12
])
def test_unicode_passphrases_counted_in_code_points(passphrase):
    assert len(passphrase) >= 12 and len(passphrase.encode()) > 12
    assert codes(passphrase) == set()


def test_short_unicode_rejected_even_when_its_bytes_are_long():
    greek = "ελπίδα φως"  # 10 code points, 19 bytes in UTF-8
    assert len(greek.encode("utf-8")) > 12
    assert codes(greek) == {"too_short"}


def test_decomposed_accents_are_counted_after_nfc():
    composed = "ώρα για καφέ"  # 12 code points composed
    decomposed = unicodedata.normalize("NFD", composed)
    assert len(decomposed) > len(composed) == 12
    assert codes(decomposed) == set()
    assert codes(unicodedata.normalize("NFD", "ώρα για καφ")) == {"too_short"}


def test_no_composition_rules():
    assert codes("purple elephants dance quietly") == set()  # lower case, letters, spaces
    assert codes("mountainriverforestcloud") == set()


# --- policy: common list and username ---------------------------------------------------

def test_list_has_at_least_a_thousand_entries():
    entries = common_passwords()
    assert len(entries) >= 1000
    assert all(entry == entry.strip() and not entry.startswith("#") for entry in entries)


@pytest.mark.parametrize("password", ["password1234", "PASSWORD1234", "PassWord1234",
                                      "123456789012", "QwertyuiopAS", "ILoveYou1234",
                                      "passwordpassword", "Passw0rd1234", " password1234 "])
def test_common_passwords_rejected_regardless_of_case(password):
    assert "common" in codes(password)


def test_greek_keyboard_and_greek_words_are_listed():
    assert "common" in codes("πασσςορδ1234")  # "password1234" typed on a Greek layout
    assert "common" in codes("ΣΑΓΑΠΩ")  # upper case, final sigma folds the same


@pytest.mark.parametrize("password", ["aaaaaaaaaaaaaaaa", "abcabcabcabcabc",
                                      "12345678901234567", "zyxwvutsrqponmlk"])
def test_trivial_patterns_of_any_length_rejected(password):
    assert "common" in codes(password)


def test_short_common_password_reports_both_reasons():
    assert codes("password") == {"too_short", "common"}


def test_username_equal_or_contained_rejected_case_insensitively():
    assert codes("MariaPapadopoulou", username="mariapapadopoulou") == {"contains_username"}
    assert codes("my name is Maria and I like tea", username="maria") == {"contains_username"}
    assert codes("a long sentence with no name", username="maria") == set()


def test_short_usernames_are_not_checked():
    assert codes("joyful mornings in autumn", username="jo") == set()
    assert codes("joyful mornings in autumn", username="joy") == {"contains_username"}
    assert codes("joyful mornings in autumn", username=None) == set()
    assert codes("joyful mornings in autumn", username="") == set()


def test_messages_are_translatable_lazy_strings():
    app = Flask(__name__)
    Babel(app)
    errors = check_password_policy("short", username="short")
    assert {e.code for e in errors} == {"too_short", "contains_username"}
    with app.test_request_context():
        texts = {e.code: str(e.message) for e in errors}
    assert "12" in texts["too_short"]
    assert "username" in texts["contains_username"]
    too_long = check_password_policy("x y " * 40)[0]
    with app.test_request_context():
        assert "128" in str(too_long.message)


def test_list_is_loaded_lazily_and_once():
    common_passwords.cache_clear()
    assert common_passwords.cache_info().currsize == 0
    first = common_passwords()
    assert common_passwords() is first
