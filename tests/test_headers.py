"""Security headers on a sample of responses; no caching of what a signed-in person sees; the
session cookie's attributes; and no remember-me cookie, ever."""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any, Callable

import pyotp
import pytest
from flask import Flask

from tests.conftest import TEST_PASSWORD

STATIC = "/static/css/casework.css"


def csp_directives(response: Any) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value
    return directives


def assert_security_headers(response: Any, *, hsts: bool = True) -> None:
    headers = response.headers
    csp = csp_directives(response)
    assert csp["default-src"] == "'self'"
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in headers["Content-Security-Policy"]
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert "*" not in headers["Content-Security-Policy"]
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Permissions-Policy"]
    assert "camera=()" in headers["Permissions-Policy"]
    if hsts:
        assert headers["Strict-Transport-Security"].startswith("max-age=")
        assert int(headers["Strict-Transport-Security"].split("=")[1].split(";")[0]) >= 31536000
    else:
        assert "Strict-Transport-Security" not in headers


def set_cookies(response: Any) -> dict[str, Any]:
    cookies: dict[str, Any] = {}
    for header in response.headers.getlist("Set-Cookie"):
        parsed = SimpleCookie()
        parsed.load(header)
        for name, morsel in parsed.items():
            cookies[name] = (morsel, header)
    return cookies


SAMPLES = ("sign-in page, anonymous", "home, signed in", "404, anonymous", "404, signed in",
           "static file, anonymous", "static file, signed in", "403, signed in",
           "redirect, anonymous", "redirect, signed in")


@pytest.fixture
def sample(client: Any, login_as: Callable[..., Any]) -> Callable[[str], Any]:
    def fetch(kind: str) -> Any:
        if "signed in" in kind:
            # An admin: her home is the overview page (the other roles are sent on to theirs).
            login_as("admin" if kind.startswith("home") else "counsellor")
        path = {"sign-in page": "/auth/sign-in", "home": "/", "404": "/no/such/page",
                "static file": STATIC, "403": "/admin/users", "redirect": "/"}[kind.split(",")[0]]
        if kind == "redirect, signed in":
            path = "/auth/sign-in"  # a signed-in person is sent home
        response = client.get(path)
        expected = {"sign-in page": 200, "home": 200, "404": 404, "static file": 200, "403": 403,
                    "redirect": 302}[kind.split(",")[0]]
        assert response.status_code == expected, kind
        return response

    return fetch


@pytest.mark.parametrize("kind", SAMPLES)
def test_security_headers(sample: Callable[[str], Any], kind: str):
    assert_security_headers(sample(kind))


@pytest.mark.parametrize("kind", [kind for kind in SAMPLES if "signed in" in kind])
def test_nothing_a_signed_in_person_sees_is_cached(sample: Callable[[str], Any], kind: str):
    response = sample(kind)
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_are_not_cached_even_anonymous(sample: Callable[[str], Any]):
    for kind in ("sign-in page, anonymous", "404, anonymous"):
        assert "no-store" in sample(kind).headers["Cache-Control"]


def test_scripts_on_pages_are_external_or_carry_the_nonce(sample: Callable[[str], Any]):
    response = sample("home, signed in")
    html = response.get_data(as_text=True)
    nonce = csp_directives(response)["script-src"].split("'nonce-")[1].rstrip("'")
    for tag in html.split("<script")[1:]:
        opening = tag.split(">", 1)[0]
        assert "src=" in opening or f'nonce="{nonce}"' in opening, opening
    assert " style=" not in html and " onclick=" not in html


def test_each_response_has_its_own_nonce(client: Any):
    first = csp_directives(client.get("/auth/sign-in"))["script-src"]
    second = csp_directives(client.get("/auth/sign-in"))["script-src"]
    assert first != second


def test_development_has_no_hsts_and_a_plain_cookie(app_with: Callable[..., Flask]):
    development = app_with(DEVELOPMENT=True)
    client = development.test_client()
    response = client.get("/auth/sign-in")
    assert response.status_code == 200
    assert_security_headers(response, hsts=False)
    cookies = set_cookies(response)
    assert list(cookies) == ["casework_session"]
    morsel, header = cookies["casework_session"]
    assert morsel["httponly"] and morsel["samesite"] == "Strict"
    assert "Secure" not in header


def test_session_cookie_attributes(client: Any):
    response = client.get("/auth/sign-in")  # the CSRF secret starts a session
    cookies = set_cookies(response)
    assert "__Host-casework_session" in cookies, response.headers.getlist("Set-Cookie")
    morsel, header = cookies["__Host-casework_session"]
    assert morsel["httponly"] is True
    assert morsel["secure"] is True
    assert morsel["samesite"] == "Strict"
    assert morsel["path"] == "/"
    assert not morsel["domain"]  # __Host- cookies must not name a domain
    # A browser-session cookie: gone when the browser closes.
    assert not morsel["expires"] and not morsel["max-age"]


def test_a_whole_sign_in_sets_no_remember_me_cookie(app: Flask, client: Any,
                                                    make_user: Callable[..., Any]):
    user = make_user("admin")
    responses = [client.get("/auth/sign-in")]
    responses.append(client.post_form("/auth/sign-in", {"username": user.username,
                                                        "password": TEST_PASSWORD}))
    assert responses[-1].headers["Location"].endswith("/auth/second-factor")
    responses.append(client.post_form("/auth/second-factor",
                                      {"code": pyotp.TOTP(user.test_totp_secret).now()}))
    assert responses[-1].status_code == 302
    responses.append(client.get("/"))
    assert responses[-1].status_code == 200
    responses.append(client.post_form("/auth/sign-out", token_page="/auth/account"))

    names: set[str] = set()
    for response in responses:
        assert_security_headers(response)
        for name, (morsel, header) in set_cookies(response).items():
            names.add(name)
            if name == app.config["SESSION_COOKIE_NAME"] and morsel.value:
                assert not morsel["expires"] and not morsel["max-age"], header
    remember = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    assert remember not in names
    assert not any("remember" in name.lower() for name in names), names
    # The only other cookie, the device cookie for sign-in throttling, signs nobody in.
    assert names <= {app.config["SESSION_COOKIE_NAME"], "__Host-casework_device"}, names


def test_the_device_cookie_does_not_sign_in(app: Flask, client: Any,
                                            make_user: Callable[..., Any]):
    user = make_user("admin")
    client.post_form("/auth/sign-in", {"username": user.username, "password": TEST_PASSWORD})
    client.post_form("/auth/second-factor", {"code": pyotp.TOTP(user.test_totp_secret).now()})
    assert client.get("/").status_code == 200
    # The browser closes: its session cookie goes, the long-lived device cookie stays.
    client.delete_cookie(app.config["SESSION_COOKIE_NAME"], domain="localhost")
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/sign-in")
