"""People who sign in, the partner organisations they may belong to, and their sign-in secrets."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import (Boolean, DateTime, ForeignKey, Integer, LargeBinary, String, UniqueConstraint,
                        false)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.clock import now
from casework.db import Base

ROLES = ("counsellor", "coordinator", "admin", "shelter_partner")

ENROLMENT_PURPOSES = ("new_user", "reset_password", "reset_second_factor")


class Organisation(Base):
    """A partner organisation (shelter, legal aid…); its users are shelter partners."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40), default="shelter")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    # The partner directory (kept by the admin, read by counsellors and coordinators): where the
    # partner works, how to reach it, and for shelters what they can offer. No personal data.
    area: Mapped[str] = mapped_column(String(120), default="", server_default="")
    contact: Mapped[str] = mapped_column(String(300), default="", server_default="")
    capacity_notes: Mapped[str] = mapped_column(String(1000), default="", server_default="")
    takes_children: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class User(Base):
    """One person's account. Exactly one role; a shelter partner belongs to an organisation."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organisations.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # None until the person sets her own password with an enrolment code.
    password_hash: Mapped[Optional[str]] = mapped_column(String(255))
    # The TOTP secret, sealed under the user's own data key (see casework.crypto).
    data_key_id: Mapped[Optional[str]] = mapped_column(ForeignKey("data_keys.id"))
    totp_secret_sealed: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    totp_enabled_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    totp_last_step: Mapped[Optional[int]] = mapped_column(Integer)
    preferred_locale: Mapped[Optional[str]] = mapped_column(String(10))
    # Failed sign-ins since her last successful one: she is told at her next sign-in.
    failed_signins_unseen: Mapped[int] = mapped_column(Integer, default=0)
    last_signin_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    organisation: Mapped[Optional[Organisation]] = relationship()

    __mapper_args__ = {"version_id_col": version}

    # Flask-Login protocol (written out rather than UserMixin so `is_active` follows `active`).
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def has_second_factor(self) -> bool:
        return self.totp_enabled_at is not None


class RecoveryCode(Base):
    """One-time recovery code for the second factor, stored only as a hash."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    used_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))


class EnrolmentCode(Base):
    """A one-time code an admin hands to a person so she sets her own password and second factor.

    Only a SHA-256 of the code is kept: the code is a long random string shown once.
    """

    __tablename__ = "enrolment_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(30))
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))


class SigninThrottle(Base):
    """Per-account backoff state, one row per (user, bucket).

    The bucket is the device a person has signed in from before (a signed device cookie) or
    "untrusted" for everyone else, so an attacker who knows a username only slows down the
    untrusted bucket and cannot keep the real user out of her own devices.
    """

    __tablename__ = "signin_throttles"
    __table_args__ = (UniqueConstraint("user_id", "bucket"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    bucket: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
