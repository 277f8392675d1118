"""Sessions, risk assessments, safety plans, consents and closure of one case.

Routes only: each opens the case through casework.cases.access.case_for (which refuses, the same
way for an unknown id, and audits the read), loads a record by (case, id) after that, validates
a form, calls one service function, commits once, and renders or redirects to the case page.
A refused save re-renders the form with everything typed. The services check every rule before
changing anything, so the read's audit entry is committed with the page even then.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Optional

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from casework.cases.access import case_for
from casework.cases.models import Case, CaseSession, Consent, RiskAssessment, SafetyPlan
from casework.cases.service import require_open
from casework.codes import choices, label, label_text
from casework.errors import StaleEdit
from casework.extensions import db
from casework.records import service
from casework.records.forms import (CloseForm, ConsentForm, EditSessionForm, ReopenForm,
                                    RiskAssessmentForm, SafetyPlanForm, SessionForm,
                                    WithdrawConsentForm)
from casework.web.formats import format_day

blueprint = Blueprint("records", __name__, url_prefix="/cases")

Page = tuple[str, int]


@blueprint.context_processor
def _display_helpers() -> dict[str, Any]:
    return {"code_label": label_text, "code_choices": choices, "iso_date": _iso_date}


def _iso_date(value: Any) -> str:
    # ISO order reads the same in every language and script.
    if isinstance(value, str):
        return value
    return value.isoformat() if isinstance(value, date) else ""


def _me() -> Any:
    return current_user._get_current_object()


def _case(case_id: str, *, writing: bool = False) -> Case:
    """The case, if she may open it; a closed case refuses every change (409) before any
    input is looked at, so the answer does not depend on what was typed."""
    case = case_for(db.session, _me(), case_id, action="case.opened")
    if writing:
        require_open(case)
    return case


def _posted() -> bool:
    return request.method == "POST"


def _page(template: str, status: int = 200, **context: Any) -> Page:
    """Render, then commit the reads' audit entries (committing first would reload every row)."""
    html = render_template(template, **context)
    db.session.commit()
    return html, status


def _status(form: Any) -> int:
    return 400 if form.is_submitted() else 200


def _saved(case: Case, message: str) -> Response:
    db.session.commit()
    flash(message, "info")
    return redirect(url_for("cases.view", case_id=case.id))


# --- sessions --------------------------------------------------------------------------------

@blueprint.route("/<case_id>/sessions/new", methods=["GET", "POST"])
def new_session(case_id: str) -> Response | Page:
    case = _case(case_id, writing=True)
    form = SessionForm()
    if form.validate_on_submit():
        service.add_session(db.session, case, actor=_me(), **form.values())
        return _saved(case, _("The session was recorded."))
    return _page("records/session.html", _status(form), case=case, form=form, contact=None)


@blueprint.route("/<case_id>/sessions/<session_id>", methods=["GET", "POST"])
def edit_session(case_id: str, session_id: str) -> Response | Page:
    case = _case(case_id, writing=_posted())
    contact = service.open_record(db.session, CaseSession, case, session_id, actor=_me(), kind="session")
    form = EditSessionForm() if _posted() else EditSessionForm.of(contact)
    if form.validate_on_submit():
        try:
            service.update_session(db.session, case, contact, actor=_me(),
                                   expected_version=form.version.data, **form.values())
        except StaleEdit:
            form.show_version(contact.version)
            return _page("records/session.html", 409, case=case, form=form, contact=contact,
                         changes=_session_changes(contact))
        return _saved(case, _("The session was saved."))
    return _page("records/session.html", _status(form), case=case, form=form, contact=contact)


def _session_changes(contact: CaseSession) -> list[tuple[Any, Any]]:
    """What is stored now, for the conflict notice (label, value)."""
    details = contact.details or {}
    return [(_("Date of the session"), format_day(contact.held_on)),
            (_("Duration in minutes"), details.get("duration_minutes")),
            (_("Service"), label("services", details.get("service"))),
            (_("How the session took place"), label("session_mode", details.get("mode"))),
            (_("An interpreter was used"), _("Yes") if details.get("interpreter_used") else _("No")),
            (_("Language of the interpretation"), details.get("interpreter_language") or "—"),
            (_("Notes"), details.get("notes") or "—"),
            (_("Next follow-up"), details.get("next_follow_up_on") or "—")]


# --- risk and safety -------------------------------------------------------------------------

@blueprint.route("/<case_id>/risk/new", methods=["GET", "POST"])
def new_risk_assessment(case_id: str) -> Response | Page:
    case = _case(case_id, writing=True)
    form = RiskAssessmentForm()
    if form.validate_on_submit():
        service.add_risk_assessment(db.session, case, actor=_me(), **form.values())
        return _saved(case, _("The risk assessment was recorded."))
    return _page("records/risk_form.html", _status(form), case=case, form=form,
                 assessments=service.newest_first(db.session, RiskAssessment, case))


@blueprint.get("/<case_id>/risk/<assessment_id>")
def risk_assessment(case_id: str, assessment_id: str) -> Page:
    case = _case(case_id)
    assessment = service.open_record(db.session, RiskAssessment, case, assessment_id, actor=_me(), kind="risk")
    return _page("records/risk_assessment.html", case=case, assessment=assessment)


@blueprint.route("/<case_id>/safety-plans/new", methods=["GET", "POST"])
def new_safety_plan(case_id: str) -> Response | Page:
    case = _case(case_id, writing=True)
    form = SafetyPlanForm.with_sections()
    if form.validate_on_submit():
        service.add_safety_plan(db.session, case, actor=_me(), **form.values())
        return _saved(case, _("The safety plan was recorded."))
    return _page("records/safety_plan_form.html", _status(form), case=case, form=form,
                 plans=service.newest_first(db.session, SafetyPlan, case))


@blueprint.get("/<case_id>/safety-plans/<plan_id>")
def safety_plan(case_id: str, plan_id: str) -> Page:
    case = _case(case_id)
    plan = service.open_record(db.session, SafetyPlan, case, plan_id, actor=_me(), kind="safety_plan")
    return _page("records/safety_plan.html", case=case, plan=plan)


# --- consents --------------------------------------------------------------------------------

@blueprint.route("/<case_id>/consents", methods=["GET", "POST"])
def consents(case_id: str) -> Response | Page:
    case = _case(case_id, writing=_posted())
    form = ConsentForm()
    if form.validate_on_submit():
        service.record_consent(db.session, case, actor=_me(), **form.values())
        return _saved(case, _("The consent was recorded."))
    return _consents_page(case, form, _status(form))


@blueprint.post("/<case_id>/consents/<consent_id>/withdraw")
def withdraw_consent(case_id: str, consent_id: str) -> Response | Page:
    case = _case(case_id, writing=False)  # withdrawing is allowed on a closed case
    consent = service.record_of_case(db.session, Consent, case, consent_id, kind="consent")
    form = WithdrawConsentForm.for_consent(consent)
    if form.validate_on_submit():
        service.withdraw_consent(db.session, case, consent, actor=_me(), withdrawn_on=form.withdrawn_on.data)
        return _saved(case, _("The withdrawal of the consent was recorded."))
    return _consents_page(case, ConsentForm(formdata=None), 400, withdrawing=(consent.id, form))


def _consents_page(case: Case, form: ConsentForm, status: int,
                   withdrawing: Optional[tuple[str, WithdrawConsentForm]] = None) -> Page:
    history = service.consent_history(db.session, case, actor=_me())
    withdraw_forms = {consent.id: WithdrawConsentForm.for_consent(consent, formdata=None)
                      for consent in history if consent.withdrawn_on is None}
    if withdrawing:
        withdraw_forms[withdrawing[0]] = withdrawing[1]
    return _page("records/consents.html", status, case=case, form=form, history=history,
                 withdraw_forms=withdraw_forms)


# --- closure ---------------------------------------------------------------------------------

@blueprint.route("/<case_id>/close", methods=["GET", "POST"])
def close(case_id: str) -> Response | Page:
    case = _case(case_id, writing=_posted())
    form = CloseForm(case, data={"version": case.version})
    if form.validate_on_submit():
        try:
            service.close(db.session, case, actor=_me(), **form.values())
        except StaleEdit:
            form.show_version(case.version)
            return _closure_page(case, form, 409, changes=_case_changes(case))
        return _saved(case, _("The case was closed. It is read-only until it is reopened."))
    return _closure_page(case, form, _status(form))


@blueprint.post("/<case_id>/reopen")
def reopen(case_id: str) -> Response | Page:
    case = _case(case_id)
    form = ReopenForm()
    if form.validate_on_submit():
        try:
            service.reopen(db.session, case, actor=_me(), expected_version=form.version.data)
        except StaleEdit:
            form.show_version(case.version)
            return _closure_page(case, CloseForm(case, formdata=None), 409, reopen_form=form,
                                 changes=_case_changes(case))
        return _saved(case, _("The case was reopened."))
    return _closure_page(case, CloseForm(case, formdata=None), 400, reopen_form=form)


def _closure_page(case: Case, form: CloseForm, status: int, *, reopen_form: Optional[ReopenForm] = None,
                  changes: Optional[list] = None) -> Page:
    reopen_form = reopen_form or ReopenForm(formdata=None, data={"version": case.version})
    return _page("records/close.html", status, case=case, form=form, reopen_form=reopen_form,
                 changes=changes, history=(case.closure or {}).get("history", []))


def _case_changes(case: Case) -> list[tuple[Any, Any]]:
    closure = case.closure or {}
    changes = [(_("Status"), label("case_status", case.status))]
    if case.status == "closed":
        changes += [(_("Date of closure"), format_day(case.closed_on) if case.closed_on else "—"),
                    (_("Reason for closing"), label("closure_reasons", closure.get("reason"))),
                    (_("Note"), closure.get("note") or "—")]
    return changes
