"""The whole URL map × every role (and anonymous) against casework.security.policy.RULES.

Deny by default: an endpoint without a rule answers 403 to everyone. A role the rule does not
name gets 403 (signed in) or is sent to sign in (anonymous), for every method of the route —
POSTs carry a valid CSRF token, so the refusal is the policy's and not the CSRF check's — and
every refusal is in the audit log. A role the rule names never meets the policy's 403 (nor a
server error, with dummy values in the URL).
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any, Callable, Iterator, Optional

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.routing import Rule

from casework.audit.models import AuditEntry
from casework.auth.models import ROLES, Organisation, User
from casework.extensions import db as databases
from casework.security import policy
from casework.security.models import WebSession
from casework.security.policy import ANONYMOUS, EVERYONE, RULES, roles_allowed
from casework.security.sessions import token_hash

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
EVERY_ROLE = (*ROLES, ANONYMOUS)
# Values for the URL converters: any well-formed value reaches the policy (which runs first).
DUMMY_VALUES = {"IntegerConverter": 1, "PathConverter": "css/casework.css",
                "UnicodeConverter": "x", "UUIDConverter": "00000000-0000-4000-8000-000000000001",
                "FloatConverter": 1.0, "AnyConverter": None}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def routes(app: Flask) -> Iterator[tuple[Rule, str, str]]:
    """(rule, method, url) for every route and every method it answers."""
    adapter = app.url_map.bind("localhost", url_scheme="https")
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        values = {}
        for name, converter in rule._converters.items():
            kind = type(converter).__name__
            value = DUMMY_VALUES.get(kind, "x")
            if kind == "AnyConverter":
                value = next(iter(converter.items))  # type: ignore[attr-defined]
            values[name] = value
        url = adapter.build(rule.endpoint, values, force_external=False)
        for method in sorted((rule.methods or set()) & set(METHODS)):
            yield rule, method, url


def add_user(app: Flask, role: str) -> User:
    """A user of `role` in this app's stores (committed into the test's transaction)."""
    with app.app_context():
        session = databases.session
        organisation_id = None
        if role == "shelter_partner":
            organisation = Organisation(name=f"Shelter {secrets.token_hex(4)}", kind="shelter")
            session.add(organisation)
            session.flush()
            organisation_id = organisation.id
        user = User(username=f"{role.replace('_', '')}-{secrets.token_hex(4)}", role=role,
                    organisation_id=organisation_id)
        session.add(user)
        session.commit()
        session.refresh(user)
        session.expunge(user)
        return user


def start_session(app: Flask, client: Any, user: Optional[User]) -> None:
    """A brand-new session for every request: nothing one request does leaks into the next."""
    name = app.config["SESSION_COOKIE_NAME"]
    client.delete_cookie(name, domain="localhost")
    if user is None:
        return
    token = secrets.token_urlsafe(32)
    with app.app_context():
        databases.session.add(WebSession(token_hash=token_hash(token), user_id=user.id,
                                         data=json.dumps({"_user_id": str(user.id), "_fresh": True})))
        databases.session.commit()
    client.set_cookie(name, token, domain="localhost")


def csrf_token(client: Any, user: Optional[User]) -> str:
    """The token a form on a page she can see carries: her account page, or the sign-in page."""
    page = "/auth/account" if user is not None else "/auth/sign-in"
    response = client.get(page)
    match = CSRF_FIELD.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {page} (status {response.status_code})"
    return match.group(1)


def refusals(app: Flask, endpoint: str) -> int:
    with app.app_context():
        return databases.session.scalar(
            select(func.count()).select_from(AuditEntry)
            .where(AuditEntry.action == "access.refused", AuditEntry.target_id == endpoint)) or 0


def send(app: Flask, client: Any, user: Optional[User], method: str, url: str) -> Any:
    start_session(app, client, user)
    data = None
    if method != "GET":
        data = {"csrf_token": csrf_token(client, user)}
    return client.open(url, method=method, data=data)


def is_sign_in_redirect(response: Any) -> bool:
    return response.status_code in (302, 303) and response.location.split("?")[0].endswith("/auth/sign-in")


# --- (a) every endpoint has a rule -----------------------------------------------------------

def test_every_endpoint_has_a_rule(app: Flask):
    missing = sorted({rule.endpoint for rule in app.url_map.iter_rules()} - set(RULES))
    assert not missing, f"endpoints without a rule in casework.security.policy.RULES: {missing}"


def test_rules_name_only_known_roles():
    for endpoint, roles in RULES.items():
        assert roles, f"{endpoint} has an empty rule: write no rule, or name who may use it"
        assert roles <= EVERYONE, f"{endpoint} names an unknown role: {sorted(roles - EVERYONE)}"


# --- (b), (c), (d) the matrix -----------------------------------------------------------------

@pytest.mark.parametrize("role", EVERY_ROLE)
def test_access_matrix(app: Flask, client: Any, role: str):
    user = add_user(app, role) if role != ANONYMOUS else None
    problems: list[str] = []
    for rule, method, url in routes(app):
        endpoint = rule.endpoint
        allowed = role in roles_allowed(endpoint)
        if allowed and method != "GET":
            continue  # allowed state changes are each area's own tests
        before = refusals(app, endpoint)
        response = send(app, client, user, method, url)
        refused_entries = refusals(app, endpoint) - before
        where = f"{role} {method} {url} ({endpoint}) -> {response.status_code}"
        if allowed:
            # A 403 of the view's own (a case she has no access to, answered like an unknown id)
            # is the area's business; the policy's refusal is the one that writes access.refused.
            if refused_entries:
                problems.append(f"{where}: refused by the policy although the rule allows {role}")
            elif response.status_code >= 500:
                problems.append(f"{where}: server error")
        elif role == ANONYMOUS and roles_allowed(endpoint):
            if not is_sign_in_redirect(response):
                problems.append(f"{where}: expected a redirect to /auth/sign-in")
        else:
            if response.status_code != 403:
                problems.append(f"{where}: expected 403")
            elif refused_entries != 1:
                problems.append(f"{where}: {refused_entries} access.refused entries, expected 1")
    assert not problems, "\n".join(problems)


def test_a_refusal_is_audited_with_who_and_what(app: Flask, client: Any,
                                                login_as: Callable[..., Any]):
    user = login_as("counsellor")
    response = client.get("/admin/users")
    assert response.status_code == 403
    with app.app_context():
        entry = databases.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "access.refused")
            .order_by(AuditEntry.seq.desc())).first()
    assert entry is not None
    assert (entry.actor_id, entry.actor_name) == (user.id, user.username)
    assert (entry.target_type, entry.target_id) == ("endpoint", "admin.users")
    assert json.loads(entry.details) == {"method": "GET"}
    assert entry.address == "192.0.2.10"


def test_anonymous_is_not_audited_for_a_sign_in_redirect(app: Flask, client: Any):
    before = refusals(app, "core.home")
    response = client.get("/")
    assert is_sign_in_redirect(response)
    assert refusals(app, "core.home") == before


# --- deny by default ---------------------------------------------------------------------------

@pytest.fixture
def app_with_unruled_route(app_with: Callable[..., Flask]) -> Flask:
    fresh = app_with()

    def probe() -> str:
        return "reached a view that has no rule"

    fresh.add_url_rule("/probe/no-rule", "probe_without_rule", probe, methods=["GET", "POST"])
    return fresh


@pytest.mark.parametrize("role", EVERY_ROLE)
def test_a_route_without_a_rule_is_refused_to_everyone(app_with_unruled_route: Flask, role: str):
    fresh = app_with_unruled_route
    assert "probe_without_rule" not in policy.RULES
    client = fresh.test_client()
    user = add_user(fresh, role) if role != ANONYMOUS else None
    for method in ("GET", "POST"):
        before = refusals(fresh, "probe_without_rule")
        response = send(fresh, client, user, method, "/probe/no-rule")
        assert response.status_code == 403, f"{role} {method}"
        assert "reached a view" not in response.get_data(as_text=True)
        assert refusals(fresh, "probe_without_rule") == before + 1
