"""Routes of sharing, break-the-glass, alerts, the break-the-glass review and the
administrator's case list by metadata.

Routes only: each loads its form, calls one service, commits once, and renders or redirects.
Case-scoped routes open the case through casework.cases.access.case_for (audited; one refusal
for unknown and forbidden ids) — except break-the-glass, which exists precisely for a case she
may not open, and therefore shows the same form for any id.
"""

from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from casework import codes
from casework.auth import flow, reauth
from casework.auth.limits import secret_checks
from casework.auth.signin import SigninFailed
from casework.cases.access import case_for
from casework.clock import as_utc
from casework.errors import NotFound, StaleEdit
from casework.extensions import db
from casework.sharing import metadata, service
from casework.sharing.forms import (BreakGlassForm, CaseFilterForm, ConfirmForm, ReassignForm,
                                    ShareForm, attach_error)
from casework.sharing.service import SharingRefused

blueprint = Blueprint("sharing", __name__, url_prefix=None)

Page = tuple[str, int]


@blueprint.context_processor
def _display_helpers() -> dict[str, Any]:
    return {"utc_time": _utc_time, "status_label": lambda code: codes.label("case_status", code)}


def _utc_time(moment: Any) -> str:
    # ISO order reads the same in every language; the pages say the times are UTC.
    return as_utc(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _me() -> Any:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _status(form: Any) -> int:
    return 400 if form.errors or form.form_errors else 200


# --- Sharing a case -----------------------------------------------------------------------------

@blueprint.route("/cases/<case_id>/sharing", methods=["GET", "POST"])
def share(case_id: str) -> Response | Page:
    case = case_for(db.session, _me(), case_id, action="case.sharing_viewed")
    form = ShareForm()
    if form.validate_on_submit():
        try:
            # The service checks every rule before writing, so a refusal stores nothing.
            service.share_case(db.session, case, username=form.username.data, actor=_me())
        except SharingRefused as error:
            attach_error(form, error.message, error.field)
        else:
            db.session.commit()
            flash(_("The case is now shared with %(name)s.", name=form.username.data), "info")
            return redirect(url_for("sharing.share", case_id=case.id))
    status = _status(form)
    page = _sharing_page(case, form)
    db.session.commit()  # the audited read
    return page, status


def _sharing_page(case: Any, form: ShareForm) -> str:
    return render_template("sharing/share.html", case=case, form=form, remove_form=ConfirmForm(),
                           overview=metadata.access_overview(db.session, case.id),
                           is_assignee=case.assigned_counsellor_id == current_user.id)


@blueprint.post("/cases/<case_id>/sharing/<int:share_id>/remove")
def unshare(case_id: str, share_id: int) -> Response | Page:
    case = case_for(db.session, _me(), case_id, action="case.sharing_viewed")
    if not ConfirmForm().validate_on_submit():
        page = _sharing_page(case, ShareForm(formdata=None))
        db.session.commit()
        return page, 400
    service.unshare_case(db.session, case, share_id, actor=_me())
    db.session.commit()
    flash(_("The case is no longer shared with that counsellor."), "info")
    return redirect(url_for("sharing.share", case_id=case.id))


# --- Break-the-glass ----------------------------------------------------------------------------

@blueprint.route("/cases/<case_id>/break-glass", methods=["GET", "POST"])
@secret_checks
def break_glass(case_id: str) -> Response | Page:
    # No case_for here: the same form answers for any id, so it says nothing about which exist.
    if request.method != "POST" and not reauth.reauth_is_fresh():
        return redirect(url_for("auth.reauthenticate", next=request.path))
    form = BreakGlassForm()
    if form.validate_on_submit() and _confirmed(form):
        try:
            access = service.break_glass(db.session, case_id, actor=_me(), reason=form.reason.data)
        except SharingRefused as error:
            attach_error(form, error.message, error.field)
        else:
            db.session.commit()
            return redirect(url_for("cases.view", case_id=access.case_id))
    db.session.commit()  # a failed confirmation's backoff count and audit entry are kept
    return render_template("sharing/break_glass.html", form=form, reference=case_id,
                           hours=service.break_glass_hours(),
                           confirm_again=not reauth.reauth_is_fresh(),
                           needs_code=reauth.needs_code(_me())), _status(form)


def _confirmed(form: BreakGlassForm) -> bool:
    """Her last check is recent, or she has just given her password and code again in the form
    (the check expired while she wrote her reason)."""
    if reauth.reauth_is_fresh():
        return True
    if not form.password.data:
        form.form_errors.append(_("Your confirmation expired while you were writing. Enter your "
                                  "password and code again: your reason is kept."))
        return False
    try:
        reauth.reauthenticate(db.session, _me(), form.password.data, form.code.data,
                              device_cookie=flow.device_cookie())
    except SigninFailed:
        form.code.data = ""  # used up either way; nothing typed as a secret is shown back
        form.form_errors.append(str(reauth.REFUSED))
        return False
    # Kept whatever happens next: a refusal of the case rolls back its own transaction, and
    # the check (its audit entry, the code marked as used) must not go with it.
    db.session.commit()
    return True


# --- Alerts -------------------------------------------------------------------------------------

@blueprint.get("/notifications")
def notifications() -> Page:
    alerts = metadata.alerts_for(db.session, _me())
    page = render_template("sharing/notifications.html", alerts=alerts, read_form=ConfirmForm())
    db.session.commit()  # the audited read
    return page, 200


@blueprint.post("/notifications/<int:notification_id>/read")
def mark_read(notification_id: int) -> Response:
    if ConfirmForm().validate_on_submit():
        service.mark_notification_read(db.session, notification_id, user=_me())
        db.session.commit()
    else:
        flash(_("The form expired. Reload the page and try again."), "error")
    return redirect(url_for("sharing.notifications"))


# --- The administrator's review of break-the-glass ----------------------------------------------

@blueprint.get("/admin/break-glass")
def review_list() -> Page:
    queue = service.review_queue(db.session, admin=_me())
    page = render_template("sharing/review_list.html", queue=queue, review_form=ConfirmForm())
    db.session.commit()  # the audited read
    return page, 200


@blueprint.post("/admin/break-glass/<int:access_id>/reviewed")
def mark_reviewed(access_id: int) -> Response:
    if ConfirmForm().validate_on_submit():
        service.mark_reviewed(db.session, access_id, admin=_me())
        db.session.commit()
        flash(_("Marked reviewed."), "info")
    else:
        flash(_("The form expired. Reload the page and try again."), "error")
    return redirect(url_for("sharing.review_list"))


# --- The administrator's case list, by metadata only --------------------------------------------

@blueprint.get("/admin/cases")
def cases_by_metadata() -> Page:
    form = CaseFilterForm(formdata=request.args)
    form.offer(metadata.counsellors(db.session))
    if not form.validate():
        return render_template("sharing/cases.html", form=form, page=None, filters={},
                               reassign_forms={}), 400
    filters = metadata.CaseFilters(status=form.status.data or "", counsellor_id=form.counsellor_id)
    page = metadata.cases_by_metadata(db.session, filters, page=form.page.data or 1, admin=_me())
    active = metadata.counsellors(db.session, active_only=True)
    html = render_template("sharing/cases.html", form=form, page=page,
                           filters=filters.as_query_args(),
                           reassign_forms={row.id: _reassign_form(active, row) for row in page.rows})
    db.session.commit()  # the audited read
    return html, 200


def _reassign_form(active: list[tuple[int, str, bool]], row: metadata.CaseRow) -> ReassignForm:
    form = ReassignForm(formdata=None, data={"version": str(row.version)})
    form.offer(active)
    # One form per row: give each select its own id so every label points at its own field.
    form.counsellor.id = form.counsellor.label.field_id = f"counsellor-{row.code}"
    return form


@blueprint.post("/admin/cases/<case_id>/reassign")
def reassign(case_id: str) -> Response | Page:
    form = ReassignForm()
    form.offer(metadata.counsellors(db.session, active_only=True))
    conflict: Optional[list[tuple[str, str]]] = None
    if form.validate_on_submit():
        try:
            service.reassign_case(db.session, case_id, username=form.counsellor.data, admin=_me(),
                                  expected_version=form.expected_version)
        except StaleEdit:
            db.session.rollback()
            conflict = []  # filled below from what is stored now
        except SharingRefused as error:
            db.session.rollback()
            attach_error(form, error.message, error.field)
        else:
            db.session.commit()
            flash(_("The case was reassigned to %(name)s.", name=form.counsellor.data), "info")
            return redirect(url_for("sharing.cases_by_metadata"))
    return _reassign_page(case_id, form, conflict)


def _reassign_page(case_id: str, form: ReassignForm,
                   conflict: Optional[list[tuple[str, str]]]) -> Page:
    row = metadata.case_metadata(db.session, case_id)
    if row is None:
        raise NotFound(_("There is no such case."))
    if conflict is not None:
        # Keep her choice; carry the stored version so saving again is a decision she makes
        # having seen what changed.
        form.version.data = str(row.version)
        conflict = [(_("Assigned counsellor"), row.counsellor),
                    (_("Status"), str(codes.label("case_status", row.status)))]
    return render_template("sharing/reassign.html", form=form, row=row,
                           conflict=conflict), 409 if conflict is not None else 400
