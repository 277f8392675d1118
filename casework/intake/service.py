"""The intake: looking for her before recording her again, starting a draft, saving its
sections, completing it, discarding a draft.

Every read and change is audited in the same transaction (which record, never its content;
a search records how it was made, never what was typed). Each save checks the versions the
counsellor started from and cleans everything before writing anything, so a refused save
leaves nothing half-stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from casework.audit.service import record
from casework.cases.access import case_for, permitted_client_ids
from casework.cases.intake_schema import intake_date_of, missing_for_completion
from casework.cases.models import Case, CaseSession, Consent, RiskAssessment, SafetyPlan
from casework.cases.service import activate_case, check_version, open_case, require_open, save_intake
from casework.clients import schema
from casework.clients.identity import erase_client, register_client, update_client
from casework.clients.models import Client
from casework.clients.service import cases_of, permitted_client
from casework.clients.search_index import NAME, PHONE, candidate_ids, search_clients
from casework.clock import today
from casework.errors import InvalidTransition, NotFound, StaleEdit
from casework.intake import sections
from casework.intake.sections import Section


@dataclass
class MatchedClient:
    client: Client
    cases: list[Case]


@dataclass
class PossibleMatches:
    """Her own clients that match, and how many possible matches are held by others."""

    mine: list[MatchedClient]
    elsewhere: int


@dataclass
class IntakeContext:
    case: Case
    client: Client
    consents: dict[str, Consent]  # the consents given in this intake and not withdrawn
    section: Optional[Section] = None


class PossibleDuplicates(InvalidTransition):
    """The search for her now finds clients that were not among the results she saw."""

    def __init__(self, matches: PossibleMatches) -> None:
        super().__init__(_("The search finds other possible matches now. Check them before "
                           "recording a new client."))
        self.matches = matches


class IntakeIncomplete(InvalidTransition):
    def __init__(self, missing: list[tuple[str, str]]) -> None:
        super().__init__(_("Some required items are missing."))
        self.missing = missing


# --- Before a new client ----------------------------------------------------------------------

def find_possible_clients(session: Session, *, actor: Any, name: str, phone: str) -> PossibleMatches:
    """Clients who may be the woman at hand, by name and/or phone (blind indexes).

    Only her own clients are opened and shown; matches held by others are only counted (they
    are "possible": truncated indexes bring false positives on purpose). One audit entry per
    way of searching, saying how, never what was typed.
    """
    def mine_only(ids: set[str]) -> set[str]:
        return permitted_client_ids(session, actor, ids)

    found: dict[str, Client] = {}
    candidates: set[str] = set()
    for way, typed in ((NAME, name), (PHONE, phone)):
        if not typed:
            continue
        candidates |= candidate_ids(session, typed, way)
        for client in search_clients(session, typed, way, permitted=mine_only):
            found[client.id] = client
        record(session, "cases.searched", actor=actor, details={"by": way, "purpose": "intake"})
    elsewhere = len(candidates - mine_only(candidates))
    mine = [MatchedClient(client, cases_of(session, actor, client.id)) for client in found.values()]
    return PossibleMatches(mine=mine, elsewhere=elsewhere)


def start_intake(session: Session, *, actor: Any, given_name: str, family_name: str, phone: str,
                 seen_clients: set[str], seen_elsewhere: int) -> Case:
    """A new client (with what was searched for) and her draft case, assigned to `actor`.

    The dedup check: the search is made again, and if it finds one of her clients she was not
    shown, or more possible matches elsewhere than she was told of (someone recorded the woman
    meanwhile, or the page was altered), nothing is recorded: PossibleDuplicates says what the
    search finds now.
    """
    identity = schema.clean_identity({"given_name": given_name, "family_name": family_name},
                                     today=today())
    contacts = schema.clean_contacts({"phones": [{"number": phone}] if phone else []})
    name = " ".join(part for part in (identity["given_name"], identity["family_name"]) if part)
    matches = find_possible_clients(session, actor=actor, name=name, phone=phone)
    if {m.client.id for m in matches.mine} - seen_clients or matches.elsewhere > seen_elsewhere:
        raise PossibleDuplicates(matches)
    client = register_client(session, actor=actor, identity=identity, contacts=contacts)
    return open_case(session, actor=actor, client=client)


def start_case_for_client(session: Session, *, actor: Any, client_id: str) -> Case:
    """A new draft case for one of her clients (or the draft she already has for her)."""
    client = permitted_client(session, actor, client_id, "intake.new_case_for_client")
    draft = session.scalars(select(Case).where(
        Case.client_id == client.id, Case.assigned_counsellor_id == actor.id,
        Case.status == "draft").order_by(Case.created_at)).first()
    return draft or open_case(session, actor=actor, client=client)


# --- The draft --------------------------------------------------------------------------------

def open_intake(session: Session, *, actor: Any, case_id: str, section: Optional[str] = None) -> IntakeContext:
    """Load a case's intake for `actor` (refused as any case is); audited for the case and client."""
    case = case_for(session, actor, case_id, action="intake.opened")
    chosen = None
    if section is not None:
        chosen = sections.section_by_slug(section)
        if chosen is None:
            raise NotFound(_("There is no such section of the intake."))
    client = session.get(Client, case.client_id)
    record(session, "client.opened", actor=actor, target_type="client", target_id=client.id,
           details={"via": "intake"})
    consents = session.scalars(select(Consent).where(
        Consent.case_id == case.id, Consent.withdrawn_on.is_(None)).order_by(Consent.created_at))
    return IntakeContext(case, client, {consent.kind: consent for consent in consents}, chosen)


def save_section(session: Session, ctx: IntakeContext, *, actor: Any, values: dict[str, Any],
                 case_version: int, client_version: int) -> None:
    """Store one section's values in the client's record or the case, whichever holds them."""
    section, case, client = ctx.section, ctx.case, ctx.client
    if section is None:
        raise ValueError("open the intake with the section to save")
    check_version(case, case_version)
    if section.kind == sections.CLIENT and client.version != client_version:
        raise StaleEdit(_("Her record was changed by someone else while you were editing it."))
    require_open(case)
    document = sections.clean(section, values, today=today(),
                              birth_date=schema.birth_date_of(client.identity),
                              intake_date=intake_date_of(case.intake))
    saved = [s.slug for s in sections.SECTIONS
             if s.slug in (case.intake or {}).get("saved_sections", []) or s is section]
    intake: dict[str, Any] = {"saved_sections": saved}
    perpetrators = None
    if section.kind == sections.CLIENT:
        update_client(session, client, actor=actor, expected_version=client_version,
                      **{section.client_part: document})
    elif section.kind == sections.PERPETRATORS:
        perpetrators = document
    elif section.kind == sections.CONSENTS:
        _record_consents(session, ctx, actor=actor, choices=document)
    else:
        intake.update(document)
    save_intake(session, case, actor=actor, expected_version=case_version, intake=intake,
                perpetrators=perpetrators)
    record(session, "intake.section_saved", actor=actor, target_type="case", target_id=case.id,
           details={"section": section.slug})


def _record_consents(session: Session, ctx: IntakeContext, *, actor: Any, choices: dict) -> None:
    """Give, correct (while a draft) or withdraw each kind of consent; every row is kept."""
    day = today()
    for kind, choice in choices.items():
        current = ctx.consents.get(kind)
        if choice["given"] and current is None:
            consent = Consent(client_id=ctx.client.id, case_id=ctx.case.id, kind=kind,
                              data_key_id=ctx.case.data_key_id, given_on=choice["given_on"],
                              recorded_by_id=actor.id)
            session.add(consent)
            session.flush()
            consent.scope = {"note": choice["note"]}
            action, target = "consent.given", consent
        elif choice["given"] and ctx.case.status == "draft" and (
                current.given_on != choice["given_on"] or (current.scope or {}).get("note") != choice["note"]):
            current.given_on = choice["given_on"]
            current.scope = {**(current.scope or {}), "note": choice["note"]}
            action, target = "consent.corrected", current
        elif not choice["given"] and current is not None:
            current.withdrawn_on = day
            action, target = "consent.withdrawn", current
        else:
            continue
        session.flush()
        record(session, action, actor=actor, target_type="consent", target_id=target.id,
               details={"kind": kind, "case": ctx.case.id})


def missing_items(ctx: IntakeContext) -> list[tuple[str, str]]:
    """What still stops this intake from being completed: (section slug, message)."""
    return missing_for_completion(identity=ctx.client.identity, intake=ctx.case.intake,
                                  perpetrators=ctx.case.perpetrators,
                                  has_processing_consent="processing" in ctx.consents,
                                  today=today())


def complete_intake(session: Session, ctx: IntakeContext, *, actor: Any, case_version: int) -> None:
    """The draft becomes an active case, opened on the intake date, if nothing required is missing."""
    check_version(ctx.case, case_version)
    missing = missing_items(ctx)
    if missing:
        raise IntakeIncomplete(missing)
    activate_case(session, ctx.case, actor=actor, expected_version=case_version,
                  opened_on=intake_date_of(ctx.case.intake) or today())


def discard_draft(session: Session, ctx: IntakeContext, *, actor: Any, case_version: int) -> None:
    """Remove a draft that holds no session or other record yet. A client who has no other
    case is erased with it (crypto-shredding); otherwise only the draft goes."""
    case = ctx.case
    check_version(case, case_version)
    if case.status != "draft":
        raise InvalidTransition(_("Only a draft intake can be discarded."))
    for model in (CaseSession, RiskAssessment, SafetyPlan):
        if session.scalar(select(func.count()).select_from(model).where(model.case_id == case.id)):
            raise InvalidTransition(_("This draft already has sessions or other records, so it "
                                      "cannot be discarded."))
    others = session.scalar(select(func.count()).select_from(Case).where(
        Case.client_id == case.client_id, Case.id != case.id)) or 0
    record(session, "intake.discarded", actor=actor, target_type="case", target_id=case.id,
           details={"client_erased": others == 0})
    session.execute(delete(Consent).where(Consent.case_id == case.id))
    session.delete(case)
    session.flush()
    if others == 0:
        erase_client(session, ctx.client.id, actor=actor)
