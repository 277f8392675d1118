"""Recovery codes: shape, entropy, hashing, and one-time matching."""

from __future__ import annotations

import math
import re

import pytest

from casework.security.recovery_codes import (
    ALPHABET,
    CODE_LENGTH,
    generate_recovery_codes,
    hash_recovery_code,
    match_recovery_code,
    normalise_recovery_code,
)

SHAPE = re.compile(r"[%s]{4}-[%s]{4}-[%s]{4}" % (ALPHABET, ALPHABET, ALPHABET))


@pytest.fixture(scope="module")
def codes_and_hashes():
    codes = generate_recovery_codes()
    return codes, [hash_recovery_code(code) for code in codes]


def test_ten_distinct_well_formed_codes():
    codes = generate_recovery_codes()
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(SHAPE.fullmatch(code) for code in codes)
    assert len(generate_recovery_codes(3)) == 3
    with pytest.raises(ValueError):
        generate_recovery_codes(0)


def test_alphabet_has_no_ambiguous_characters_and_enough_entropy():
    assert not set("0o1li") & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET)
    assert CODE_LENGTH * math.log2(len(ALPHABET)) >= 50


def test_codes_are_not_repeated_across_sets():
    seen = [code for _ in range(20) for code in generate_recovery_codes()]
    assert len(set(seen)) == len(seen)


def test_stored_as_argon2id_above_the_floor(codes_and_hashes):
    codes, hashes = codes_and_hashes
    for code, stored in zip(codes, hashes):
        assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert code not in stored and normalise_recovery_code(code) not in stored


def test_each_code_matches_its_own_hash(codes_and_hashes):
    codes, hashes = codes_and_hashes
    for index, code in enumerate(codes):
        assert match_recovery_code(code, hashes) == index


@pytest.mark.parametrize("variant", [
    lambda c: c.replace("-", ""),
    lambda c: c.upper(),
    lambda c: c.upper().replace("-", " "),
    lambda c: f"  {c}\n",
    lambda c: c.replace("-", "\u2013"),  # an en dash from a phone keyboard's autocorrect
])
def test_typed_with_or_without_dashes_and_in_upper_case(codes_and_hashes, variant):
    codes, hashes = codes_and_hashes
    assert match_recovery_code(variant(codes[4]), hashes) == 4


def test_one_time_once_the_caller_removes_the_used_hash(codes_and_hashes):
    codes, hashes = codes_and_hashes
    remaining = list(hashes)
    index = match_recovery_code(codes[2], remaining)
    assert index == 2
    del remaining[index]
    assert match_recovery_code(codes[2], remaining) is None
    # The others still work, at their new positions.
    assert match_recovery_code(codes[3], remaining) == 2


@pytest.mark.parametrize("wrong", ["", "abcd-efgh-jkmn", "not a code", "k7q2-m9xp-4tz",
                                   "k7q2-m9xp-4tzr-extra", "0000-0000-0000"])
def test_wrong_code_is_none(codes_and_hashes, wrong):
    _codes, hashes = codes_and_hashes
    assert match_recovery_code(wrong, hashes) is None


def test_one_character_off_is_none(codes_and_hashes):
    codes, hashes = codes_and_hashes
    code = codes[0]
    swapped = ("3" if code[0] == "2" else "2") + code[1:]
    assert match_recovery_code(swapped, hashes) is None


def test_empty_or_damaged_stored_hashes_are_skipped(codes_and_hashes):
    codes, hashes = codes_and_hashes
    assert match_recovery_code(codes[1], []) is None
    assert match_recovery_code(codes[1], ["", "garbage", hashes[1]]) == 2


def test_normalisation():
    assert normalise_recovery_code(" K7Q2-M9XP 4tzr ") == "k7q2m9xp4tzr"
    assert normalise_recovery_code("ｋ７ｑ２－ｍ９ｘｐ－４ｔｚｒ") == "k7q2m9xp4tzr"  # full-width
