"""Sealed model attributes: ordinary Python values in code, AES-GCM ciphertext in the database.

    class Client(Base):
        identity_sealed = mapped_column(LargeBinary)
        identity = SealedField("identity_sealed", kind=dict)

Reading `client.identity` opens the ciphertext once per object (with the owner's data key,
bound to table, field and record id); assigning seals at once, so plaintext never waits in
the session to be flushed. The model says which data key it uses through `sealing_key_id()`.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Optional

from sqlalchemy.orm import Session, object_session

from casework.crypto.envelope import open_value, seal_value

_CACHE_ATTRIBUTE = "_casework_opened"


def _to_json(kind: type, value: Any) -> Any:
    if value is None:
        return None
    if kind is date:
        return value.isoformat()
    if kind is list:
        return list(value)
    if kind is dict:
        return dict(value)
    return kind(value)


def _from_json(kind: type, value: Any) -> Any:
    if value is None:
        return None
    if kind is date:
        return date.fromisoformat(value)
    return kind(value)


class SealedField:
    """A descriptor that seals on assignment and opens lazily on first read."""

    def __init__(self, column: str, *, kind: type = str, field: Optional[str] = None) -> None:
        self.column = column
        self.kind = kind
        self.field = field or column.removesuffix("_sealed")

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def _session(self, obj: Any) -> Session:
        session = object_session(obj)
        if session is None:
            raise RuntimeError(f"add the {type(obj).__name__} to a session before using "
                               f"its sealed field {self.name}")
        return session

    def __get__(self, obj: Any, owner: type) -> Any:
        if obj is None:
            return self
        cache = obj.__dict__.setdefault(_CACHE_ATTRIBUTE, {})
        if self.name not in cache:
            blob = getattr(obj, self.column)
            opened = None if blob is None else open_value(
                self._session(obj), blob, table=obj.__tablename__, field=self.field,
                record_id=obj.id)
            cache[self.name] = _from_json(self.kind, opened)
        return cache[self.name]

    def __set__(self, obj: Any, value: Any) -> None:
        if value is None:
            setattr(obj, self.column, None)
        else:
            setattr(obj, self.column, seal_value(
                self._session(obj), obj.sealing_key_id(), _to_json(self.kind, value),
                table=obj.__tablename__, field=self.field, record_id=obj.id))
        obj.__dict__.setdefault(_CACHE_ATTRIBUTE, {})[self.name] = value


def forget_opened_values(obj: Any) -> None:
    """Drop the plaintext an object holds (after erasure, or to re-read after a refresh)."""
    obj.__dict__.pop(_CACHE_ATTRIBUTE, None)


