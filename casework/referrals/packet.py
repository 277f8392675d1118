"""What a referral may carry to a partner: the whitelist of packet fields and how each is made.

A packet holds only the fields the counsellor chose, each derived at the time of sending from
the case and her record, or typed for the partner in the referral form. Nothing outside this
whitelist can reach a partner: not the narrative, not an address, not who did it, not the risk
checklist. A field is read from the case only when it was chosen, so what was not chosen is
never even copied.

    draft   {fields[], alias, children_count, children_ages[], urgency, accessibility_needs,
             note_for_partner, phone_for_partner}           (what the counsellor typed)
    packet  {fields[], values {field: value}}                (what the partner reads)
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Optional

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from casework.clock import as_utc
from casework.codes import label
from casework.errors import DomainError

# The fields offered, in the order they are shown. The first ones are chosen by default; the
# last three only when the counsellor adds them herself.
PACKET_FIELDS = {
    "first_name_or_alias": _l("First name or alias"),
    "age_band": _l("Age band"),
    "languages": _l("Languages and interpreter"),
    "children_coming": _l("Children coming with her"),
    "urgency": _l("Urgency"),
    "accessibility_needs": _l("Accessibility needs"),
    "note_for_partner": _l("Note for the partner"),
    "violence_types": _l("Forms of violence"),
    "risk_level": _l("Risk level"),
    "phone_for_partner": _l("Phone number the partner may call"),
}
DEFAULT_FIELDS = ("first_name_or_alias", "age_band", "languages", "children_coming", "urgency",
                  "accessibility_needs", "note_for_partner")
EXTRA_FIELDS = ("violence_types", "risk_level", "phone_for_partner")

PURPOSES = {
    "shelter_place": _l("A shelter place"), "legal_aid": _l("Legal aid"),
    "health_care": _l("Health care"), "psychological_care": _l("Psychological care"),
    "police_protection": _l("Police protection or a complaint"),
    "employment": _l("Employment support"), "social_services": _l("Social services"),
    "other": _l("Other"),
}
URGENCY = {"immediate": _l("Immediate (today)"), "within_week": _l("Within a week"),
           "planned": _l("Planned")}
DECLINE_REASONS = {"no_place": _l("No place available"),
                   "criteria": _l("She does not meet the admission criteria"),
                   "she_declined": _l("She declined"), "other": _l("Other")}
WITHDRAW_REASONS = {"she_changed_her_mind": _l("She changed her mind"),
                    "other_arrangement": _l("Another solution was found"),
                    "consent_withdrawn": _l("She withdrew her consent"),
                    "sent_in_error": _l("Sent in error"), "other": _l("Other")}

ALIAS_LIMIT = 100
TEXT_LIMIT = 1_000  # accessibility needs, the note for the partner
PHONE_LIMIT = 40
MIN_PHONE_DIGITS = 6
MAX_CHILDREN = 30
MAX_CHILD_AGE = 17
AGE_BANDS = ((18, "under_18"), (25, "18_24"), (35, "25_34"), (45, "35_44"), (55, "45_54"),
             (65, "55_64"))


class InvalidReferral(DomainError):
    """Input that cannot be used: which field and why (first problem as the message)."""

    status = 400

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(next(iter(problems.values())))
        self.problems = problems


def too_long(limit: int, count: int) -> str:
    return _("This is too long: at most %(limit)s characters; this has %(count)s.",
             limit=format_decimal(limit), count=format_decimal(count))


def choices_of(codes: dict[str, Any]) -> list[tuple[str, Any]]:
    return list(codes.items())


# --- the draft: what the counsellor chose and typed -------------------------------------------

def clean_draft(raw: dict[str, Any]) -> dict[str, Any]:
    """The draft document, or InvalidReferral with every problem next to its field.

    Texts are kept as typed (ends trimmed); what belongs to a field that was not chosen is kept
    in the draft too (she may tick it again) but never reaches the packet."""
    problems: dict[str, str] = {}
    fields = [code for code in PACKET_FIELDS if code in set(raw.get("fields") or [])]
    if set(raw.get("fields") or []) - set(PACKET_FIELDS):
        problems["fields"] = _("Choose only among the fields offered.")
    elif not fields:
        problems["fields"] = _("Choose at least one field to send.")
    draft = {"fields": fields,
             "alias": _text(problems, "alias", raw.get("alias"), ALIAS_LIMIT),
             "accessibility_needs": _text(problems, "accessibility_needs",
                                          raw.get("accessibility_needs"), TEXT_LIMIT),
             "note_for_partner": _text(problems, "note_for_partner", raw.get("note_for_partner"),
                                       TEXT_LIMIT),
             "phone_for_partner": _text(problems, "phone_for_partner", raw.get("phone_for_partner"),
                                        PHONE_LIMIT),
             "urgency": raw.get("urgency") or None,
             **_children(problems, raw.get("children_count"), raw.get("children_ages"),
                         required="children_coming" in fields)}
    if draft["urgency"] is not None and draft["urgency"] not in URGENCY:
        problems.setdefault("urgency", _("Choose one of the options offered."))
    elif draft["urgency"] is None and "urgency" in fields:
        problems.setdefault("urgency", _("Choose how urgent the referral is."))
    phone = draft["phone_for_partner"]
    if "phone_for_partner" in fields and sum(ch.isdigit() for ch in phone) < MIN_PHONE_DIGITS:
        problems.setdefault("phone_for_partner", _(
            "Type the number she agrees the partner may call (at least %(count)d digits).",
            count=MIN_PHONE_DIGITS))
    if problems:
        raise InvalidReferral(problems)
    return draft


def _text(problems: dict[str, str], field: str, value: Any, limit: int) -> str:
    typed = (value or "").replace("\r\n", "\n").strip() if isinstance(value, str) else ""
    if len(typed) > limit:
        problems.setdefault(field, too_long(limit, len(typed)))
    return typed


def _children(problems: dict[str, str], count: Any, ages: Any, *, required: bool) -> dict[str, Any]:
    if count in (None, ""):
        if required:
            problems["children_count"] = _("Type how many children come with her (0 if none).")
        count = None
    elif not isinstance(count, int) or not 0 <= count <= MAX_CHILDREN:
        problems["children_count"] = _("Type a number from 0 to %(high)d.", high=MAX_CHILDREN)
        count = None
    parsed = []
    parts = ages if isinstance(ages, list) else str(ages or "").replace(";", ",").split(",")
    for part in parts:
        text = str(part).strip()
        if not text:
            continue
        if not text.isdigit() or int(text) > MAX_CHILD_AGE:
            problems.setdefault("children_ages", _(
                "Type each child's age as a number from 0 to %(high)d, separated by commas.",
                high=MAX_CHILD_AGE))
        else:
            parsed.append(int(text))
    if count is not None and len(parsed) > count:
        problems.setdefault("children_ages", _("There are more ages than children."))
    return {"children_count": count, "children_ages": parsed}


# --- the packet: what the partner reads -------------------------------------------------------

def build_packet(draft: dict[str, Any], *, identity: Optional[dict], profile: Optional[dict],
                 intake: Optional[dict], risk_level: Optional[str], today: date) -> dict[str, Any]:
    """The snapshot for the partner: the chosen fields only, each made from its own source."""
    sources = {"identity": identity or {}, "profile": profile or {}, "intake": intake or {},
               "risk_level": risk_level, "draft": draft, "today": today}
    fields = [code for code in PACKET_FIELDS if code in draft.get("fields", [])]
    return {"fields": fields, "values": {code: _DERIVE[code](sources) for code in fields}}


def age_band(identity: dict, today: date) -> str:
    birth = identity.get("birth_date")
    if birth:
        born = date.fromisoformat(birth)
        age: Optional[int] = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    else:
        age = identity.get("approximate_age")
    if age is None:
        return "unknown"
    return next((band for limit, band in AGE_BANDS if age < limit), "65_plus")


_DERIVE = {
    "first_name_or_alias": lambda s: s["draft"].get("alias") or s["identity"].get("given_name") or "",
    "age_band": lambda s: age_band(s["identity"], s["today"]),
    "languages": lambda s: {"preferred_language": s["profile"].get("preferred_language") or "",
                            "interpreter_needed": bool(s["profile"].get("interpreter_needed")),
                            "interpreter_language": s["profile"].get("interpreter_language") or ""},
    "children_coming": lambda s: {"count": s["draft"].get("children_count") or 0,
                                  "ages": list(s["draft"].get("children_ages") or [])},
    "urgency": lambda s: s["draft"].get("urgency"),
    "accessibility_needs": lambda s: s["draft"].get("accessibility_needs") or "",
    "note_for_partner": lambda s: s["draft"].get("note_for_partner") or "",
    "violence_types": lambda s: list(s["intake"].get("violence_types") or []),
    "risk_level": lambda s: s["risk_level"],
    "phone_for_partner": lambda s: s["draft"].get("phone_for_partner") or "",
}


def packet_digest(packet: dict[str, Any]) -> str:
    """A keyed fingerprint of a packet: the send form carries the one she previewed, and a packet
    that changed since (her record was edited meanwhile) is not sent unseen."""
    canonical = json.dumps(packet, sort_keys=True, ensure_ascii=False).encode()
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"referral-packet\x00" + canonical, hashlib.sha256).hexdigest()


# --- showing a packet --------------------------------------------------------------------------

@dataclass(frozen=True)
class PacketRow:
    code: str
    label: str
    text: str  # what is shown, already in words; multi-line text keeps its lines


def packet_rows(packet: Optional[dict[str, Any]]) -> list[PacketRow]:
    """The rows a partner's page, the preview and the printout show: the same for all three."""
    if not packet:
        return []
    values = packet.get("values", {})
    return [PacketRow(code, str(PACKET_FIELDS[code]), _show(code, values.get(code)))
            for code in packet.get("fields", []) if code in PACKET_FIELDS]


def _show(code: str, value: Any) -> str:
    if code == "age_band":
        return _("Unknown") if value == "unknown" else str(label("perpetrator_age_band", value))
    if code == "languages":
        return _languages(value or {})
    if code == "children_coming":
        return _children_text(value or {})
    if code == "urgency":
        return str(URGENCY.get(value, value or "—"))
    if code == "violence_types":
        return ", ".join(str(label("violence_types", item)) for item in value or []) or _("None recorded")
    if code == "risk_level":
        return str(label("risk_level", value)) if value else _("Not assessed")
    return value or "—"


def _languages(value: dict) -> str:
    language = value.get("preferred_language") or _("Not stated")
    if not value.get("interpreter_needed"):
        return _("%(language)s; no interpreter needed", language=language)
    if value.get("interpreter_language"):
        return _("%(language)s; interpreter needed (%(interpreter)s)", language=language,
                 interpreter=value["interpreter_language"])
    return _("%(language)s; interpreter needed", language=language)


def _children_text(value: dict) -> str:
    count, ages = value.get("count") or 0, value.get("ages") or []
    if not count:
        return _("No children coming")
    ages_text = ", ".join(str(age) for age in ages)
    if ages_text:
        return _("%(count)d (ages: %(ages)s)", count=count, ages=ages_text)
    return str(count)


# --- labels for the pages ----------------------------------------------------------------------

def purpose_label(code: str) -> str:
    return str(PURPOSES.get(code, code))


def reason_label(code: Optional[str]) -> str:
    """A decline or withdrawal reason, or why the system ended it."""
    if not code:
        return ""
    known = {**DECLINE_REASONS, **WITHDRAW_REASONS, "no_answer": _l("No answer in time"),
             "client_erased": _l("Her record was erased")}
    return str(known.get(code, code))


def moment(value: Any) -> str:
    """A date, or a time in UTC, in ISO order (it reads the same in every language)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return as_utc(value).strftime("%Y-%m-%d %H:%M") if value else ""


def display_helpers() -> dict[str, Any]:
    """What the referral pages (the counsellor's and the partner's) use to show codes."""
    return {"code_label": label, "purpose_label": purpose_label, "reason_label": reason_label,
            "moment": moment, "packet_rows": packet_rows}
