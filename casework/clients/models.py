"""A client (the woman supported) and the blind-index entries that let her be found.

Everything that identifies her is sealed under her own data key; in clear are only ids,
timestamps and the version used for optimistic locking.
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


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    data_key_id: Mapped[str] = mapped_column(ForeignKey("data_keys.id"))
    # given_name, family_name, other_names (list), birth_date (ISO), approximate_age,
    # age_is_estimated
    identity_sealed: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    # phones and emails, each with safe_to_call / safe_to_message / safe_times; address
    contacts_sealed: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    # language, interpreter, nationality, migration status, family, education, work, housing…
    profile_sealed: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    discrimination_sealed: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, onupdate=now)
    erased_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    identity = SealedField("identity_sealed", kind=dict)
    contacts = SealedField("contacts_sealed", kind=dict)
    profile = SealedField("profile_sealed", kind=dict)
    discrimination_factors = SealedField("discrimination_sealed", kind=list,
                                         field="discrimination_factors")

    def sealing_key_id(self) -> str:
        return self.data_key_id


class ClientIndexEntry(Base):
    """One truncated HMAC of one name token or phone number of one client.

    These values are personal data too: they never leave the case store.
    """

    __tablename__ = "client_index_entries"
    __table_args__ = (Index("ix_client_index_lookup", "field", "index_key_id", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(10))
    index_key_id: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(16))
