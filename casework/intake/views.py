"""Routes of the intake: the search before a new client, the sections, the review, discarding.

Routes only: each loads the case through the intake service (which checks access and audits
the read), validates a form, calls one service, commits once, and renders or redirects. A read
is committed after the page is rendered, so its audit entry stays. Nothing typed travels in a
URL, a flash message or the session: searches are POSTs, and a refused save shows the same
form again with what was typed.
"""

from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from casework import codes
from casework.clients.forms import attach_errors, describe, offer_blank_rows, version_of
from casework.clients.schema import DocumentInvalid, display_name
from casework.clock import today
from casework.errors import StaleEdit
from casework.extensions import db
from casework.intake import sections, service
from casework.intake.forms import CompleteForm, DiscardForm, NewClientForm, SearchForm

blueprint = Blueprint("intake", __name__, url_prefix="/intake")

Page = tuple[str, int]


@blueprint.context_processor
def _helpers() -> dict[str, Any]:
    return {"code_label": codes.label_text, "display_name": display_name}


def _me() -> Any:
    return current_user._get_current_object()


def _status(form: Any) -> int:
    return 400 if form.is_submitted() else 200


def _committed(template: str, status: int = 200, **context: Any) -> Page:
    """Render, then commit: the audit entry of what was read is kept with the page."""
    page = render_template(template, **context)
    db.session.commit()
    return page, status


# --- Before a new client ----------------------------------------------------------------------

@blueprint.route("/new", methods=["GET", "POST"])
def start() -> Page | Response:
    if request.method == "POST" and request.form.get("go") == "new":
        return _new_client()
    form = SearchForm()
    if not form.validate_on_submit():
        return _committed("intake/start.html", _status(form), form=form)
    matches = service.find_possible_clients(db.session, actor=_me(), name=form.name,
                                            phone=form.phone_number)
    return _results_page(form, matches)


def _results_page(form: SearchForm, matches: service.PossibleMatches, status: int = 200,
                  changed: bool = False) -> Page:
    new_form = NewClientForm(formdata=None, data={
        **form.data, "seen_clients": ",".join(m.client.id for m in matches.mine),
        "seen_elsewhere": str(matches.elsewhere)})
    return _committed("intake/start.html", status, form=form, matches=matches, new_form=new_form,
                      changed=changed)


def _new_client() -> Page | Response:
    """"None of these": a new client with what was searched for, and her draft case."""
    form = NewClientForm()
    search = SearchForm(formdata=None, data=form.data)
    if not form.validate_on_submit():
        attach_errors(search, {name: " ".join(map(str, errors)) for name, errors in form.errors.items()})
        return _committed("intake/start.html", 400, form=search)
    seen_clients, seen_elsewhere = form.seen
    try:
        case = service.start_intake(db.session, actor=_me(), given_name=form.given_name.data or "",
                                    family_name=form.family_name.data or "", phone=form.phone_number,
                                    seen_clients=seen_clients, seen_elsewhere=seen_elsewhere)
    except service.PossibleDuplicates as changed:
        # Nothing was recorded but the searches' audit entries, which stay.
        return _results_page(search, changed.matches, status=409, changed=True)
    except DocumentInvalid as invalid:  # raised before anything was searched or written
        db.session.rollback()
        errors = {key.replace("phones-0-number", "phone"): message
                  for key, message in invalid.errors.items()}
        attach_errors(search, errors)
        return _committed("intake/start.html", 400, form=search)
    case_id = case.id
    db.session.commit()
    flash(_("A new client and her draft intake were recorded."), "info")
    return redirect(url_for("intake.section", case_id=case_id, section=sections.FIRST))


@blueprint.post("/new/<client_id>")
def new_case_for_client(client_id: str) -> Response:
    case = service.start_case_for_client(db.session, actor=_me(), client_id=client_id)
    case_id = case.id
    db.session.commit()
    return redirect(url_for("intake.section", case_id=case_id, section=sections.FIRST))


# --- The sections -----------------------------------------------------------------------------

@blueprint.route("/<case_id>/<section>", methods=["GET", "POST"])
def section(case_id: str, section: str) -> Page | Response:
    ctx = service.open_intake(db.session, actor=_me(), case_id=case_id, section=section)
    spec = ctx.section
    if request.method == "GET":
        form = spec.form_class(formdata=None, data=_stored(ctx))
        return _section_page(ctx, form)
    form = spec.form_class()
    if not form.validate_on_submit():
        return _section_page(ctx, form, status=400)
    try:
        service.save_section(db.session, ctx, actor=_me(), values=sections.form_values(form),
                             case_version=version_of(form.case_version),
                             client_version=version_of(form.client_version))
    except StaleEdit:
        ctx = _reopen(ctx)
        stored = spec.form_class(formdata=None, data=_stored(ctx))
        form.case_version.data, form.client_version.data = stored.case_version.data, stored.client_version.data
        return _section_page(ctx, form, conflict=describe(stored), status=409)
    except DocumentInvalid as invalid:
        ctx = _reopen(ctx)
        attach_errors(form, invalid.errors)
        return _section_page(ctx, form, status=400)
    db.session.commit()
    flash(_("Saved."), "info")
    return redirect(_after_save(ctx, request.form.get("go", "")))


def _stored(ctx: service.IntakeContext) -> dict[str, Any]:
    return sections.stored_data(ctx.section, ctx.client, ctx.case, ctx.consents, today())


def _reopen(ctx: service.IntakeContext) -> service.IntakeContext:
    """After a refused save: drop whatever the attempt left, and load (and audit) afresh."""
    case_id, slug = ctx.case.id, ctx.section.slug if ctx.section else None
    db.session.rollback()
    return service.open_intake(db.session, actor=_me(), case_id=case_id, section=slug)


def _after_save(ctx: service.IntakeContext, go: str) -> str:
    before, after = sections.neighbours(ctx.section)
    if go == "back" and before is not None:
        return url_for("intake.section", case_id=ctx.case.id, section=before.slug)
    if go == "continue":
        if after is None:
            return url_for("intake.review", case_id=ctx.case.id)
        return url_for("intake.section", case_id=ctx.case.id, section=after.slug)
    return url_for("intake.section", case_id=ctx.case.id, section=ctx.section.slug)


def _section_page(ctx: service.IntakeContext, form: Any, *, conflict: Optional[list] = None,
                  status: int = 200) -> Page:
    offer_blank_rows(form)
    before, after = sections.neighbours(ctx.section)
    return _committed("intake/section.html", status, ctx=ctx, case=ctx.case, form=form,
                      section=ctx.section, before=before, after=after, conflict=conflict,
                      progress=_progress(ctx))


def _progress(ctx: service.IntakeContext) -> list:
    saved = (ctx.case.intake or {}).get("saved_sections", [])
    return sections.progress(saved, service.missing_items(ctx))


# --- Review, complete, discard ----------------------------------------------------------------

@blueprint.route("/<case_id>/review", methods=["GET", "POST"])
def review(case_id: str) -> Page | Response:
    ctx = service.open_intake(db.session, actor=_me(), case_id=case_id)
    form = CompleteForm()
    if not form.validate_on_submit():
        return _review_page(ctx, status=_status(form))
    try:
        service.complete_intake(db.session, ctx, actor=_me(), case_version=version_of(form.case_version))
    except StaleEdit:
        return _review_page(_reopen(ctx), stale=True, status=409)
    except service.IntakeIncomplete:
        return _review_page(_reopen(ctx), status=400)
    db.session.commit()
    flash(_("The intake is complete: the case is now active."), "info")
    return redirect(url_for("cases.view", case_id=case_id))


@blueprint.post("/<case_id>/discard")
def discard(case_id: str) -> Page | Response:
    ctx = service.open_intake(db.session, actor=_me(), case_id=case_id)
    form = DiscardForm()
    if not form.validate_on_submit():
        return _review_page(ctx, discard_form=form, status=400)
    service.discard_draft(db.session, ctx, actor=_me(), case_version=version_of(form.case_version))
    db.session.commit()
    flash(_("The draft intake was discarded."), "info")
    return redirect(url_for("intake.start"))


def _review_page(ctx: service.IntakeContext, *, discard_form: Optional[DiscardForm] = None,
                 stale: bool = False, status: int = 200) -> Page:
    day = today()
    summary = []
    for spec in sections.SECTIONS:
        stored = spec.form_class(formdata=None, data=sections.stored_data(
            spec, ctx.client, ctx.case, ctx.consents, day))
        summary.append((spec, describe(stored)))
    version = {"case_version": str(ctx.case.version)}
    if discard_form is not None:
        discard_form.case_version.data = version["case_version"]
    return _committed("intake/review.html", status, ctx=ctx, case=ctx.case, summary=summary,
                      missing=service.missing_items(ctx), progress=_progress(ctx), stale=stale,
                      complete_form=CompleteForm(formdata=None, data=version),
                      discard_form=discard_form or DiscardForm(formdata=None, data=version),
                      section=None)
