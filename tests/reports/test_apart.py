"""Apart for real: the reports read the statistics store and nothing of the case store.

(a) No module of casework/reports imports a case model (an AST scan, then a fresh interpreter
    that imports the report code and finds no case-store module loaded).
(b) With the case database pointed at nothing, every report page renders. create_app itself
    checks the master keys against the case database at start-up and refuses an unreachable
    one, and signing in needs the case store (users and web sessions live there); so the app is
    built normally, then its case store is pointed at a path in a directory that does not exist,
    the server-side session store is replaced by a signed cookie and the user loader by a
    coordinator who exists only in memory. The report code then runs as in production.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Callable, Iterator

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import scoped_session, sessionmaker

from casework.auth.models import User
from casework.db import _app_context_id, make_engine
from casework.extensions import db as databases
from casework.extensions import login_manager
from casework.reports.build import build_report
from casework.reports.definitions import YEAR_TABLES
from casework.reports.model import Period
from tests.conftest import FakeClock
from tests.reports.conftest import Seeder
from tests.reports.test_build import seed_large_year, seed_small_year

REPORTS = Path(__file__).resolve().parents[2] / "casework" / "reports"
FORBIDDEN = ("casework.cases", "casework.clients", "casework.referrals", "casework.centre",
             "casework.intake", "casework.records", "casework.sharing", "casework.stats.sync",
             "casework.stats.projection", "casework.stats.rebuild", "casework.stats.outbox_events",
             "casework.models", "casework.erasure")
ALLOWED = ("casework.stats.models", "casework.stats.groups", "casework.reports",
           "casework.codes", "casework.audit.service", "casework.auth.reauth",
           "casework.extensions", "casework.security", "casework.web", "casework.clock",
           "casework.i18n", "casework.errors", "casework.db")
NOWHERE = "sqlite:////nonexistent/casework-case-store/x.sqlite3"


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports (absolute names; relative imports resolved)."""
    tree = ast.parse(path.read_text(), str(path))
    inside = path.is_relative_to(REPORTS)
    package = ".".join(path.relative_to(REPORTS.parent.parent).with_suffix("").parts[:-1]) \
        if inside else ""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_no_report_module_imports_the_case_models():
    files = sorted(REPORTS.rglob("*.py"))
    assert len(files) > 10
    problems = []
    for path in files:
        for name in imported_modules(path):
            if _under(name, FORBIDDEN):
                problems.append(f"{path.relative_to(REPORTS)} imports {name}")
            elif name.startswith("casework.") and not _under(name, ALLOWED):
                problems.append(f"{path.relative_to(REPORTS)} imports {name} (not on the list)")
    assert not problems, "\n".join(problems)


def test_the_scan_sees_a_forbidden_import(tmp_path):
    sample = REPORTS / "suppression" / "__init__.py"
    assert "casework.reports.suppression.protect" not in imported_modules(sample)
    bad = tmp_path / "bad.py"
    bad.write_text("from casework.cases.models import Case\nimport casework.clients.models\n")
    assert {"casework.cases.models", "casework.clients.models"} <= imported_modules(bad)


def test_loading_the_report_code_loads_no_case_store_module():
    code = ("import sys\n"
            "import casework.reports.build, casework.reports.views, casework.reports.releases\n"
            f"print([m for m in sys.modules if m.startswith({FORBIDDEN!r})])\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


# --- (b) the case database unreachable --------------------------------------------------------

@pytest.fixture
def cut_off_app(make_app: Callable[..., Flask], _migrated_app: Flask,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """An app whose case store is a file in a directory that does not exist; its statistics
    store is the test store, inside a transaction rolled back at the end."""
    app = make_app()
    app.extensions["casework.clock"] = FakeClock()  # 2026-11-25
    stores = app.extensions["casework.db"]
    stores.case_engine.dispose()
    stores.case_engine = make_engine(NOWHERE)
    stores.case_session = scoped_session(sessionmaker(bind=stores.case_engine),
                                         scopefunc=_app_context_id)
    app.session_interface = SecureCookieSessionInterface()
    coordinator = User(id=424242, username="coordinator-in-memory", role="coordinator",
                       active=True)
    monkeypatch.setattr(login_manager, "_user_callback",
                        lambda user_id: coordinator if user_id == "424242" else None)
    with stores.stats_engine.connect() as connection:
        transaction = connection.begin()
        if connection.dialect.name == "sqlite":  # as tests/conftest.py: one real transaction
            connection.connection.dbapi_connection.isolation_level = None  # type: ignore[union-attr]
            connection.exec_driver_sql("BEGIN")
        stores.stats_session.session_factory.configure(
            bind=connection, join_transaction_mode="create_savepoint")
        try:
            yield app
        finally:
            transaction.rollback()
            if connection.dialect.name == "sqlite":
                connection.connection.dbapi_connection.isolation_level = ""  # type: ignore[union-attr]
    databases.dispose(app)  # its pooled connections go now, not at the end of the session


def _seed(app: Flask) -> None:
    with app.app_context():
        seed = Seeder(databases.stats_session)
        seed_large_year(seed)
        seed_small_year(seed)
        seed.woman(2024)
        databases.stats_session.commit()


def test_the_case_store_is_really_out_of_reach(cut_off_app: Flask):
    with cut_off_app.app_context():
        with pytest.raises(OperationalError):
            databases.session.execute(text("SELECT 1"))


def test_every_report_page_renders_without_the_case_store(cut_off_app: Flask):
    _seed(cut_off_app)
    client = cut_off_app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = "424242", True
    urls = ["/reports/", "/reports/2025", "/reports/2025?lang=ar", "/reports/2025?lang=fa",
            "/reports/2024", "/reports/2019", "/reports/2026", "/reports/2025/releases"]
    urls += [f"/reports/2025/q{q}" for q in (1, 2, 3, 4)]
    urls += [f"/reports/2025/{table.id}?lang=el" for table in YEAR_TABLES]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert "coordinator-in-memory" in response.get_data(as_text=True)
    page = client.get("/reports/2025").get_data(as_text=True)
    assert 'id="table-article_11_breakdown"' in page and "data:image/svg+xml" in page
    with cut_off_app.app_context():  # still unreachable: nothing above touched it
        with pytest.raises(OperationalError):
            databases.session.execute(text("SELECT 1"))


def test_build_report_needs_the_statistics_session_only(cut_off_app: Flask):
    _seed(cut_off_app)
    with cut_off_app.app_context():
        for period in (Period(2025), Period(2025, 3), Period(2019)):
            report = build_report(databases.stats_session, period, "tr")
            assert report.tables and report.locale == "tr"
