"""Administration pages: accounts, partner organisations and the audit log.

Routes only: each validates a form, calls one service, commits once, and renders or redirects.
An administrator never sees case content and never chooses a password: new and reset accounts
get a one-time enrolment code, shown once in the response to the POST that made it (never in a
URL, a redirect or a flash message, which would store it in the session table).
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from casework.admin import organisations as organisation_service
from casework.admin.audit_query import detail_items, known_actions, query_audit_log
from casework.admin.forms import (AuditFilterForm, ChangeRoleForm, ConfirmForm, CreateUserForm,
                                  EditOrganisationForm, OrganisationForm, attach_error, role_label)
from casework.admin.organisations import InvalidOrganisationData, kind_label
from casework.auth import users as user_service
from casework.auth.enrolment import issue_enrolment_code
from casework.auth.errors import InvalidUserData
from casework.auth.models import User
from casework.clock import as_utc
from casework.errors import StaleEdit
from casework.extensions import db
from casework.security.sessions import open_sessions_of

blueprint = Blueprint("admin", __name__, url_prefix="/admin")

Page = tuple[str, int]


@blueprint.context_processor
def _display_helpers() -> dict[str, Any]:
    return {"role_label": role_label, "kind_label": kind_label, "utc_time": _utc_time,
            "detail_items": detail_items}


def _utc_time(moment: Any) -> str:
    # ISO order reads the same in every language; the pages say the times are UTC.
    return as_utc(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined,no-any-return]


# --- Accounts -------------------------------------------------------------------------------

@blueprint.get("/users")
def users() -> str:
    return render_template("admin/users.html", users=user_service.list_users(db.session))


@blueprint.route("/users/new", methods=["GET", "POST"])
def create_user() -> Page:
    form = CreateUserForm()
    form.offer_organisations(organisation_service.list_organisations(db.session, active_only=True))
    if form.validate_on_submit():
        try:
            created = user_service.create_user(
                db.session, username=form.username.data, role=form.role.data, actor=_me(),
                organisation_id=form.organisation_id.data, display_name=form.display_name.data or "")
            code = issue_enrolment_code(db.session, created, "new_user", actor=_me())
        except InvalidUserData as error:
            db.session.rollback()
            attach_error(form, error.message, error.field)
        else:
            db.session.commit()
            return _code_page(created, code, "new_user")
    status = 400 if form.errors or form.form_errors else 200
    return render_template("admin/create_user.html", form=form), status


@blueprint.get("/users/<int:user_id>")
def user(user_id: int) -> Page:
    return _user_page(user_service.get_user(db.session, user_id))


@blueprint.post("/users/<int:user_id>/change-role")
def change_role(user_id: int) -> Response | Page:
    target = user_service.get_user(db.session, user_id)
    form = ChangeRoleForm()
    form.offer_organisations(organisation_service.list_organisations(db.session, active_only=True))
    if not form.validate_on_submit():
        return _user_page(target, role_form=form, status=400)
    try:
        user_service.change_role(db.session, target, form.role.data, actor=_me(),
                                 organisation_id=form.organisation_id.data)
    except InvalidUserData as error:
        db.session.rollback()
        attach_error(form, error.message, error.field)
        return _user_page(target, role_form=form, status=400)
    db.session.commit()
    flash(_("The role of %(username)s is now: %(role)s. Her open sessions were ended.",
            username=target.username, role=role_label(target.role)), "info")
    return redirect(url_for("admin.user", user_id=target.id))


@blueprint.post("/users/<int:user_id>/deactivate")
def deactivate_user(user_id: int) -> Response | Page:
    target = user_service.get_user(db.session, user_id)
    return _confirmed_action(target, user_service.deactivate_user,
                             _("The account of %(username)s is deactivated and her sessions "
                               "were ended.", username=target.username))


@blueprint.post("/users/<int:user_id>/reactivate")
def reactivate_user(user_id: int) -> Response | Page:
    target = user_service.get_user(db.session, user_id)
    return _confirmed_action(target, user_service.reactivate_user,
                             _("The account of %(username)s is active again.", username=target.username))


@blueprint.post("/users/<int:user_id>/end-sessions")
def end_sessions(user_id: int) -> Response | Page:
    target = user_service.get_user(db.session, user_id)
    return _confirmed_action(target, user_service.end_sessions,
                             _("Every session of %(username)s was ended.", username=target.username))


@blueprint.post("/users/<int:user_id>/reset-password")
def reset_password(user_id: int) -> Page:
    return _reset(user_id, user_service.reset_password, "reset_password")


@blueprint.post("/users/<int:user_id>/reset-second-factor")
def reset_second_factor(user_id: int) -> Page:
    return _reset(user_id, user_service.reset_second_factor, "reset_second_factor")


def _confirmed_action(target: User, action: Callable[..., Any], done_message: str) -> Response | Page:
    """Run a button's service call (CSRF-checked), commit, and go back to her page."""
    if not ConfirmForm().validate_on_submit():
        return _refused(target, _("The form expired. Reload the page and try again."))
    try:
        action(db.session, target, actor=_me())
    except InvalidUserData as error:
        db.session.rollback()
        return _refused(target, error.message)
    db.session.commit()
    flash(done_message, "info")
    return redirect(url_for("admin.user", user_id=target.id))


def _reset(user_id: int, action: Callable[..., str], purpose: str) -> Page:
    target = user_service.get_user(db.session, user_id)
    if not ConfirmForm().validate_on_submit():
        return _refused(target, _("The form expired. Reload the page and try again."))
    code = action(db.session, target, actor=_me())
    db.session.commit()
    return _code_page(target, code, purpose)


def _refused(target: User, message: str) -> Page:
    return _user_page(target, errors=[message], status=400)


def _user_page(target: User, *, role_form: Optional[ChangeRoleForm] = None,
               errors: Optional[list[str]] = None, status: int = 200) -> Page:
    if role_form is None:
        role_form = ChangeRoleForm(formdata=None, data={"role": target.role,
                                                         "organisation_id": target.organisation_id})
        role_form.offer_organisations(
            organisation_service.list_organisations(db.session, active_only=True))
    return render_template(
        "admin/user.html", user=target, role_form=role_form, errors=errors or [],
        open_sessions=len(open_sessions_of(db.session, target.id)),
        is_self=target.id == current_user.id), status


def _code_page(target: User, code: str, purpose: str) -> Page:
    # Rendered in the POST's own response: the code exists nowhere else (only its hash is kept).
    return render_template("admin/enrolment_code.html", user=target, code=code, purpose=purpose,
                           valid_hours=current_app.config["ENROLMENT_CODE_HOURS"]), 200


# --- Partner organisations ------------------------------------------------------------------

@blueprint.route("/organisations", methods=["GET", "POST"])
def organisations() -> Response | Page:
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            created = organisation_service.create_organisation(db.session, actor=_me(),
                                                               **form.values())
        except InvalidOrganisationData as error:
            db.session.rollback()
            attach_error(form, error.message, error.field)
        else:
            db.session.commit()
            flash(_("Partner organisation %(name)s added.", name=created.name), "info")
            return redirect(url_for("admin.organisations"))
    status = 400 if form.errors or form.form_errors else 200
    return _organisations_page(form, status=status)


@blueprint.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
def edit_organisation(organisation_id: int) -> Response | Page:
    organisation = organisation_service.get_organisation(db.session, organisation_id)
    stored = organisation_service.fingerprint(organisation)
    form = EditOrganisationForm() if request.method == "POST" else \
        EditOrganisationForm.of(organisation, stored)
    if form.validate_on_submit():
        try:
            organisation_service.update_organisation(
                db.session, organisation, actor=_me(), expected_fingerprint=form.fingerprint.data,
                **form.values())
        except InvalidOrganisationData as error:
            db.session.rollback()
            attach_error(form, error.message, error.field)
        except StaleEdit:
            form.show_fingerprint(stored)
            return render_template("admin/organisation.html", form=form, organisation=organisation,
                                   changes=_organisation_values(organisation)), 409
        else:
            db.session.commit()
            flash(_("Partner organisation %(name)s saved.", name=organisation.name), "info")
            return redirect(url_for("admin.organisations"))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("admin/organisation.html", form=form, organisation=organisation), status


def _organisation_values(organisation: Any) -> list[tuple[str, str]]:
    """What is stored now, for the conflict notice."""
    return [(_("Name"), organisation.name), (_("Kind"), kind_label(organisation.kind)),
            (_("Area it serves"), organisation.area or "—"),
            (_("How to reach it"), organisation.contact or "—"),
            (_("Capacity notes"), organisation.capacity_notes or "—"),
            (_("Takes women with their children"),
             _("Yes") if organisation.takes_children else _("No"))]


@blueprint.post("/organisations/<int:organisation_id>/deactivate")
def deactivate_organisation(organisation_id: int) -> Response | Page:
    return _organisation_action(organisation_id, organisation_service.deactivate_organisation,
                                _("Partner organisation %(name)s deactivated."))


@blueprint.post("/organisations/<int:organisation_id>/reactivate")
def reactivate_organisation(organisation_id: int) -> Response | Page:
    return _organisation_action(organisation_id, organisation_service.reactivate_organisation,
                                _("Partner organisation %(name)s is active again."))


def _organisation_action(organisation_id: int, action: Callable[..., None],
                         done_message: str) -> Response | Page:
    organisation = organisation_service.get_organisation(db.session, organisation_id)
    if not ConfirmForm().validate_on_submit():
        return _organisations_page(OrganisationForm(formdata=None), status=400,
                                   errors=[_("The form expired. Reload the page and try again.")])
    try:
        action(db.session, organisation, actor=_me())
    except InvalidOrganisationData as error:
        db.session.rollback()
        return _organisations_page(OrganisationForm(formdata=None), status=400, errors=[error.message])
    db.session.commit()
    flash(done_message % {"name": organisation.name}, "info")
    return redirect(url_for("admin.organisations"))


def _organisations_page(form: OrganisationForm, *, status: int = 200,
                        errors: Optional[list[str]] = None) -> Page:
    return render_template("admin/organisations.html", form=form, errors=errors or [],
                           organisations=organisation_service.list_organisations(db.session)), status


# --- Audit log ------------------------------------------------------------------------------

@blueprint.get("/audit")
def audit_log() -> Page:
    form = AuditFilterForm(formdata=request.args)
    form.offer_actions(known_actions(db.session))
    if not form.validate():
        return render_template("admin/audit_log.html", form=form, page=None, filters=None), 400
    filters = form.filters()
    page = query_audit_log(db.session, filters, page=form.page.data or 1,
                           page_size=current_app.config["AUDIT_PAGE_SIZE"])
    return render_template("admin/audit_log.html", form=form, page=page,
                           filters=filters.as_query_args()), 200
