"""`casework demo seed`: fill a demonstration instance with fictional women and their cases.

Refused unless the instance config sets DEMO_INSTANCE = True: this must never run on a centre's
real data. Everything goes through the real services (sealed, indexed, audited).
"""

from __future__ import annotations

import random
import sys
import time
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("demo")
def demo_group() -> None:
    """Demonstration instances (fictional data only)."""


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


@demo_group.command("seed")
@click.option("--clients", type=click.IntRange(1, 1_000_000), required=True,
              help="How many fictional women to record, each with a case.")
@click.option("--years", default=5, show_default=True, type=click.IntRange(1, 30),
              help="Spread the intakes over this many past years.")
@click.option("--seed", "random_seed", default=7, show_default=True, type=int,
              help="Seed of the random generator (the same seed gives the same women).")
@click.option("--counsellors", default=8, show_default=True, type=click.IntRange(1, 500))
@click.option("--password-stdin", is_flag=True,
              help="Read the demo accounts' password from standard input (else one is made).")
@click.option("--batch-size", default=200, show_default=True, type=click.IntRange(1, 10_000),
              help="Commit after this many women.")
@with_appcontext
def seed_command(clients: int, years: int, random_seed: int, counsellors: int,
                 password_stdin: bool, batch_size: int) -> None:
    """Create demo accounts and CLIENTS fictional women with cases, sessions and consents."""
    import secrets

    from casework.auth.errors import InvalidUserData, PasswordRejected
    from casework.demo.seed import AlreadySeeded, create_demo_accounts
    from casework.extensions import db
    from casework.security.totp import new_totp_secret

    if not current_app.config["DEMO_INSTANCE"]:
        _fail("Refused: this is not a demonstration instance. `casework demo seed` only runs "
              "where the instance config.py sets DEMO_INSTANCE = True (never on a centre's "
              "real data).")
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin \
        else "demo-" + secrets.token_urlsafe(12)
    totp_secret = new_totp_secret()
    try:
        staff, coordinator = create_demo_accounts(db.session, counsellors=counsellors,
                                                  password=password, totp_secret=totp_secret)
    except PasswordRejected as rejected:
        _fail("Not seeded: " + "; ".join(str(problem.message) for problem in rejected.errors))
        return
    except (AlreadySeeded, InvalidUserData) as refusal:
        _fail(f"Not seeded: {refusal.message}")
        return
    db.commit()
    click.echo(f"Demo accounts: demo.counsellor1 … demo.counsellor{counsellors}, demo.coordinator")
    if not password_stdin:
        click.echo(f"Password of every demo account (shown once): {password}")
    click.echo(f"Second-factor (TOTP) secret of every demo account (shown once): {totp_secret}")
    _seed(staff, coordinator, clients=clients, years=years, rng=random.Random(random_seed),
          batch_size=batch_size)


def _seed(staff: list[Any], coordinator: Any, *, clients: int, years: int, rng: random.Random,
          batch_size: int) -> None:
    from casework.crypto.envelope import forget_cached_keys
    from casework.demo.seed import SeedCounts, seed_centre_records, seed_clients
    from casework.extensions import db

    started = time.perf_counter()
    total = SeedCounts()
    for batch in seed_clients(db.session, staff, count=clients, years=years, rng=rng,
                              batch_size=batch_size):
        db.commit()
        forget_cached_keys(db.session)  # one unwrapped key per woman: drop them with the batch
        total.add(batch)
        elapsed = time.perf_counter() - started
        click.echo(f"  {total.clients:,} clients ({total.clients / elapsed:,.0f} per second)")
    seconds = time.perf_counter() - started
    enquiries, activities = seed_centre_records(db.session, counsellors=staff,
                                                coordinator=coordinator, clients=clients,
                                                years=years, rng=rng)
    db.commit()
    click.echo(f"Seeded {total.clients:,} clients in {seconds:,.1f} s "
               f"({total.clients / seconds:,.0f} clients per second): "
               f"{total.sessions:,} sessions, {total.risk_assessments:,} risk assessments, "
               f"{total.safety_plans:,} safety plans, {total.consents:,} consents, "
               f"{total.cases_closed:,} cases closed, {total.drafts:,} intakes still drafts; "
               f"{enquiries:,} enquiries and {activities:,} activities.")
    _count_in_statistics()


def _count_in_statistics(batch: int = 2000) -> None:
    """Drain the statistics outbox the seed filled (one entry per case), so that the first
    requests of the demo do not each project a share of 100,000 waiting cases."""
    from casework.stats.sync import sync_pending

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    started, synced, failed = time.perf_counter(), 0, 0
    while True:
        result = sync_pending(app, limit=batch)
        synced, failed = synced + result.synced, result.failed
        if not result.synced:  # done, or only entries that fail are left (they stay queued)
            break
        click.echo(f"  {synced:,} outbox entries projected into the statistics store")
    seconds = time.perf_counter() - started
    click.echo(f"Statistics store up to date: {synced:,} outbox entries projected in {seconds:,.1f} s"
               + (f"; {failed:,} failed and stay queued (casework stats sync)." if failed else "."))
