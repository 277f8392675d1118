"""Blind indexes: searchable, keyed, deliberately lossy fingerprints of names and phones.

A name is split into tokens; each token is normalised (accents and case removed)
and also transliterated to Latin with ``anyascii``, so "Μαρία", "ΜΑΡΙΑ", "Maria"
and "maría" all share the token "maria", and "فاطمة" can be found by typing
"ftmh". Tokens are HMACed with a per-field key and truncated (see
:func:`index_value`). The query side uses exactly the same functions.

Only index fields with many distinct values (names, phone numbers). A blind
index over a low-cardinality field (sex, nationality, district) is a lookup
table in disguise: counting equal index values reveals the plaintext.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from anyascii import anyascii

MIN_TOKEN_CHARS = 2
PHONE_DIGITS = 9
MIN_PHONE_DIGITS = 6

# Whitespace, commas, and the hyphen/apostrophe look-alikes people actually type.
_SEPARATORS = re.compile(r"[\s,\-\u2010-\u2015\u2212'\u2018\u2019\u02bc\u0060\u00b4]+")

# anyascii renders Greek "ου" letter by letter as "oy"; Greeks (and ELOT 743)
# write "ou" ("Papadopoulou"), so that spelling is indexed as well.
_GREEK_DIGRAPHS = (("ου", "ou"),)


def _strip_marks(text: str) -> str:
    """Decompose (NFKD) and drop combining marks: accents, tonos, harakat, cedillas."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def normalise(text: str) -> str:
    """Return ``text`` without accents and case: "María" -> "maria", "ΜΑΡΙΑΣ" -> "μαριασ".

    casefold() maps the Greek final sigma "ς" to "σ", so "Μαρίας" and "ΜΑΡΙΑΣ" meet.
    Marks are stripped again after casefolding (e.g. "İ" folds to "i" + dot), and
    the result is recomposed (NFC) so scripts such as Hangul keep whole syllables.
    """
    folded = _strip_marks(text).casefold()
    return unicodedata.normalize("NFC", _strip_marks(folded))


def _letters(text: str) -> str:
    """Keep letters only (any script): digits, dots and stray symbols are dropped."""
    return "".join(ch for ch in text if ch.isalpha())


def _clean(text: str) -> str:
    """Normalised letters only. Normalising again after the filter matters: dropping
    a symbol can bring together characters that compose (e.g. Hangul jamo)."""
    return _letters(normalise(_letters(normalise(text))))


def _latin_forms(part: str) -> set[str]:
    """Latin transliterations of one normalised name part."""
    variants = {part}
    for greek, latin in _GREEK_DIGRAPHS:
        if greek in part:
            variants.add(part.replace(greek, latin))
    return {_clean(anyascii(variant)) for variant in variants}


def name_tokens(text: str) -> set[str]:
    """Return the search tokens for one or several names (native script and Latin)."""
    tokens: set[str] = set()
    for raw in _SEPARATORS.split(text):
        part = _clean(raw)
        if not part:
            continue
        tokens.add(part)
        tokens.update(_latin_forms(part))
    return {token for token in tokens if len(token) >= MIN_TOKEN_CHARS}


# Scripts written without short vowels: a Latin spelling ("Fatima") and the transliteration of
# the script ("ftmh") only meet on their consonants.
_ABJAD_SCRIPTS = ("ARABIC", "HEBREW", "SYRIAC")
_LATIN_VOWELS = re.compile(r"[aeiouy]")
SKELETON_PREFIX = "~"


def _is_abjad(part: str) -> bool:
    return any(unicodedata.name(ch, "").startswith(_ABJAD_SCRIPTS) for ch in part)


def consonant_skeleton(latin: str) -> str:
    """"fatima" and "ftmh" both give "ftm"; "maryam" and "mrym" give "mrm"."""
    stripped = _LATIN_VOWELS.sub("", latin)
    if stripped.endswith("h") and len(stripped) > 2:
        stripped = stripped[:-1]  # the silent final h of ta marbuta / he
    collapsed = re.sub(r"(.)\1+", r"\1", stripped)
    return SKELETON_PREFIX + collapsed if len(collapsed) >= MIN_TOKEN_CHARS else ""


def stored_name_tokens(text: str) -> set[str]:
    """Tokens to index for a stored name: names in an abjad script also get consonant skeletons."""
    tokens = set()
    for part in _with_article_dropped(name_parts(text)):
        forms = name_tokens(part)
        tokens.update(forms)
        if _is_abjad(part):
            tokens.update(consonant_skeleton(form) for form in forms if form.isascii())
    return {token for token in tokens if token}


def query_name_groups(text: str) -> list[set[str]]:
    """For each part of a typed name, the tokens any of which may match (skeletons included).

    A Latin query gets a skeleton for every part, but only names stored in an abjad script
    carry skeletons, so "Maria" finds "ماريا" without also finding "Mira".
    """
    groups = []
    for part in name_parts(text):
        if normalise(part) in _LATIN_ARTICLES:
            continue  # "Al Zahra": the article is indexed as part of the next word, or not at all
        forms = name_tokens(part)
        skeletons = {consonant_skeleton(form) for form in forms if form.isascii()}
        group = {token for token in forms | skeletons if token}
        if group:
            groups.append(group)
    return groups


_ARABIC_ARTICLE = "\u0627\u0644"  # "al-", written joined to the word
_LATIN_ARTICLES = frozenset({"al", "el", "al-", "el-"})


def _with_article_dropped(parts: list[str]) -> list[str]:
    """"الزهراء" is also indexed as "زهراء", so "Zahra" finds "al-Zahra"."""
    extra = [part[2:] for part in parts if part.startswith(_ARABIC_ARTICLE) and len(part) > 3]
    return parts + extra


def name_parts(text: str) -> list[str]:
    """The parts of a name as the tokenizer splits it."""
    return [part for part in _SEPARATORS.split(text) if part.strip()]


def phone_token(text: str) -> str | None:
    """Return the last 9 digits of a phone number, or None if it has fewer than 6.

    Taking the tail makes "+30 697 123 4567", "0030 6971234567" and "6971234567"
    meet. Arabic-Indic and other decimal digits count as digits.
    """
    digits = "".join(str(unicodedata.decimal(ch)) for ch in text if ch.isdecimal())
    if len(digits) < MIN_PHONE_DIGITS:
        return None
    return digits[-PHONE_DIGITS:]


def index_value(field_key: bytes, token: str, bits: int = 24) -> str:
    """HMAC-SHA256 of ``token`` under ``field_key``, truncated to ``bits`` bits, as hex.

    The truncation is deliberate: with 24 bits (~16.7 million buckets) every
    value is shared by many possible names, so an index value never proves a
    particular name, and equal values across records do not prove equal names.
    The price is false positives in searches, which the caller removes after
    decrypting the candidates. The main protection is still the secret field
    key: someone holding the key and a dictionary of common names will find
    that most plausible names still land in buckets of their own at 24 bits.
    Fewer bits mean more deniability and more false positives to filter.
    """
    if not 1 <= bits <= 256:
        raise ValueError("bits must be between 1 and 256")
    digest = hmac.new(field_key, token.encode("utf-8"), hashlib.sha256).digest()
    value = int.from_bytes(digest, "big") >> (256 - bits)  # keep the top ``bits`` bits
    width = -(-bits // 4)
    return f"{value:0{width}x}"


def index_values_for_name(field_key: bytes, text: str, bits: int = 24) -> set[str]:
    """Index values for every token of a name (store them all; query with them all)."""
    return {index_value(field_key, token, bits) for token in name_tokens(text)}


def index_value_for_phone(field_key: bytes, text: str, bits: int = 24) -> str | None:
    """Index value for a phone number, or None if it has too few digits to index."""
    token = phone_token(text)
    return None if token is None else index_value(field_key, token, bits)
