"""The centre's work beyond cases: anonymous enquiries and activities (counsellors, coordinator).

Routes only: each validates a form, calls one service, commits once, and renders or redirects.
Nothing here identifies anyone, and the flash messages say only that something was saved.
"""

from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from casework.centre import service as centre
from casework.centre.forms import ActivityForm, EditActivityForm, EnquiryForm
from casework.centre.models import Activity
from casework.centre.service import InvalidCentreRecord
from casework.codes import label, label_text
from casework.errors import StaleEdit
from casework.extensions import db

blueprint = Blueprint("centre", __name__, url_prefix="/centre")

Page = tuple[str, int]


@blueprint.context_processor
def _display_helpers() -> dict[str, Any]:
    return {"code_label": label_text}


def _me() -> Any:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _status(form: Any) -> int:
    return 400 if form.errors else 200


# --- Enquiries --------------------------------------------------------------------------------

@blueprint.route("/enquiries", methods=["GET", "POST"])
def enquiries() -> Response | Page:
    form = EnquiryForm()
    if form.validate_on_submit():
        try:
            centre.record_enquiry(db.session, actor=_me(), **form.values())
        except InvalidCentreRecord as error:
            db.session.rollback()
            form.attach(error)
        else:
            db.session.commit()
            flash(_("The enquiry was recorded."), "info")
            return redirect(url_for("centre.enquiries"))
    month = centre.enquiries_this_month(db.session, actor=_me())
    db.session.commit()  # the audit entry of the listing
    return render_template("centre/enquiries.html", form=form, month=month), _status(form)


# --- Activities -------------------------------------------------------------------------------

@blueprint.route("/activities", methods=["GET", "POST"])
def activities() -> Response | Page:
    form = ActivityForm()
    form.partner_organisation_ids.offer(centre.organisations_offered(db.session))
    if form.validate_on_submit():
        try:
            centre.record_activity(db.session, actor=_me(), **form.values())
        except InvalidCentreRecord as error:
            db.session.rollback()
            form.attach(error)
        else:
            db.session.commit()
            flash(_("The activity was recorded."), "info")
            return redirect(url_for("centre.activities"))
    year = centre.activities_this_year(db.session, actor=_me())
    db.session.commit()  # the audit entry of the listing
    return render_template("centre/activities.html", form=form, year=year), _status(form)


@blueprint.route("/activities/<int:activity_id>", methods=["GET", "POST"])
def edit_activity(activity_id: int) -> Response | Page:
    if request.method == "GET":
        activity = centre.open_activity(db.session, activity_id, actor=_me())
        db.session.commit()  # the audit entry of the reading
        return _edit_page(EditActivityForm(formdata=None, obj=activity), activity)
    activity = centre.get_activity(db.session, activity_id)
    form = EditActivityForm()
    form.partner_organisation_ids.offer(
        centre.organisations_offered(db.session, kept_ids=activity.partner_organisation_ids or ()))
    if form.validate_on_submit():
        try:
            centre.update_activity(db.session, activity, actor=_me(),
                                   expected_version=form.version.data, **form.values())
        except InvalidCentreRecord as error:
            db.session.rollback()
            form.attach(error)
        except StaleEdit:
            return _conflict_page(form, activity_id)
        else:
            db.session.commit()
            flash(_("The activity was saved."), "info")
            return redirect(url_for("centre.activities"))
    return _edit_page(form, activity, status=_status(form))


def _conflict_page(form: EditActivityForm, activity_id: int) -> Page:
    """What she typed, beside what is stored now (its reading audited), with the stored version
    in the form so that saving again is a deliberate choice."""
    db.session.rollback()
    activity = centre.open_activity(db.session, activity_id, actor=_me())
    db.session.commit()
    form.carry_version(activity.version)
    return _edit_page(form, activity, conflict=_stored_values(form, activity), status=409)


def _edit_page(form: EditActivityForm, activity: Activity, *,
               conflict: Optional[list[tuple[Any, Any]]] = None, status: int = 200) -> Page:
    form.partner_organisation_ids.offer(
        centre.organisations_offered(db.session, kept_ids=activity.partner_organisation_ids or ()))
    return render_template("centre/edit_activity.html", form=form, activity=activity,
                           conflict=conflict), status


def _stored_values(form: EditActivityForm, activity: Activity) -> list[tuple[Any, Any]]:
    """(label, value as stored) for the conflict notice, in the order of the form."""
    names = centre.organisation_names(db.session, activity.partner_organisation_ids or ())
    partners = ", ".join(names.get(oid, str(oid)) for oid in activity.partner_organisation_ids or ())
    return [
        (form.held_on.label.text, activity.held_on.isoformat()),
        (form.kind.label.text, label("activity_types", activity.kind)),
        (form.audience.label.text, label("activity_audience", activity.audience)),
        (form.participants.label.text, activity.participants),
        (form.partner_organisation_ids.label.text, partners or _("None")),
        (form.title.label.text, activity.title),
    ]
