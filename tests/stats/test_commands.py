"""`casework stats sync | rebuild | verify` on an instance made with `casework init`."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select, text

from casework import create_app
from casework.auth.models import User
from casework.cli import CaseworkGroup, cli
from casework.commands.stats import stats_group
from casework.extensions import db
from casework.stats import outbox_events, sync
from casework.stats.keys import row_key
from casework.stats.sync import sync_pending
from tests.stats import add_session, seed_case
from tests.support import own_stores, uses_postgresql

NAME = "Canaryclinamezz"


def casework_command() -> CaseworkGroup:
    """The `casework` command with the stats group (whether or not cli.py registers it yet)."""
    instance_option = [param for param in cli.params if "--instance" in param.opts]
    group = CaseworkGroup(name="casework", params=instance_option)
    group.add_command(stats_group)
    return group


def run(instance: Path, *args: str) -> Result:
    return CliRunner().invoke(casework_command(), ["--instance", str(instance), *args],
                              catch_exceptions=False)


@pytest.fixture
def instance(tmp_path: Path):
    """An instance made by `casework init` (on PostgreSQL: its stores named in its config)."""
    folder = tmp_path / "instance"
    stores, drop = own_stores(tmp_path, "statscli")
    if uses_postgresql():
        folder.mkdir(mode=0o700)
        (folder / "config.py").write_text("".join(f"{name} = {url!r}\n" for name, url in stores.items()))
    assert run(folder, "init").exit_code == 0
    apps = []

    def app():
        made = create_app(instance_path=folder)
        apps.append(made)
        return made

    yield folder, app
    for made in apps:
        db.dispose(made)
    drop()


def seed(app, monkeypatch) -> str:
    """One case with a session, changed with the listener on (as the application runs it)."""
    outbox_events.listen_for_changes()
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        case = seed_case(db.session, admin, identity={"given_name": NAME, "birth_date": "1985-02-03"})
        add_session(db.session, case, admin, date(2025, 6, 1))
        return case.id


def test_a_failed_statistics_write_is_repaired_by_verify(instance, monkeypatch):
    folder, make = instance
    app = make()
    monkeypatch.setattr(sync, "write_facts", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("down")))
    case_id = seed(app, monkeypatch)
    assert sync_pending(app).failed == 1  # the statistics write failed after the case commit
    monkeypatch.undo()

    result = run(folder, "stats", "verify")
    assert result.exit_code == 0, result.output
    assert "agrees" in result.output and "1 outbox entries projected first" in result.output
    with app.app_context():
        stored = db.stats_session.execute(text("SELECT count(*) FROM case_year_facts WHERE key = :k"),
                                          {"k": row_key(case_id)}).scalar()
    assert stored == 1


def test_verify_reports_a_hand_edited_row_and_rebuild_repairs_it(instance, monkeypatch):
    folder, make = instance
    app = make()
    case_id = seed(app, monkeypatch)
    assert run(folder, "stats", "sync").exit_code == 0
    assert run(folder, "stats", "verify").exit_code == 0

    with app.app_context():
        db.stats_session.execute(text("UPDATE case_year_facts SET age_band = '65_plus'"))
        db.stats_session.execute(text("DELETE FROM case_year_services"))
        db.stats_session.commit()
    result = run(folder, "stats", "verify")
    assert result.exit_code == 1
    key = row_key_of(app, case_id)
    assert re.search(rf"key {key} year 2025: differs in age_band, services", result.output), result.output
    assert "DISAGREES" in result.output
    assert NAME not in result.output and "1985" not in result.output and case_id not in result.output

    result = run(folder, "stats", "rebuild")
    assert result.exit_code == 0, result.output
    assert re.search(r"rebuilt: 1 cases projected into 1 case-years .* cases/s", result.output)
    assert run(folder, "stats", "verify").exit_code == 0


def test_verify_reports_rows_of_no_case(instance, monkeypatch):
    folder, make = instance
    app = make()
    seed(app, monkeypatch)
    run(folder, "stats", "rebuild")
    with app.app_context():
        db.stats_session.execute(text(
            "INSERT INTO case_year_facts VALUES ('0123456789abcdef0123456789abcdef', 2024, true, true, "
            "5, false, NULL, '25_34', 'citizen', 'national', 'abroad', 'both', 'self', 'phone', "
            "'unknown', 'unknown', 'unknown')"))
        db.stats_session.commit()
    result = run(folder, "stats", "verify")
    assert result.exit_code == 1
    assert "key 0123456789abcdef0123456789abcdef year -: rows of no case" in result.output


def row_key_of(app, case_id: str) -> str:
    with app.app_context():
        return row_key(case_id)
