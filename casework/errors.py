"""Domain errors raised by services; one handler maps them to plain-worded pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass(frozen=True)
class AuditOnRefusal:
    """What to record about a refusal. The request's own changes are rolled back, so the error
    handler writes this entry afterwards, in a transaction of its own."""

    action: str
    target_type: str
    target_id: str
    details: dict = field(default_factory=dict)


class DomainError(Exception):
    """Base of the errors a service raises; `status` is the HTTP code a view answers with."""

    status = 400

    def __init__(self, message: str = "", *, audit: Optional[AuditOnRefusal] = None,
                 **context: object) -> None:
        super().__init__(message)
        self.message = message
        self.audit = audit
        self.context = context


class NotPermitted(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class StaleEdit(DomainError):
    status = 409


class InvalidTransition(DomainError):
    status = 409
