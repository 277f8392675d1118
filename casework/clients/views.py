"""Routes of a client's record: reading it and editing her identity, contacts and profile.

Only a counsellor who may open one of her cases reaches her record (the same refusal for an
unknown id); every read is audited as "client.opened". Routes only: the rules are in the
services (casework.intake.service for access and changes, casework.clients.schema for what may
be stored).
"""

from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from casework import codes
from casework.clients.forms import (ClientEditForm, ContactsFields,
                                    IdentityFields, ProfileFields, attach_errors,
                                    client_form_data, describe, offer_blank_rows,
                                    profile_in_words, values_of, version_of)
from casework.clients.schema import DocumentInvalid, display_name
from casework.errors import StaleEdit
from casework.extensions import db
from casework.clients import service

blueprint = Blueprint("clients", __name__, url_prefix="/clients")

Page = tuple[str, int]


@blueprint.context_processor
def _helpers() -> dict[str, Any]:
    return {"code_label": codes.label_text, "display_name": display_name}


def _me() -> Any:
    return current_user._get_current_object()


def _committed(template: str, status: int = 200, **context: Any) -> Page:
    """Render, then commit: the audit entry of the read is kept with the page."""
    page = render_template(template, **context)
    db.session.commit()
    return page, status


@blueprint.get("/<client_id>")
def view(client_id: str) -> Page:
    record = service.open_client(db.session, actor=_me(), client_id=client_id)
    return _committed("clients/view.html", record=record, client=record.client,
                      profile=profile_in_words(record.client))


@blueprint.route("/<client_id>/edit", methods=["GET", "POST"])
def edit(client_id: str) -> Page | Response:
    record = service.open_client(db.session, actor=_me(), client_id=client_id)
    if request.method == "GET":
        form = ClientEditForm(formdata=None, data=client_form_data(record.client))
        return _edit_page(record, form)
    form = ClientEditForm()
    if not form.validate_on_submit():
        return _edit_page(record, form, status=400)
    try:
        service.edit_client(db.session, record.client, actor=_me(),
                            expected_version=version_of(form.client_version),
                            identity=values_of(form, IdentityFields),
                            contacts=values_of(form, ContactsFields),
                            profile=values_of(form, ProfileFields),
                            discrimination_factors=form.discrimination_factors.data)
    except StaleEdit:
        record = _reopen(client_id)
        stored = ClientEditForm(formdata=None, data=client_form_data(record.client))
        form.client_version.data = stored.client_version.data  # saving again is a choice she makes
        return _edit_page(record, form, conflict=describe(stored), status=409)
    except DocumentInvalid as invalid:
        record = _reopen(client_id)
        attach_errors(form, invalid.errors)
        return _edit_page(record, form, status=400)
    db.session.commit()
    flash(_("Her record was saved."), "info")
    return redirect(url_for("clients.view", client_id=client_id))


def _reopen(client_id: str) -> service.ClientRecord:
    """After a refused save: drop whatever the attempt left, and load (and audit) afresh."""
    db.session.rollback()
    return service.open_client(db.session, actor=_me(), client_id=client_id)


def _edit_page(record: service.ClientRecord, form: ClientEditForm, *,
               conflict: Optional[list] = None, status: int = 200) -> Page:
    offer_blank_rows(form)
    return _committed("clients/edit.html", status, record=record, client=record.client,
                      form=form, conflict=conflict)
