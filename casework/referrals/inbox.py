"""The shelter partner's side: her organisation's inbox, a packet, and her answers.

Every route loads the referral by (id AND her organisation): another organisation's referral, a
draft and an unknown id all get the same 403, audited. Opening a packet is audited (the
referring counsellor sees who opened it and when). Nothing of the case is ever shown here: no
case code, no id of the case or of her record.
"""

from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from casework.admin.organisations import kind_label
from casework.extensions import db
from casework.referrals import queries, service
from casework.referrals.forms import ConfirmForm, DeclineForm
from casework.referrals.models import Referral
from casework.referrals.packet import display_helpers

blueprint = Blueprint("partner", __name__, url_prefix="/partner")

Page = tuple[str, int]


@blueprint.context_processor
def _display_helpers() -> dict[str, Any]:
    return {**display_helpers(), "kind_label": kind_label}


def _me() -> Any:
    return current_user._get_current_object()


def _page(template: str, status: int = 200, **context: Any) -> Page:
    html = render_template(template, **context)
    db.session.commit()
    return html, status


def _referral(referral_id: str, action: str) -> Referral:
    service.keep_up_to_date(db.session)
    return queries.referral_for_partner(db.session, _me(), referral_id, action=action)


@blueprint.get("/referrals")
def inbox() -> Page:
    service.keep_up_to_date(db.session)
    organisation_id = _me().organisation_id
    names = queries.organisation_names(db.session, [organisation_id] if organisation_id else [])
    return _page("referrals/inbox.html", groups=queries.inbox(db.session, organisation_id),
                 organisation_name=names.get(organisation_id, ""))


@blueprint.get("/referrals/<referral_id>")
def packet(referral_id: str) -> Page:
    referral = _referral(referral_id, "referral.packet_opened")
    return _packet_page(referral)


def _packet_page(referral: Referral, status: int = 200,
                 decline_form: Optional[DeclineForm] = None) -> Page:
    content = queries.open_for_partner(db.session, _me(), referral)
    return _page("referrals/partner_packet.html", status, referral=referral, packet=content,
                 history=queries.history(db.session, referral),
                 decline_form=decline_form or DeclineForm(formdata=None))


def _step(referral_id: str, status: str, done: str) -> Response | Page:
    referral = _referral(referral_id, f"referral.{status}")
    if not ConfirmForm().validate_on_submit():
        return _packet_page(referral, 400)
    service.answer_as_partner(db.session, referral, actor=_me(), status=status)
    db.session.commit()
    flash(done % {"code": referral.code}, "info")
    return redirect(url_for("partner.inbox"))


@blueprint.post("/referrals/<referral_id>/accept")
def accept(referral_id: str) -> Response | Page:
    return _step(referral_id, "accepted", _("Referral %(code)s accepted."))


@blueprint.post("/referrals/<referral_id>/arrived")
def arrived(referral_id: str) -> Response | Page:
    return _step(referral_id, "arrived", _("Her arrival was recorded for referral %(code)s."))


@blueprint.post("/referrals/<referral_id>/completed")
def completed(referral_id: str) -> Response | Page:
    return _step(referral_id, "completed", _("Referral %(code)s is completed."))


@blueprint.post("/referrals/<referral_id>/decline")
def decline(referral_id: str) -> Response | Page:
    referral = _referral(referral_id, "referral.declined")
    form = DeclineForm()
    if not form.validate_on_submit():
        return _packet_page(referral, 400, decline_form=form)
    service.answer_as_partner(db.session, referral, actor=_me(), status="declined",
                              reason=form.reason.data)
    db.session.commit()
    flash(_("Referral %(code)s declined.", code=referral.code), "info")
    return redirect(url_for("partner.inbox"))
