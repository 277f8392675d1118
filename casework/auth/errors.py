"""Errors of account administration and enrolment, with messages for the person in front of it."""

from __future__ import annotations

from casework.errors import DomainError, NotFound, NotPermitted


class InvalidUserData(DomainError):
    """A username, role or organisation that cannot be used; `field` names the form field."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class PasswordRejected(DomainError):
    """The password breaks the policy; `errors` lists each reason."""

    def __init__(self, errors: list) -> None:
        super().__init__("; ".join(str(error.message) for error in errors))
        self.errors = errors


class EnrolmentCodeInvalid(NotPermitted):
    """Unknown, used or expired: deliberately one answer for all three."""


class UserNotFound(NotFound):
    pass
