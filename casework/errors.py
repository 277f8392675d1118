"""Domain errors raised by services; one handler maps them to plain-worded pages."""

from __future__ import annotations


class DomainError(Exception):
    """Base of the errors a service raises; `status` is the HTTP code a view answers with."""

    status = 400

    def __init__(self, message: str = "", **context: object) -> None:
        super().__init__(message)
        self.message = message
        self.context = context


class NotPermitted(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class StaleEdit(DomainError):
    status = 409


class InvalidTransition(DomainError):
    status = 409
