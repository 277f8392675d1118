"""Tests for blind indexes: normalisation, cross-script name tokens, phones, HMAC values.

Transliterations asserted here are what anyascii 0.3.x actually produces.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.crypto.blind_index import (
    index_value,
    index_value_for_phone,
    index_values_for_name,
    name_tokens,
    normalise,
    phone_token,
)

KEY = os.urandom(32)


def meets(stored: str, typed: str) -> bool:
    """True if a search typed as ``typed`` shares an index value with ``stored``."""
    return bool(index_values_for_name(KEY, stored) & index_values_for_name(KEY, typed))


# --- normalise ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("María", "maria"),
        ("Μαρία", "μαρια"),
        ("ΜΑΡΙΑ", "μαρια"),
        ("Μαρίας", "μαριασ"),
        ("ΜΑΡΙΑΣ", "μαριασ"),
        ("Ayşe", "ayse"),
        ("İstanbul", "istanbul"),
        ("Straße", "strasse"),
        ("ﬁona", "fiona"),  # NFKD unfolds the ligature
        ("فاطِمة", "فاطمة"),  # harakat are combining marks
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_greek_final_sigma_meets() -> None:
    assert normalise("ΜΑΡΙΑΣ") == normalise("Μαρίας") == normalise("μαριας")


@given(st.text(max_size=30))
def test_normalise_is_idempotent(text: str) -> None:
    assert normalise(normalise(text)) == normalise(text)


# --- name tokens: the actual tokens ------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Μαρία Παπαδοπούλου", {"μαρια", "maria", "παπαδοπουλου", "papadopoyloy", "papadopoulou"}),
        ("ΜΑΡΙΑ", {"μαρια", "maria"}),
        ("Μαρίας", {"μαριασ", "marias"}),
        ("María", {"maria"}),
        ("فاطمة", {"فاطمة", "ftmh"}),
        ("زهرا", {"زهرا", "zhr"}),
        ("مریم", {"مریم", "mrym"}),
        ("Ayşe Yılmaz", {"ayse", "yılmaz", "yilmaz"}),
        ("Ayse Yilmaz", {"ayse", "yilmaz"}),
        ("Мария Иванова", {"мария", "mariya", "иванова", "ivanova"}),
        ("Jean-Luc O'Brien, Anne", {"jean", "luc", "brien", "anne"}),
        ("Nguyễn Thị", {"nguyen", "thi"}),
    ],
)
def test_name_tokens(name: str, expected: set[str]) -> None:
    assert name_tokens(name) == expected


@pytest.mark.parametrize("name", ["", "   ", "X", "- , '", "A. B.", "12 34"])
def test_name_tokens_drop_short_and_empty(name: str) -> None:
    assert name_tokens(name) == set()


def test_tokens_recomposed_after_dropping_symbols() -> None:
    """Dropping "1" between Hangul jamo lets them compose; the token must be fully normalised."""
    assert name_tokens("\u1100\u0031\u1161김") == {"가김", "gagim"}


def test_unicode_hyphens_and_apostrophes_split() -> None:
    assert name_tokens("Anna\u2011Maria D\u2019Souza") == {"anna", "maria", "souza"}


@given(st.text(max_size=40))
def test_tokens_are_normalised_letters_of_length_two_or_more(text: str) -> None:
    for token in name_tokens(text):
        assert len(token) >= 2
        assert token == normalise(token)
        assert token.isalpha()


# --- name matching -----------------------------------------------------------


@pytest.mark.parametrize("typed", ["Μαρία", "ΜΑΡΙΑ", "μαρια", "maria", "MARIA", "María", "maría"])
def test_maria_in_any_form_meets(typed: str) -> None:
    assert meets("Μαρία Παπαδοπούλου", typed)


@pytest.mark.parametrize("typed", ["papadopoulou", "Papadopoulou", "PAPADOPOYLOY", "Παπαδοπουλου"])
def test_greek_surname_found_by_latin(typed: str) -> None:
    assert meets("Μαρία Παπαδοπούλου", typed)


def test_greek_final_sigma_names_meet() -> None:
    assert meets("ΜΑΡΙΑΣ", "Μαρίας")
    assert meets("Μαρίας", "marias")


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("فاطمة", "ftmh"),
        ("فاطمة", "FTMH"),
        ("فاطِمة", "ftmh"),  # vowel marks in the stored name do not matter
        ("فاطمة", "فاطمة"),
        ("زهرا", "zhr"),
        ("مریم", "mrym"),
    ],
)
def test_arabic_and_persian_found_by_latin(stored: str, typed: str) -> None:
    assert meets(stored, typed)


@pytest.mark.parametrize("typed", ["Ayse Yilmaz", "AYSE YILMAZ", "ayşe yılmaz", "AYŞE YILMAZ", "Yilmaz"])
def test_turkish_meets(typed: str) -> None:
    assert meets("Ayşe Yılmaz", typed)
    assert meets(typed, "Ayşe Yılmaz")


def test_different_names_do_not_share_tokens() -> None:
    assert not (name_tokens("Μαρία") & name_tokens("Ελένη"))


# --- phones ------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["+30 697 123 4567", "6971234567", "0030 6971234567", "+30-697-123-45-67", "(697) 1234567"])
def test_phone_formats_meet(typed: str) -> None:
    assert phone_token(typed) == "971234567"
    assert index_value_for_phone(KEY, typed) == index_value_for_phone(KEY, "6971234567")


def test_arabic_indic_digits() -> None:
    assert phone_token("٠٠٣٠٦٩٧١٢٣٤٥٦٧") == "971234567"


@pytest.mark.parametrize("typed", ["", "no number", "12345", "+30 12"])
def test_short_phone_is_none(typed: str) -> None:
    assert phone_token(typed) is None
    assert index_value_for_phone(KEY, typed) is None


def test_six_digits_is_enough() -> None:
    assert phone_token("12-34-56") == "123456"


# --- index values ------------------------------------------------------------


def test_index_value_is_six_hex_chars_at_24_bits() -> None:
    value = index_value(KEY, "maria")
    assert len(value) == 6
    assert value == value.lower()
    int(value, 16)


@pytest.mark.parametrize("bits", [1, 4, 10, 16, 24, 30, 64, 256])
def test_index_value_width_and_mask(bits: int) -> None:
    for token in ("maria", "ftmh", "971234567"):
        value = index_value(KEY, token, bits)
        assert len(value) == -(-bits // 4)
        assert int(value, 16) < 2**bits


def test_index_value_bits_are_a_prefix_of_the_full_mac() -> None:
    full = int(index_value(KEY, "maria", 256), 16)
    assert int(index_value(KEY, "maria", 24), 16) == full >> (256 - 24)


@pytest.mark.parametrize("bits", [0, 257, -1])
def test_index_value_rejects_bad_bits(bits: int) -> None:
    with pytest.raises(ValueError):
        index_value(KEY, "maria", bits)


def test_index_value_stable_for_same_key_and_token() -> None:
    assert index_value(KEY, "maria") == index_value(KEY, "maria")
    assert index_values_for_name(KEY, "Μαρία") == index_values_for_name(KEY, "Μαρία")


def test_different_field_keys_give_different_values() -> None:
    from casework.crypto.keyfile import generate_key_material
    from casework.crypto.keyring import Keyring

    ring = Keyring.from_document(generate_key_material())
    name_key, other_key = ring.index_key("client.name"), ring.index_key("contact.name")
    tokens = ["maria", "papadopoulou", "ftmh", "zhr", "ayse", "yilmaz"]
    # Any one token may collide at 24 bits (p = 2**-24); all six colliding would mean shared keys.
    assert [index_value(name_key, t) for t in tokens] != [index_value(other_key, t) for t in tokens]
    assert index_value(name_key, "maria", 256) != index_value(other_key, "maria", 256)


def test_index_values_for_name_covers_all_tokens() -> None:
    values = index_values_for_name(KEY, "Μαρία Παπαδοπούλου")
    assert values == {index_value(KEY, t) for t in name_tokens("Μαρία Παπαδοπούλου")}
    assert len(values) == 5
