"""Account administration: the only writer of users. Every change is audited.

An administrator never chooses a person's password: creating or resetting an account issues a
one-time enrolment code, with which the person sets her own password and second factor.
"""

from __future__ import annotations

import re
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from casework.audit.service import record
from casework.auth.enrolment import issue_enrolment_code
from casework.auth.errors import InvalidUserData, PasswordRejected, UserNotFound
from casework.auth.models import ROLES, Organisation, RecoveryCode, User
from casework.security.passwords import check_password_policy, hash_password
from casework.security.runtime_hasher import password_hasher
from casework.security.sessions import end_user_sessions

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,38}[a-z0-9]$")


def normalise_username(username: str) -> str:
    return username.strip().lower()


def find_user(session: Session, username: str) -> Optional[User]:
    return session.scalar(select(User).where(User.username == normalise_username(username)))


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise UserNotFound(_("There is no such user."))
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.active.desc(), User.username)))


def count_active_admins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)
                          .where(User.role == "admin", User.active.is_(True))) or 0


def create_user(session: Session, *, username: str, role: str, actor: Optional[User],
                organisation_id: Optional[int] = None, display_name: str = "") -> User:
    """Create an account (no password yet); the caller issues an enrolment code or a password."""
    username = normalise_username(username)
    _check_username(session, username)
    _check_role(session, role, organisation_id)
    user = User(username=username, role=role, display_name=display_name.strip()[:120],
                organisation_id=organisation_id if role == "shelter_partner" else None)
    session.add(user)
    session.flush()
    record(session, "user.created", actor=actor, target_type="user", target_id=user.id,
           details={"role": role})
    return user


def _check_username(session: Session, username: str) -> None:
    if not USERNAME_PATTERN.match(username):
        raise InvalidUserData(_("A username has 3 to 40 characters: lowercase letters, digits, "
                                "dots, dashes or underscores."), field="username")
    if find_user(session, username) is not None:
        raise InvalidUserData(_("That username is already taken."), field="username")


def _check_role(session: Session, role: str, organisation_id: Optional[int]) -> None:
    if role not in ROLES:
        raise InvalidUserData(_("Choose one of the roles offered."), field="role")
    if role == "shelter_partner":
        organisation = session.get(Organisation, organisation_id) if organisation_id else None
        if organisation is None or not organisation.active:
            raise InvalidUserData(_("A shelter partner must belong to an active partner "
                                    "organisation."), field="organisation_id")


def set_password(session: Session, user: User, password: str, *, actor: Optional[User]) -> None:
    """Set a password that passes the policy (NIST-style: length and a common-password check)."""
    problems = check_password_policy(password, username=user.username)
    if problems:
        raise PasswordRejected(problems)
    user.password_hash = hash_password(password, password_hasher())
    record(session, "user.password_set", actor=actor, target_type="user", target_id=user.id)


def change_role(session: Session, user: User, role: str, *, actor: User,
                organisation_id: Optional[int] = None) -> None:
    """Change a person's one role; her sessions end so the new rights apply at once."""
    _refuse_acting_on_herself(user, actor, _("You cannot change your own role; ask another administrator."))
    _check_role(session, role, organisation_id)
    _refuse_removing_last_admin(session, user, becoming_admin=(role == "admin"))
    previous = user.role
    user.role = role
    user.organisation_id = organisation_id if role == "shelter_partner" else None
    end_user_sessions(session, user.id)
    record(session, "user.role_changed", actor=actor, target_type="user", target_id=user.id,
           details={"from": previous, "to": role})


def deactivate_user(session: Session, user: User, *, actor: Optional[User]) -> None:
    """Deactivate an account and end all of her sessions at once."""
    _refuse_acting_on_herself(user, actor, _("You cannot deactivate your own account; ask another administrator."))
    _refuse_removing_last_admin(session, user, becoming_admin=False)
    user.active = False
    ended = end_user_sessions(session, user.id)
    record(session, "user.deactivated", actor=actor, target_type="user", target_id=user.id,
           details={"sessions_ended": ended})


def reactivate_user(session: Session, user: User, *, actor: User) -> None:
    user.active = True
    record(session, "user.reactivated", actor=actor, target_type="user", target_id=user.id)


def _refuse_acting_on_herself(user: User, actor: Optional[User], message: str) -> None:
    if actor is not None and actor.id == user.id:
        raise InvalidUserData(message, field="role")


def _refuse_removing_last_admin(session: Session, user: User, *, becoming_admin: bool) -> None:
    if user.role == "admin" and user.active and not becoming_admin and count_active_admins(session) <= 1:
        raise InvalidUserData(_("This is the only active administrator; "
                                "make another administrator first."), field="role")


def end_sessions(session: Session, user: User, *, actor: User) -> int:
    ended = end_user_sessions(session, user.id)
    record(session, "user.sessions_ended", actor=actor, target_type="user", target_id=user.id,
           details={"sessions_ended": ended})
    return ended


def reset_password(session: Session, user: User, *, actor: Optional[User]) -> str:
    """Clear the password and end her sessions; returns a new enrolment code (shown once)."""
    user.password_hash = None
    end_user_sessions(session, user.id)
    return issue_enrolment_code(session, user, "reset_password", actor=actor)


def reset_second_factor(session: Session, user: User, *, actor: Optional[User]) -> str:
    """Remove her second factor and recovery codes; she enrols again with the returned code."""
    clear_second_factor(session, user)
    end_user_sessions(session, user.id)
    return issue_enrolment_code(session, user, "reset_second_factor", actor=actor)


def clear_second_factor(session: Session, user: User) -> None:
    user.totp_secret_sealed = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
