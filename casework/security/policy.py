"""Who may reach which endpoint: one table, deny by default.

Every endpoint of the application must appear in RULES. An endpoint without a rule answers 403,
and tests/test_access_matrix.py walks the whole URL map against every role (and anonymous) so
that a new route cannot be added without deciding who may use it.
"""

from __future__ import annotations

from typing import Mapping

from casework.auth.models import ROLES

ANONYMOUS = "anonymous"

EVERYONE = frozenset({ANONYMOUS, *ROLES})
SIGNED_IN = frozenset(ROLES)
ADMIN = frozenset({"admin"})
COUNSELLOR = frozenset({"counsellor"})
COORDINATOR = frozenset({"coordinator"})
SHELTER_PARTNER = frozenset({"shelter_partner"})

RULES: Mapping[str, frozenset[str]] = {
    "static": EVERYONE,
    "core.health": EVERYONE,
    "core.home": SIGNED_IN,
    # Signing in is reachable before anyone is signed in; each step checks its own state.
    "auth.sign_in": EVERYONE,
    "auth.second_factor": EVERYONE,
    "auth.recovery": EVERYONE,
    "auth.enrol": EVERYONE,
    "auth.enrol_password": EVERYONE,
    "auth.enrol_second_factor": EVERYONE,
    "auth.recovery_codes": EVERYONE,
    "auth.set_language": EVERYONE,
    "auth.sign_out": SIGNED_IN,
    "auth.lock": SIGNED_IN,
    "auth.unlock": SIGNED_IN,
    "auth.reauthenticate": SIGNED_IN,
    "auth.account": SIGNED_IN,
    "auth.change_second_factor": SIGNED_IN,
    "admin.users": ADMIN,
    "admin.create_user": ADMIN,
    "admin.user": ADMIN,
    "admin.change_role": ADMIN,
    "admin.deactivate_user": ADMIN,
    "admin.reactivate_user": ADMIN,
    "admin.reset_password": ADMIN,
    "admin.reset_second_factor": ADMIN,
    "admin.end_sessions": ADMIN,
    "admin.organisations": ADMIN,
    "admin.deactivate_organisation": ADMIN,
    "admin.reactivate_organisation": ADMIN,
    "admin.audit_log": ADMIN,
    # The counsellor's work. Which case she may open is decided again, per case, by
    # casework.cases.access: this table only says which roles may try.
    "cases.dashboard": COUNSELLOR,
    "cases.search": COUNSELLOR,
    "cases.view": COUNSELLOR,
    "intake.start": COUNSELLOR,
    "intake.new_case_for_client": COUNSELLOR,
    "intake.section": COUNSELLOR,
    "intake.review": COUNSELLOR,
    "intake.discard": COUNSELLOR,
    "clients.view": COUNSELLOR,
    "clients.edit": COUNSELLOR,
    "records.new_session": COUNSELLOR,
    "records.edit_session": COUNSELLOR,
    "records.new_risk_assessment": COUNSELLOR,
    "records.risk_assessment": COUNSELLOR,
    "records.new_safety_plan": COUNSELLOR,
    "records.safety_plan": COUNSELLOR,
    "records.consents": COUNSELLOR,
    "records.withdraw_consent": COUNSELLOR,
    "records.close": COUNSELLOR,
    "records.reopen": COUNSELLOR,
    "sharing.share": COUNSELLOR,
    "sharing.unshare": COUNSELLOR,
    "sharing.break_glass": COUNSELLOR,
    "sharing.notifications": frozenset({"counsellor", "admin"}),
    "sharing.mark_read": frozenset({"counsellor", "admin"}),
    "sharing.review_list": ADMIN,
    "sharing.mark_reviewed": ADMIN,
    "sharing.cases_by_metadata": ADMIN,
    "sharing.reassign": ADMIN,
    # Anonymous enquiries and the centre's activities hold no personal data.
    "centre.enquiries": frozenset({"counsellor", "coordinator"}),
    "centre.activities": frozenset({"counsellor", "coordinator"}),
    "centre.edit_activity": frozenset({"counsellor", "coordinator"}),
    # Referrals. The counsellor's routes are case-scoped (casework.cases.access decides per case);
    # a shelter partner reaches only her organisation's inbox, decided per referral again.
    "admin.edit_organisation": ADMIN,
    "referrals.directory": frozenset({"counsellor", "coordinator", "admin"}),
    "referrals.case_referrals": COUNSELLOR,
    "referrals.new": COUNSELLOR,
    "referrals.view": COUNSELLOR,
    "referrals.edit": COUNSELLOR,
    "referrals.preview": COUNSELLOR,
    "referrals.send": COUNSELLOR,
    "referrals.withdraw": COUNSELLOR,
    "referrals.record_outcome": COUNSELLOR,
    "referrals.print": COUNSELLOR,
    "partner.inbox": SHELTER_PARTNER,
    "partner.packet": SHELTER_PARTNER,
    "partner.accept": SHELTER_PARTNER,
    "partner.decline": SHELTER_PARTNER,
    "partner.arrived": SHELTER_PARTNER,
    "partner.completed": SHELTER_PARTNER,
    # Downloads of the anonymised statistics; each view asks for a recent re-authentication.
    "report_exports.csv": COORDINATOR,
    "report_exports.xlsx": COORDINATOR,
    "report_exports.network": COORDINATOR,
    # The anonymised statistics: read from the statistics store only; a release also asks for a
    # recent re-authentication (it publishes).
    "reports.index": COORDINATOR,
    "reports.year": COORDINATOR,
    "reports.quarter": COORDINATOR,
    "reports.table": COORDINATOR,
    "reports.release": COORDINATOR,
    "reports.releases": COORDINATOR,
}


def roles_allowed(endpoint: str) -> frozenset[str]:
    """The roles (and possibly ANONYMOUS) that may reach an endpoint; empty when it has no rule."""
    return RULES.get(endpoint, frozenset())


def may_reach(endpoint: str, role: str) -> bool:
    """Whether someone with `role` (or ANONYMOUS) may reach `endpoint`."""
    return role in roles_allowed(endpoint)
