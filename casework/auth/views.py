"""Signing in and out, enrolment, the lock screen, re-authentication and her account page.

Routes only: each validates a form, calls the sign-in service (casework.auth.signin, reauth)
or a flow helper (casework.auth.flow), commits once, and renders or redirects. A refused
secret is committed too (its backoff counter and audit entry must stay) before the page says
so, always with the same words.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from casework import codes
from casework.auth import flow, reauth, signin
from casework.auth.enrolment import find_valid_code
from casework.auth.errors import EnrolmentCodeInvalid, PasswordRejected
from casework.auth.limits import secret_checks
from casework.auth.forms import (CODE_MISMATCH, CurrentPasswordForm, EnrolmentCodeForm,
                                 LanguageForm, NewPasswordForm, NewRecoveryCodesForm,
                                 ReauthenticateForm, RecoveryCodeForm, SignInForm, TotpCodeForm,
                                 UnlockForm)
from casework.auth.second_factor import enable_second_factor
from casework.auth.signin import SigninFailed
from casework.auth.users import set_password
from casework.extensions import db

blueprint = Blueprint("auth", __name__, url_prefix="/auth")

Page = tuple[str, int]


def _page(template: str, status: int = 200, **context: Any) -> Page:
    return render_template(template, **context), status


def _form_status(form: Any) -> int:
    return 400 if form.is_submitted() else 200


def _refused(template: str, message: str, **context: Any) -> Page:
    db.session.commit()  # the failure's backoff count and audit entry are kept
    return _page(template, 400, error=message, **context)


@blueprint.route("/sign-in", methods=["GET", "POST"])
@secret_checks
def sign_in() -> Page | Response:
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = SignInForm()
    language_form = LanguageForm(formdata=None, data={"language": str(get_locale()),
                                                      "next": url_for("auth.sign_in")})
    context = {"form": form, "language_form": language_form}
    if not form.validate_on_submit():
        return _page("auth/sign_in.html", _form_status(form), **context)
    try:
        user = signin.check_password(db.session, form.username.data, form.password.data,
                                     device_cookie=flow.device_cookie())
    except SigninFailed as failure:
        return _refused("auth/sign_in.html", failure.message, **context)
    response = flow.after_password(db.session, user)
    db.session.commit()
    return response


@blueprint.route("/second-factor", methods=["GET", "POST"])
@secret_checks
def second_factor() -> Page | Response:
    return _second_factor_step(TotpCodeForm, "auth/second_factor.html",
                               signin.check_second_factor)


@blueprint.route("/recovery", methods=["GET", "POST"])
@secret_checks
def recovery() -> Page | Response:
    return _second_factor_step(RecoveryCodeForm, "auth/recovery.html",
                               signin.check_recovery_code)


def _second_factor_step(form_class: Any, template: str, check: Any) -> Page | Response:
    """A code from her app, or one of her recovery codes (`check` then says how many are
    left), for the pending sign-in."""
    step = flow.pending(db.session, "second_factor")
    if step is None:
        return flow.resume(db.session)
    form = form_class()
    if not form.validate_on_submit():
        return _page(template, _form_status(form), form=form)
    try:
        left = check(db.session, step.user, form.code.data, device_cookie=flow.device_cookie())
    except SigninFailed as failure:
        return _refused(template, failure.message, form=form)
    response = flow.step_done(db.session, step, method="recovery_code" if left is not None
                              else "totp")
    db.session.commit()
    if left is not None:
        flash(_("You used a recovery code; %(count)d remain. Make new ones from your account "
                "page (My account → Second factor) before they run out.", count=left),
              "warning")
    return response


@blueprint.route("/enrol", methods=["GET", "POST"])
@secret_checks
def enrol() -> Page | Response:
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = EnrolmentCodeForm()
    if not form.validate_on_submit():
        return _page("auth/enrol.html", _form_status(form), form=form)
    try:
        entry = find_valid_code(db.session, form.code.data)
    except EnrolmentCodeInvalid as refusal:
        return _page("auth/enrol.html", 400, form=form, error=refusal.message)
    response = flow.start_enrolment(db.session, entry)
    db.session.commit()
    return response


@blueprint.route("/enrol/password", methods=["GET", "POST"])
@secret_checks
def enrol_password() -> Page | Response:
    """A new password (twice), or her current one when the code replaces her second factor."""
    step = flow.pending(db.session, "set_password", "confirm_password")
    if step is None:
        return flow.resume(db.session)
    confirming = step.step == "confirm_password"
    form = CurrentPasswordForm() if confirming else NewPasswordForm()
    context = {"form": form, "confirming": confirming, "username": step.user.username}
    if form.validate_on_submit():
        try:
            if confirming:
                signin.confirm_password(db.session, step.user, form.password.data,
                                        device_cookie=flow.device_cookie())
            else:
                set_password(db.session, step.user, form.password.data, actor=step.user)
        except PasswordRejected as rejected:
            form.password.errors.extend(str(problem.message) for problem in rejected.errors)
        except SigninFailed:
            return _refused("auth/enrol_password.html", _(
                "That password is not right, or there were too many attempts; wait a moment "
                "and try again."), **context)
        else:
            response = flow.step_done(db.session, step, method="enrolment")
            db.session.commit()
            return response
    return _page("auth/enrol_password.html", _form_status(form), **context)


@blueprint.route("/enrol/second-factor", methods=["GET", "POST"])
@secret_checks
def enrol_second_factor() -> Page | Response:
    step = flow.pending(db.session, "enrol_second_factor")
    if step is None:
        return flow.resume(db.session)
    secret = flow.pending_totp_secret(db.session, step.user)
    form = TotpCodeForm()
    if _confirmed_new_secret(form, step.user, secret, enable_second_factor, then="core.home"):
        response = flow.step_done(db.session, step, method="second_factor_enrolled")
        db.session.commit()
        return response
    db.session.commit()  # her data key, made the first time a secret is sealed for her
    return _page("auth/enrol_second_factor.html", _form_status(form), form=form,
                 **flow.totp_setup(secret, step.user.username))


def _confirmed_new_secret(form: TotpCodeForm, user: Any, secret: str, confirm: Any, *,
                          then: str) -> bool:
    """Confirm a new TOTP secret with a code made from it (`confirm` returns its new recovery
    codes, or None when the code does not match)."""
    if form.validate_on_submit():
        if flow.confirm_new_secret(db.session, user, secret, form.code.data, confirm, then=then):
            return True
        form.code.errors.append(str(CODE_MISMATCH))
    return False


@blueprint.get("/recovery-codes")
def recovery_codes() -> Page:
    new_codes, then = flow.take_recovery_codes(db.session)
    return _page("auth/recovery_codes.html", codes=new_codes, then=then)


@blueprint.post("/language")
def set_language() -> Response:
    form = LanguageForm()
    if form.validate_on_submit():  # an unknown language is not a valid choice: ignored
        flow.choose_language(db.session, form.language.data)
        db.session.commit()
    default = "core.home" if current_user.is_authenticated else "auth.sign_in"
    return redirect(reauth.safe_target(form.next.data, default))


@blueprint.post("/sign-out")
def sign_out() -> Response:
    signin.record_sign_out(db.session, flow.me())
    db.session.commit()
    reauth.end_session()
    response = redirect(url_for("auth.sign_in"))
    # Not "cookies": that would also drop the device cookie and put her back in the untrusted
    # throttling bucket at every sign-out. The session cookie is deleted and ended server-side.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@blueprint.post("/lock")
def lock() -> Response | tuple[str, int]:
    reauth.lock_screen(db.session, flow.me())
    db.session.commit()
    if reauth.wants_json():
        return "", 204
    return redirect(url_for("auth.unlock"))


@blueprint.route("/unlock", methods=["GET", "POST"])
@secret_checks
def unlock() -> Any:
    form = UnlockForm()
    if request.method == "GET":
        if not reauth.is_locked():
            return redirect(url_for("core.home"))
        return _page("auth/unlock.html", form=form)
    password = form.password.data if form.validate_on_submit() else ""
    outcome = reauth.try_unlock(db.session, flow.me(), password or "")
    db.session.commit()
    if outcome == "wrong" and not reauth.wants_json():
        return _page("auth/unlock.html", 400, form=form, error=_("That password is not right."))
    return reauth.unlock_answer(outcome)


@blueprint.route("/reauthenticate", methods=["GET", "POST"])
@secret_checks
def reauthenticate() -> Page | Response:
    user = flow.me()
    form = ReauthenticateForm()
    if not form.is_submitted():
        form.next.data = request.args.get("next", "")
    context = {"form": form, "needs_code": reauth.needs_code(user)}
    if not form.validate_on_submit():
        return _page("auth/reauthenticate.html", _form_status(form), **context)
    try:
        reauth.reauthenticate(db.session, user, form.password.data, form.code.data,
                              device_cookie=flow.device_cookie())
    except SigninFailed:
        return _refused("auth/reauthenticate.html", str(reauth.REFUSED), **context)
    db.session.commit()
    return redirect(reauth.safe_target(form.next.data, "core.home"))


@blueprint.route("/account", methods=["GET", "POST"])
def account() -> Page | Response:
    user = flow.me()
    form = LanguageForm()
    if form.validate_on_submit():
        reauth.set_preferred_locale(db.session, user, form.language.data)
        db.session.commit()
        flash(_("Your language was saved."), "info")
        return redirect(url_for("auth.account"))
    if not form.is_submitted():
        form.language.data = user.preferred_locale or str(get_locale())
    return _page("auth/account.html", _form_status(form), form=form, user=user,
                 role=codes.label("roles", user.role), **reauth.account_overview(db.session, user))


@blueprint.route("/account/second-factor", methods=["GET", "POST"])
@secret_checks
@reauth.requires_recent_reauth
def change_second_factor() -> Page | Response:
    user = flow.me()
    codes_form = NewRecoveryCodesForm()
    if codes_form.make_codes.data and codes_form.validate_on_submit() and user.has_second_factor:
        flow.stash_recovery_codes(db.session, user, reauth.new_recovery_codes(db.session, user),
                                  then="auth.account")
        db.session.commit()
        return redirect(url_for("auth.recovery_codes"))
    secret = flow.pending_totp_secret(db.session, user)
    form = TotpCodeForm()
    if _confirmed_new_secret(form, user, secret, reauth.replace_second_factor,
                             then="auth.account"):
        db.session.commit()
        flash(_("Your new second factor is in use; the old entry in your app no longer works "
                "and can be deleted."), "info")
        return redirect(url_for("auth.recovery_codes"))
    db.session.commit()  # her data key, if the pending secret needed one
    return _page("auth/change_second_factor.html", _form_status(form), form=form,
                 codes_form=codes_form, user=user, **flow.totp_setup(secret, user.username))
