"""A referral of a woman to a partner organisation, and the history of its status.

The packet — the minimum the partner needs, chosen field by field — is sealed under the
referral's OWN data key, never the client's: a partner's access never opens the case's key, and
the packet can be crypto-shredded (withdrawal, expiry, the end of its retention) without
touching the case. In clear are only what routing, the partner's inbox and the statistics need:
ids, the partner, its type, the purpose code, the status and its dates, and which field codes
were shared (never their values).
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import DateTime, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.clock import now
from casework.crypto.fields import SealedField
from casework.crypto.models import new_uuid
from casework.db import Base

REFERRAL_STATUSES = ("draft", "sent", "accepted", "declined", "arrived", "completed",
                     "withdrawn", "expired")
# A referral has ended in these: nothing more can happen to it.
ENDED_STATUSES = ("declined", "completed", "withdrawn", "expired")


class Referral(Base):
    __tablename__ = "referrals"
    __table_args__ = (Index("ix_referrals_organisation_status", "organisation_id", "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    # Given to the partner (and printed) instead of anything of the case: random, not a sequence.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    # The organisation's kind when the referral was made, so the statistics do not move when the
    # directory is edited.
    partner_type: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    consent_id: Mapped[Optional[str]] = mapped_column(ForeignKey("consents.id"))
    # The packet's own data key: the draft's until it is sent, a new one from then on.
    data_key_id: Mapped[Optional[str]] = mapped_column(ForeignKey("data_keys.id"))
    shared_fields: Mapped[str] = mapped_column(String(400), default="")
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    sent_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True), index=True)
    content_erased_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The counsellor's choices and typed values while it is a draft.
    draft_sealed: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    # The snapshot the partner reads, sealed when it is sent.
    packet_sealed: Mapped[Optional[bytes]] = mapped_column(LargeBinary)

    __mapper_args__ = {"version_id_col": version}

    draft = SealedField("draft_sealed", kind=dict)
    packet = SealedField("packet_sealed", kind=dict)

    def sealing_key_id(self) -> str:
        if self.data_key_id is None:
            raise RuntimeError("a referral needs its own data key before anything is sealed")
        return self.data_key_id

    @property
    def shared_field_codes(self) -> list[str]:
        return [code for code in self.shared_fields.split(",") if code]


class ReferralEvent(Base):
    """One change of status (codes and dates only): kept after the packet is erased, for the
    referring counsellor's history and the statistics."""

    __tablename__ = "referral_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[Optional[str]] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12))
    # A decline or withdrawal reason code; "no_answer" for an expiry.
    reason: Mapped[Optional[str]] = mapped_column(String(40))
    # Who recorded it: the counsellor, the partner (in Casework), or the system (an expiry).
    recorded_by: Mapped[str] = mapped_column(String(12))
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
