"""Every model module, so migrations and tests see the complete metadata of both stores."""

from __future__ import annotations


def load_all_models() -> None:
    """Import each area's models (registering them on Base / StatsBase); import-time is class definition only."""
    import casework.audit.models  # noqa: F401
    import casework.auth.models  # noqa: F401
    import casework.cases.models  # noqa: F401
    import casework.cases.outbox  # noqa: F401
    import casework.centre.models  # noqa: F401
    import casework.clients.models  # noqa: F401
    import casework.crypto.models  # noqa: F401
    import casework.referrals.models  # noqa: F401
    import casework.reports.release_models  # noqa: F401
    import casework.security.models  # noqa: F401
    import casework.stats.models  # noqa: F401
