"""Her client record: opening it (audited) and editing it, for a counsellor who may open one of
her cases. Cases held by others are counted, never shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.audit.service import record
from casework.cases.access import permitted_cases, permitted_client_ids
from casework.cases.models import Case
from casework.clients import schema
from casework.clients.identity import update_client
from casework.clients.models import Client
from casework.clock import today
from casework.errors import AuditOnRefusal, NotPermitted, StaleEdit


@dataclass
class ClientRecord:
    client: Client
    cases: list[Case]  # the ones she may open
    other_cases: int = 0  # held by others: counted, never shown


def open_client(session: Session, *, actor: Any, client_id: str) -> ClientRecord:
    """Her record, for a counsellor who may open one of her cases; the read is audited."""
    client = permitted_client(session, actor, client_id, "client.opened")
    record(session, "client.opened", actor=actor, target_type="client", target_id=client.id)
    cases = cases_of(session, actor, client.id)
    total = session.scalar(select(func.count()).select_from(Case).where(Case.client_id == client.id))
    return ClientRecord(client, cases, (total or 0) - len(cases))


def edit_client(session: Session, client: Client, *, actor: Any, expected_version: int,
                identity: dict, contacts: dict, profile: dict, discrimination_factors: Any) -> None:
    """Replace her identity, contacts, profile and discrimination factors, all or nothing."""
    if client.version != expected_version:
        raise StaleEdit(_("Her record was changed by someone else while you were editing it."))
    # Her birth must come before her first intake; only the cases `actor` may open are asked,
    # so a refusal never tells her the date of someone else's case.
    first_opened = session.scalar(permitted_cases(actor).where(Case.client_id == client.id)
                                  .with_only_columns(func.min(Case.opened_on)))
    documents: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, cleaner in (
            ("identity", lambda: schema.clean_identity(identity, today=today(),
                                                       intake_date=first_opened)),
            ("contacts", lambda: schema.clean_contacts(contacts)),
            ("profile", lambda: schema.clean_profile(profile)),
            ("discrimination_factors", lambda: schema.clean_discrimination(discrimination_factors))):
        try:
            documents[name] = cleaner()
        except schema.DocumentInvalid as invalid:
            problems.update(invalid.errors)
    if problems:
        raise schema.DocumentInvalid(problems)
    update_client(session, client, actor=actor, expected_version=expected_version, **documents)


def cases_of(session: Session, actor: Any, client_id: str) -> list[Case]:
    query = permitted_cases(actor).where(Case.client_id == client_id).order_by(Case.created_at)
    return list(session.scalars(query))


def permitted_client(session: Session, actor: Any, client_id: str, attempted: str) -> Client:
    """Her client, if `actor` may open one of her cases; the same refusal for unknown ids."""
    client = None
    if isinstance(client_id, str) and 0 < len(client_id) <= 36:
        if permitted_client_ids(session, actor, {client_id}):
            client = session.get(Client, client_id)
    if client is None or client.erased_at is not None:
        raise NotPermitted(_("You do not have access to this client's record."), audit=AuditOnRefusal(
            "client.access_refused", "client", str(client_id)[:64], {"attempted": attempted}))
    return client

