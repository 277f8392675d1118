"""Error pages in plain words: 400 (an expired form), 403, 404, 405, 409, 413 and 500 — never a
stack trace, an exception text or a submitted value, and a failed request's changes rolled back."""

from __future__ import annotations

import logging
import re
from typing import Any, Callable

import pytest
from flask import Flask, request
from sqlalchemy import func, select

from casework.auth.models import Organisation
from casework.errors import InvalidTransition, NotFound, NotPermitted, StaleEdit
from casework.extensions import db as databases
from casework.security import policy
from casework.security.policy import EVERYONE

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CANARY = "Canary-Submitted-Value-5521"
LEAKS = ("Traceback", "File \"", "RuntimeError", "werkzeug", "sqlalchemy", "casework/", CANARY)


def title(response: Any) -> str:
    match = re.search(r'<h1 id="error-title">([^<]*)</h1>', response.get_data(as_text=True))
    return match.group(1) if match else ""


def assert_plain(response: Any) -> None:
    html = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    for leak in LEAKS:
        assert leak not in html, leak
    assert f"Error code {response.status_code}" in html


def test_404_is_plain(client: Any):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert title(response) == "Not found"
    assert "The address may be mistyped" in response.get_data(as_text=True)
    assert_plain(response)


def test_404_signed_in_links_home(client: Any, login_as: Callable[..., Any]):
    login_as("counsellor")
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert 'href="/"' in response.get_data(as_text=True)
    assert_plain(response)


def test_405(client: Any):
    response = client.delete("/health")
    assert response.status_code == 405
    assert title(response) == "Not allowed"
    assert_plain(response)


def test_post_without_csrf_token_is_a_form_expired_page(client: Any):
    client.get("/auth/sign-in")
    response = client.post("/auth/sign-in", data={"username": "maria", "password": CANARY})
    assert response.status_code == 400
    assert title(response) == "The form expired"
    assert "Reload the page and send it again" in response.get_data(as_text=True)
    assert_plain(response)


def test_post_with_a_forged_csrf_token_is_refused(client: Any):
    client.get("/auth/sign-in")
    response = client.post("/auth/sign-in", data={"csrf_token": "forged", "username": "maria",
                                                  "password": CANARY})
    assert response.status_code == 400
    assert title(response) == "The form expired"


def test_a_token_from_another_session_is_refused(app: Flask, client: Any):
    other = app.test_client()
    token = other.csrf_token("/auth/sign-in")
    client.get("/auth/sign-in")
    response = client.post("/auth/sign-in", data={"csrf_token": token, "username": "maria",
                                                  "password": CANARY})
    assert response.status_code == 400


def test_oversized_form_is_413(app: Flask, client: Any):
    token = client.csrf_token("/auth/sign-in")
    too_big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/auth/sign-in", data={"csrf_token": token, "username": too_big,
                                                  "password": "p"})
    assert response.status_code == 413
    assert title(response) == "Too much data"
    assert_plain(response)


def test_oversized_form_without_a_token_is_413_too(app: Flask, client: Any):
    response = client.post("/auth/sign-in", data="a=" + "x" * (app.config["MAX_CONTENT_LENGTH"] + 10),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


@pytest.mark.parametrize("body", [
    b"username=\xff\xfe\xfd&password=\xc3\x28",
    b"username=%FF%FE&password=%C3%28",
    b"username=ok&password=x&\xed\xa0\x80=1",
])
def test_invalid_utf8_in_a_form_is_no_500(client: Any, body: bytes):
    token = client.csrf_token("/auth/sign-in")
    response = client.post("/auth/sign-in", data=b"csrf_token=" + token.encode() + b"&" + body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500
    assert "Traceback" not in response.get_data(as_text=True)


def test_invalid_utf8_without_a_token_is_no_500(client: Any):
    client.get("/auth/sign-in")
    response = client.post("/auth/sign-in", data=b"username=\xff\xfe",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400


# --- a fresh app with probe routes -----------------------------------------------------------

PROBES = ("probe.boom", "probe.not_permitted", "probe.stale", "probe.transition", "probe.missing",
          "probe.stale_without_message", "probe.saved")


@pytest.fixture
def probe_app(app_with: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch) -> Flask:
    """A fresh app with views that fail in each way; each changes the store before failing."""
    monkeypatch.setattr(policy, "RULES", {**policy.RULES, **{name: EVERYONE for name in PROBES}})
    fresh = app_with()

    def change_something() -> None:
        databases.session.add(Organisation(name=f"Probe {request.endpoint}", kind="shelter"))
        databases.session.flush()

    def boom() -> str:
        change_something()
        raise RuntimeError(f"could not handle {request.form.get('note', '')}")

    def not_permitted() -> str:
        change_something()
        raise NotPermitted("Only her counsellor may open this record.")

    def stale() -> str:
        change_something()
        raise StaleEdit("Someone saved this session note while you were editing it.")

    def stale_without_message() -> str:
        change_something()
        raise StaleEdit()

    def transition() -> str:
        change_something()
        raise InvalidTransition("A closed case cannot be referred.")

    def missing() -> str:
        raise NotFound()

    def saved() -> str:  # the control: a view that succeeds and commits
        change_something()
        databases.commit()
        return "saved"

    for name, view in (("boom", boom), ("not_permitted", not_permitted), ("stale", stale),
                       ("stale_without_message", stale_without_message),
                       ("transition", transition), ("missing", missing), ("saved", saved)):
        fresh.add_url_rule(f"/probe/{name}", f"probe.{name}", view, methods=["GET", "POST"])
    return fresh


def probes_committed(app: Flask) -> int:
    with app.app_context():
        return databases.session.scalar(select(func.count()).select_from(Organisation)
                                        .where(Organisation.name.like("Probe %"))) or 0


def test_unexpected_exception_is_a_plain_500(probe_app: Flask, caplog: pytest.LogCaptureFixture):
    client = probe_app.test_client()
    token = client.csrf_token("/auth/sign-in")
    with caplog.at_level(logging.DEBUG):
        response = client.post("/probe/boom", data={"csrf_token": token, "note": CANARY})
    assert response.status_code == 500
    assert title(response) == "Something went wrong"
    assert "could not handle" not in response.get_data(as_text=True)
    assert_plain(response)
    logged = "\n".join(record.getMessage() + str(record.exc_info or "") + str(record.exc_text or "")
                       for record in caplog.records)
    assert "RuntimeError" in logged  # the type and place are logged …
    assert CANARY not in logged      # … never what was submitted
    assert "could not handle" not in logged
    assert probes_committed(probe_app) == 0


def test_unexpected_exception_signed_in(probe_app: Flask, caplog: pytest.LogCaptureFixture):
    from tests.test_access_matrix import add_user, start_session

    client = probe_app.test_client()
    start_session(probe_app, client, add_user(probe_app, "counsellor"))
    response = client.get(f"/probe/boom?note={CANARY}")
    assert response.status_code == 500
    assert_plain(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert CANARY not in caplog.text


@pytest.mark.parametrize(("path", "status", "message"), [
    ("/probe/not_permitted", 403, "Only her counsellor may open this record."),
    ("/probe/stale", 409, "Someone saved this session note while you were editing it."),
    ("/probe/stale_without_message", 409, "Someone else changed this record while you were working."),
    ("/probe/transition", 409, "A closed case cannot be referred."),
    ("/probe/missing", 404, "There is nothing here."),
])
def test_domain_errors_answer_with_their_status_and_message(probe_app: Flask, path: str,
                                                            status: int, message: str):
    client = probe_app.test_client()
    token = client.csrf_token("/auth/sign-in")
    response = client.post(path, data={"csrf_token": token})
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert_plain(response)
    assert probes_committed(probe_app) == 0  # the failed request's changes were rolled back


def test_the_control_view_commits(probe_app: Flask):
    client = probe_app.test_client()
    response = client.post("/probe/saved", data={"csrf_token": client.csrf_token("/auth/sign-in")})
    assert response.status_code == 200
    assert probes_committed(probe_app) == 1


def test_a_later_request_still_works_after_a_failure(probe_app: Flask):
    client = probe_app.test_client()
    token = client.csrf_token("/auth/sign-in")
    assert client.post("/probe/stale", data={"csrf_token": token}).status_code == 409
    assert client.post("/probe/boom", data={"csrf_token": token}).status_code == 500
    assert client.get("/auth/sign-in").status_code == 200
    assert client.get("/health").status_code == 200
