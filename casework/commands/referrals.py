"""`casework referrals housekeeping`: expire unanswered referrals, withdraw those whose consent
was withdrawn, and erase the packets of referrals that ended long enough ago.

The pages do the same whenever a referral page is opened; run this daily (cron or a systemd
timer) so nothing waits for someone to open a page.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("referrals")
def referrals_group() -> None:
    """Referrals to partner organisations."""


@referrals_group.command("housekeeping")
@with_appcontext
def housekeeping_command() -> None:
    """Expire, withdraw and erase what is due; print how many of each."""
    from casework.extensions import db
    from casework.referrals.service import (expire_due, purge_ended_packets,
                                            withdraw_where_consent_withdrawn)

    expired = expire_due(db.session)
    withdrawn = withdraw_where_consent_withdrawn(db.session)
    purged = purge_ended_packets(db.session)
    db.commit()
    click.echo(f"Expired: {expired}. Withdrawn after her consent was withdrawn: {withdrawn}. "
               f"Packets erased: {purged}.")
