"""Partner organisations (shelters, legal aid, police…): the only writer of them. Every change is audited.

An organisation is stored with a kind code (the referral types of DOMAIN.md); the label shown is
translated at display time, so the same record reads right in every language. Organisations are
never deleted — referrals and audit entries keep pointing at them — only deactivated.
"""

from __future__ import annotations

import hashlib
import json
from typing import Optional

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.audit.service import record
from casework.auth.models import Organisation, User
from casework.codes import PARTNER_TYPES, label
from casework.errors import DomainError, NotFound, StaleEdit

# The referral types of DOMAIN.md (casework.codes.PARTNER_TYPES), in the order they are offered.
ORGANISATION_KINDS = tuple(PARTNER_TYPES)

NAME_MAX_LENGTH = 200
AREA_MAX_LENGTH = 120
CONTACT_MAX_LENGTH = 300
CAPACITY_NOTES_MAX_LENGTH = 1000


class InvalidOrganisationData(DomainError):
    """A name or kind that cannot be used; `field` names the form field it belongs to."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class OrganisationNotFound(NotFound):
    """No partner organisation with that id."""


def kind_label(kind: str) -> str:
    """The translated label of a kind code (an unknown code, e.g. from an older list, as is)."""
    return str(label("partner_types", kind))


def normalise_name(name: str) -> str:
    # Collapsed whitespace, so "Safe  House " and "Safe House" are one organisation.
    return " ".join(name.split())


def list_organisations(session: Session, *, active_only: bool = False) -> list[Organisation]:
    """Organisations by name (active ones first when inactive ones are included)."""
    query = select(Organisation).order_by(Organisation.active.desc(), Organisation.name)
    if active_only:
        query = query.where(Organisation.active.is_(True))
    return list(session.scalars(query))


def get_organisation(session: Session, organisation_id: int) -> Organisation:
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise OrganisationNotFound(_("There is no such partner organisation."))
    return organisation


def count_active_members(session: Session, organisation_id: int) -> int:
    """How many active accounts belong to the organisation (its shelter partners)."""
    return session.scalar(select(func.count()).select_from(User).where(
        User.organisation_id == organisation_id, User.active.is_(True))) or 0


def create_organisation(session: Session, *, name: str, kind: str, actor: Optional[User],
                        area: str = "", contact: str = "", capacity_notes: str = "",
                        takes_children: bool = False) -> Organisation:
    """Add a partner organisation; names are unique regardless of letter case."""
    name = normalise_name(name)
    _check_name(session, name)
    _check_kind(kind)
    details = _checked_details(area, contact, capacity_notes)
    organisation = Organisation(name=name, kind=kind, active=True, takes_children=bool(takes_children),
                                **details)
    session.add(organisation)
    session.flush()
    record(session, "organisation.created", actor=actor, target_type="organisation",
           target_id=organisation.id, details={"kind": kind})
    return organisation


def fingerprint(organisation: Organisation) -> str:
    """What the edit form started from: a save on top of someone else's change is refused
    (the table has no version column, so the stored values themselves are compared)."""
    values = [organisation.name, organisation.kind, organisation.area, organisation.contact,
              organisation.capacity_notes, bool(organisation.takes_children), bool(organisation.active)]
    return hashlib.sha256(json.dumps(values, ensure_ascii=False).encode()).hexdigest()[:32]


def update_organisation(session: Session, organisation: Organisation, *, actor: Optional[User],
                        expected_fingerprint: str, name: str, kind: str, area: str = "",
                        contact: str = "", capacity_notes: str = "",
                        takes_children: bool = False) -> None:
    """Change an organisation's directory entry; refused (StaleEdit) if it changed since the form
    was filled. Its referrals keep the partner type they were made with."""
    if fingerprint(organisation) != expected_fingerprint:
        raise StaleEdit(_("This organisation was changed by someone else while you were editing it."))
    name = normalise_name(name)
    _check_name(session, name, ignore_id=organisation.id)
    _check_kind(kind)
    details = _checked_details(area, contact, capacity_notes)
    organisation.name, organisation.kind = name, kind
    organisation.takes_children = bool(takes_children)
    for key, value in details.items():
        setattr(organisation, key, value)
    session.flush()
    record(session, "organisation.updated", actor=actor, target_type="organisation",
           target_id=organisation.id, details={"kind": kind})


def _check_kind(kind: str) -> None:
    if kind not in ORGANISATION_KINDS:
        raise InvalidOrganisationData(_("Choose one of the kinds offered."), field="kind")


def _checked_details(area: str, contact: str, capacity_notes: str) -> dict[str, str]:
    details = {"area": (area or "").strip(), "contact": (contact or "").strip(),
               "capacity_notes": (capacity_notes or "").replace("\r\n", "\n").strip()}
    limits = {"area": AREA_MAX_LENGTH, "contact": CONTACT_MAX_LENGTH,
              "capacity_notes": CAPACITY_NOTES_MAX_LENGTH}
    for key, value in details.items():
        if len(value) > limits[key]:
            raise InvalidOrganisationData(_("At most %(limit)s characters; this has %(count)s.",
                                            limit=format_decimal(limits[key]),
                                            count=format_decimal(len(value))), field=key)
    return details


def _check_name(session: Session, name: str, *, ignore_id: Optional[int] = None) -> None:
    if len(name) < 2 or len(name) > NAME_MAX_LENGTH:
        raise InvalidOrganisationData(
            _("A name has 2 to %(count)d characters.", count=NAME_MAX_LENGTH), field="name")
    # Compared in Python with casefold(): SQL lower() leaves Greek, Turkish or Arabic-script
    # names alone on SQLite, and a centre has tens of partners, not thousands.
    wanted = name.casefold()
    for existing_id, existing in session.execute(select(Organisation.id, Organisation.name)):
        if existing_id != ignore_id and existing.casefold() == wanted:
            raise InvalidOrganisationData(
                _("A partner organisation with this name already exists."), field="name")


def deactivate_organisation(session: Session, organisation: Organisation, *,
                            actor: Optional[User]) -> None:
    """Stop offering an organisation. Refused while active accounts still belong to it, so no
    shelter partner keeps signing in on behalf of an organisation the centre no longer works with."""
    members = count_active_members(session, organisation.id)
    if members:
        raise InvalidOrganisationData(ngettext(
            "%(num)d active account still belongs to this organisation. Deactivate it "
            "or move it to another organisation first.",
            "%(num)d active accounts still belong to this organisation. Deactivate them "
            "or move them to another organisation first.", members))
    organisation.active = False
    record(session, "organisation.deactivated", actor=actor, target_type="organisation",
           target_id=organisation.id)


def reactivate_organisation(session: Session, organisation: Organisation, *,
                            actor: Optional[User]) -> None:
    organisation.active = True
    record(session, "organisation.reactivated", actor=actor, target_type="organisation",
           target_id=organisation.id)
