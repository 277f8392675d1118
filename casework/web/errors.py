"""Error pages in plain words: what happened and what to do, never a detail of the system."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from casework.errors import AuditOnRefusal, DomainError
from casework.extensions import db

EXPLANATIONS = {
    400: (_l("The request could not be understood"),
          _l("Something in what was sent was not valid. Go back and try again.")),
    403: (_l("Not allowed"),
          _l("You do not have access to this page. If you think you should, ask an administrator.")),
    404: (_l("Not found"),
          _l("There is nothing here. The address may be mistyped, or the page was removed.")),
    405: (_l("Not allowed"),
          _l("This page cannot be used that way. Go back and use the form on the page.")),
    409: (_l("Changed in the meantime"),
          _l("Someone else changed this record while you were working. Nothing was overwritten.")),
    413: (_l("Too much data"),
          _l("What was sent is larger than Casework accepts. Shorten it and try again.")),
    429: (_l("Too many attempts"),
          _l("Please wait a few minutes before trying again.")),
    500: (_l("Something went wrong"),
          _l("Casework could not finish this. Nothing you had saved before was lost. "
             "Try again; if it happens again, tell an administrator the time it happened.")),
}

CSRF_EXPLANATION = (_l("The form expired"),
                    _l("The form was open too long or was sent from elsewhere. "
                       "Reload the page and send it again."))


def render_error(status: int, title: object = None, message: object = None) -> tuple[str, int]:
    default_title, default_message = EXPLANATIONS.get(status, EXPLANATIONS[500])
    return render_template("errors/error.html", status=status, title=title or default_title,
                           message=message or default_message), status


def _handle_http(error: HTTPException) -> tuple[str, int]:
    db.session.rollback()
    return render_error(error.code or 500)


def _handle_csrf(_error: CSRFError) -> tuple[str, int]:
    db.session.rollback()
    return render_error(400, *CSRF_EXPLANATION)


def _handle_domain(error: DomainError) -> tuple[str, int]:
    db.session.rollback()
    if error.audit is not None:
        _record_refusal(error.audit)
    return render_error(error.status, message=error.message or None)


def _record_refusal(refusal: AuditOnRefusal) -> None:
    from flask_login import current_user

    from casework.audit.service import record

    actor = current_user if current_user.is_authenticated else None
    record(db.session, refusal.action, actor=actor, target_type=refusal.target_type,
           target_id=refusal.target_id, details=refusal.details)
    db.session.commit()


def _handle_unexpected(error: Exception) -> tuple[str, int]:
    # Logged with its type and place only: an exception message can carry submitted values.
    db.session.rollback()
    from flask import current_app
    current_app.logger.error("unhandled %s", type(error).__name__,
                             exc_info=current_app.config["DEVELOPMENT"])
    return render_error(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(DomainError, _handle_domain)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(Exception, _handle_unexpected)
