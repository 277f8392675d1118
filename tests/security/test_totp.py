"""TOTP secrets, verification with replay protection, and the local QR code."""

from __future__ import annotations

import base64
import re
from urllib.parse import parse_qs, unquote, urlparse

import pyotp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.security.totp import (
    current_step,
    new_totp_secret,
    provisioning_uri,
    qr_svg,
    verify_totp,
)

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = 1_700_000_015.0  # 15 s into a 30 s step


def code_at(moment: float, secret: str = SECRET) -> str:
    return pyotp.TOTP(secret).at(moment)


def test_secret_is_160_bit_base32_and_random():
    secret = new_totp_secret()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert len(base64.b32decode(secret)) * 8 == 160
    assert len({new_totp_secret() for _ in range(20)}) == 20


def test_current_step():
    assert current_step(NOW) == int(NOW // 30)
    assert current_step(0) == 0
    assert isinstance(current_step(), int)


def test_valid_code_accepted_and_returns_its_step():
    assert verify_totp(SECRET, code_at(NOW), last_used_step=None, now=NOW) == current_step(NOW)


def test_spaces_in_the_code_are_ignored():
    code = code_at(NOW)
    assert verify_totp(SECRET, f" {code[:3]} {code[3:]} ", last_used_step=None, now=NOW) \
        == current_step(NOW)


def test_digits_from_arabic_and_persian_keyboards_are_read():
    code = code_at(NOW)
    arabic_indic = "".join(chr(0x0660 + int(d)) for d in code)
    persian = "".join(chr(0x06F0 + int(d)) for d in code)
    for typed in (arabic_indic, persian):
        assert verify_totp(SECRET, typed, last_used_step=None, now=NOW) == current_step(NOW)


def test_same_code_refused_the_second_time():
    step = verify_totp(SECRET, code_at(NOW), last_used_step=None, now=NOW)
    assert step is not None
    assert verify_totp(SECRET, code_at(NOW), last_used_step=step, now=NOW) is None
    assert verify_totp(SECRET, code_at(NOW), last_used_step=step, now=NOW + 10) is None


def test_older_code_refused_after_a_newer_one():
    newer = verify_totp(SECRET, code_at(NOW), last_used_step=None, now=NOW)
    older_code = code_at(NOW - 30)  # still inside the window, but older than the one used
    assert verify_totp(SECRET, older_code, last_used_step=None, now=NOW) == newer - 1
    assert verify_totp(SECRET, older_code, last_used_step=newer, now=NOW) is None


def test_next_code_accepted_after_the_previous_one():
    first = verify_totp(SECRET, code_at(NOW), last_used_step=None, now=NOW)
    second = verify_totp(SECRET, code_at(NOW + 30), last_used_step=first, now=NOW + 30)
    assert second == first + 1


@pytest.mark.parametrize("offset", [-30, 30])
def test_neighbouring_steps_accepted(offset):
    assert verify_totp(SECRET, code_at(NOW + offset), last_used_step=None, now=NOW) \
        == current_step(NOW) + offset // 30


@pytest.mark.parametrize("offset", [-90, 90, -60, 60])
def test_steps_outside_the_window_refused(offset):
    code = code_at(NOW + offset)
    others = {code_at(NOW + d) for d in (-30, 0, 30)}
    assert code not in others  # (guard against a chance collision in this fixed example)
    assert verify_totp(SECRET, code, last_used_step=None, now=NOW) is None


def test_wider_window_when_asked():
    assert verify_totp(SECRET, code_at(NOW - 60), last_used_step=None, now=NOW,
                       valid_window=2) == current_step(NOW) - 2
    assert verify_totp(SECRET, code_at(NOW - 30), last_used_step=None, now=NOW,
                       valid_window=0) is None
    with pytest.raises(ValueError):
        verify_totp(SECRET, code_at(NOW), last_used_step=None, now=NOW, valid_window=-1)


@pytest.mark.parametrize("bad", ["", "12345", "1234567", "abcdef", "12a456", "12-456",
                                 "¹²³⁴⁵⁶", "１２３４５"])
def test_malformed_codes_refused(bad):
    assert verify_totp(SECRET, bad, last_used_step=None, now=NOW) is None


def test_wrong_code_refused():
    right = code_at(NOW)
    window = {code_at(NOW + d) for d in (-30, 0, 30)}
    wrong = next(c for c in (f"{(int(right) + k) % 10**6:06d}" for k in range(1, 10))
                 if c not in window)
    assert verify_totp(SECRET, wrong, last_used_step=None, now=NOW) is None


def test_code_for_another_secret_refused():
    other = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    code = code_at(NOW, other)
    assert code not in {code_at(NOW + d) for d in (-30, 0, 30)}  # fixed example, no collision
    assert verify_totp(SECRET, code, last_used_step=None, now=NOW) is None


def test_real_time_default():
    secret = new_totp_secret()
    assert verify_totp(secret, pyotp.TOTP(secret).now(), last_used_step=None) is not None


@given(st.text(max_size=20))
def test_never_raises_for_any_input(code):
    result = verify_totp(SECRET, code, last_used_step=None, now=NOW)
    assert result is None or result in {current_step(NOW) + d for d in (-1, 0, 1)}


def test_provisioning_uri():
    uri = provisioning_uri(SECRET, "maria@example.org")
    parsed = urlparse(uri)
    query = parse_qs(parsed.query)
    assert parsed.scheme == "otpauth" and parsed.netloc == "totp"
    assert unquote(parsed.path) == "/Casework:maria@example.org"
    assert query["secret"] == [SECRET] and query["issuer"] == ["Casework"]
    assert "Other" in provisioning_uri(SECRET, "maria", issuer="Other")


def test_qr_svg_is_inline_local_and_accessible():
    svg = qr_svg(provisioning_uri(SECRET, "maria@example.org"))
    assert svg.startswith("<svg ") and svg.rstrip().endswith("</svg>")
    assert "<?xml" not in svg
    assert "<title>" in svg and 'role="img"' in svg and "viewBox=" in svg
    lowered = svg.lower()
    assert "<image" not in lowered and "href=" not in lowered and "http" not in lowered
    assert "style=" not in lowered  # a strict CSP blocks inline style attributes
    width = int(re.search(r'width="(\d+)"', svg).group(1))
    assert 150 <= width <= 260


def test_qr_svg_title_is_escaped():
    svg = qr_svg("otpauth://totp/x?secret=" + SECRET, title='<script>"&')
    assert "<script>" not in svg and "&lt;script&gt;" in svg
