"""The counsellor's referral pages, and the partner directory.

Routes only: each opens the case through casework.cases.access.case_for (which refuses, the
same way for an unknown id, and audits the read), loads the referral by (case, id) after that,
validates a form, calls one service function, commits once, and renders or redirects. Pages
first bring expiries and erasures that fell due up to date, so what she sees is current.
"""

from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from casework.admin.organisations import kind_label, list_organisations
from casework.cases.access import case_for
from casework.cases.models import Case
from casework.errors import StaleEdit
from casework.extensions import db
from casework.i18n import requested_language
from casework.referrals import queries, service
from casework.referrals.forms import (EditReferralForm, OutcomeForm, ReferralForm, SendForm,
                                      WithdrawForm)
from casework.referrals.models import Referral
from casework.referrals.packet import (InvalidReferral, display_helpers, packet_digest, packet_rows,
                                       purpose_label)

blueprint = Blueprint("referrals", __name__)

Page = tuple[str, int]


@blueprint.context_processor
def _display_helpers() -> dict[str, Any]:
    return {**display_helpers(), "kind_label": kind_label}


def _me() -> Any:
    return current_user._get_current_object()


def _case(case_id: str) -> Case:
    service.keep_up_to_date(db.session)
    return case_for(db.session, _me(), case_id, action="case.opened")


def _referral(case: Case, referral_id: str, action: str = "referral.viewed") -> Referral:
    return queries.referral_of_case(db.session, case, referral_id, actor=_me(), action=action)


def _page(template: str, status: int = 200, **context: Any) -> Page:
    """Render, then commit the reads' audit entries (committing first would reload every row)."""
    html = render_template(template, **context)
    db.session.commit()
    return html, status


def _to_referral(case: Case, referral: Referral, message: str, endpoint: str = "referrals.view") -> Response:
    db.session.commit()
    flash(message, "info")
    return redirect(url_for(endpoint, case_id=case.id, referral_id=referral.id))


# --- the directory -----------------------------------------------------------------------------

@blueprint.get("/partners")
def directory() -> Page:
    return _page("referrals/directory.html", partners=queries.partner_directory(db.session))


# --- a case's referrals ------------------------------------------------------------------------

@blueprint.get("/cases/<case_id>/referrals")
def case_referrals(case_id: str) -> Page:
    case = _case(case_id)
    referrals = queries.referrals_of_case(db.session, case)
    names = queries.organisation_names(db.session, {r.organisation_id for r in referrals})
    return _page("referrals/case_referrals.html", case=case, referrals=referrals, names=names)


@blueprint.route("/cases/<case_id>/referrals/new", methods=["GET", "POST"])
def new(case_id: str) -> Response | Page:
    case = _case(case_id)
    service.require_referable(case)  # before anything typed is looked at
    form = _offered(ReferralForm())
    if form.validate_on_submit():
        try:
            referral = service.create_draft(db.session, case, actor=_me(), **form.values())
        except InvalidReferral as refusal:
            form.show_problems(refusal.problems)
        else:
            return _to_referral(case, referral, _("The draft was saved. Check what the partner "
                                                  "will see, then send it."), "referrals.preview")
    return _page("referrals/form.html", 400 if form.is_submitted() else 200, case=case,
                 form=form, referral=None)


def _offered(form: ReferralForm) -> ReferralForm:
    form.offer_organisations(list_organisations(db.session, active_only=True))
    return form


@blueprint.get("/cases/<case_id>/referrals/<referral_id>")
def view(case_id: str, referral_id: str) -> Page:
    case = _case(case_id)
    referral = _referral(case, referral_id)
    return _view_page(case, referral)


def _view_page(case: Case, referral: Referral, status: int = 200, *,
               withdraw_form: Optional[WithdrawForm] = None,
               outcome_form: Optional[OutcomeForm] = None) -> Page:
    answers_itself = queries.has_partner_accounts(db.session, referral.organisation_id)
    return _page("referrals/view.html", status, case=case, referral=referral,
                 organisation=queries.organisation_names(db.session, [referral.organisation_id]),
                 history=queries.history(db.session, referral),
                 openings=queries.openings(db.session, referral),
                 erasure_due=queries.erasure_due_on(referral), answers_itself=answers_itself,
                 withdraw_form=withdraw_form or WithdrawForm(formdata=None),
                 outcome_form=outcome_form or OutcomeForm(formdata=None))


@blueprint.route("/cases/<case_id>/referrals/<referral_id>/edit", methods=["GET", "POST"])
def edit(case_id: str, referral_id: str) -> Response | Page:
    case = _case(case_id)
    referral = _referral(case, referral_id)
    service.require_draft(referral)
    form = _offered(EditReferralForm() if request.method == "POST" else EditReferralForm.of(referral))
    if form.validate_on_submit():
        try:
            service.update_draft(db.session, case, referral, actor=_me(),
                                 expected_version=form.version.data, **form.values())
        except InvalidReferral as refusal:
            form.show_problems(refusal.problems)
        except StaleEdit:
            form.show_version(referral.version)
            return _page("referrals/form.html", 409, case=case, form=form, referral=referral,
                         changes=_stored(referral))
        else:
            return _to_referral(case, referral, _("The draft was saved."), "referrals.preview")
    return _page("referrals/form.html", 400 if form.is_submitted() else 200, case=case,
                 form=form, referral=referral)


def _stored(referral: Referral) -> list[tuple[Any, Any]]:
    """What the draft holds now, for the conflict notice."""
    draft = referral.draft or {}
    names = queries.organisation_names(db.session, [referral.organisation_id])
    return [(_("Partner organisation"), names.get(referral.organisation_id, "")),
            (_("Purpose of the referral"), purpose_label(referral.purpose)),
            *[(row.label, row.text) for row in packet_rows(
                {"fields": list(draft.get("fields") or []), "values": _typed_values(draft)})]]


def _typed_values(draft: dict[str, Any]) -> dict[str, Any]:
    return {"first_name_or_alias": draft.get("alias") or _("(her first name)"),
            "children_coming": {"count": draft.get("children_count") or 0,
                                "ages": draft.get("children_ages") or []},
            **{key: draft.get(key) for key in ("urgency", "accessibility_needs", "note_for_partner",
                                               "phone_for_partner")}}


@blueprint.get("/cases/<case_id>/referrals/<referral_id>/preview")
def preview(case_id: str, referral_id: str) -> Page:
    case = _case(case_id)
    referral = _referral(case, referral_id)
    return _preview_page(case, referral)


def _preview_page(case: Case, referral: Referral, form: Optional[SendForm] = None,
                  status: int = 200) -> Page:
    packet = service.packet_preview(db.session, case, referral) if referral.status == "draft" else None
    if form is None:
        form = SendForm(formdata=None, data={"version": referral.version})
    if packet is not None:
        # Always what is stored and shown now: sending after a refusal is a deliberate choice
        # made on this very packet.
        form.digest.data = packet_digest(packet)
        form.version.data = referral.version
        form.version.raw_data = [str(referral.version)]
    consent = (queries.current_consent(db.session, case, referral, packet["fields"])
               if packet is not None else None)
    names = queries.organisation_names(db.session, [referral.organisation_id])
    return _page("referrals/preview.html", status, case=case, referral=referral, packet=packet,
                 form=form, consent=consent, partner_name=names.get(referral.organisation_id, ""))


@blueprint.post("/cases/<case_id>/referrals/<referral_id>/send")
def send(case_id: str, referral_id: str) -> Response | Page:
    case = _case(case_id)
    referral = _referral(case, referral_id)
    form = SendForm()
    if not form.validate_on_submit():
        return _preview_page(case, referral, form, 400)
    try:
        # The service checks everything (her consent first of all) before it changes anything.
        service.send(db.session, case, referral, actor=_me(), expected_version=form.version.data,
                     previewed_digest=form.digest.data, consent_given_on=form.consent_date())
    except InvalidReferral as refusal:
        form.show_problems(refusal.problems)
        return _preview_page(case, referral, form, 400)
    except StaleEdit as conflict:
        form.form_errors.append(conflict.message)
        return _preview_page(case, referral, form, 409)
    return _to_referral(case, referral, _("The referral was sent."))


@blueprint.post("/cases/<case_id>/referrals/<referral_id>/withdraw")
def withdraw(case_id: str, referral_id: str) -> Response | Page:
    case = _case(case_id)
    referral = _referral(case, referral_id)
    form = WithdrawForm()
    if not form.validate_on_submit():
        return _view_page(case, referral, 400, withdraw_form=form)
    service.withdraw(db.session, case, referral, actor=_me(), reason=form.reason.data)
    return _to_referral(case, referral, _("The referral was withdrawn. Its content was erased."))


@blueprint.post("/cases/<case_id>/referrals/<referral_id>/outcome")
def record_outcome(case_id: str, referral_id: str) -> Response | Page:
    case = _case(case_id)
    referral = _referral(case, referral_id)
    form = OutcomeForm()
    if not form.validate_on_submit():
        return _view_page(case, referral, 400, outcome_form=form)
    try:
        service.record_outcome(db.session, case, referral, actor=_me(), status=form.outcome.data,
                               reason=form.reason.data or None)
    except InvalidReferral as refusal:
        for name, message in refusal.problems.items():
            target = getattr(form, name, None)
            (target.errors.append if target is not None else form.form_errors.append)(message)
        return _view_page(case, referral, 400, outcome_form=form)
    return _to_referral(case, referral, _("The partner's answer was recorded."))


@blueprint.get("/cases/<case_id>/referrals/<referral_id>/print", endpoint="print")
def print_referral(case_id: str, referral_id: str) -> Page:
    case = _case(case_id)
    referral = _referral(case, referral_id)
    language = _print_language()
    packet = queries.packet_for_print(db.session, case, referral, actor=_me(), language=language)
    names = queries.organisation_names(db.session, [referral.organisation_id])
    # The partner's language, which need not be hers: the whole page, labels of the packet
    # and dates included, is rendered in it.
    with force_locale(language):
        return _page("referrals/print.html", referral=referral, packet=packet,
                     partner_name=names.get(referral.organisation_id, ""))


def _print_language() -> str:
    """`lang` when it is one of the supported languages; otherwise (absent or unknown) hers."""
    return requested_language() or str(get_locale())

