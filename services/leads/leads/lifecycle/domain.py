"""Lead lifecycle rules, with no I/O: statuses and their transitions, activity channels."""

from crm_shared.http.problems import ConflictError, InvalidError

TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"contacted", "disqualified"}),
    "contacted": frozenset({"qualified", "disqualified"}),
    "qualified": frozenset({"disqualified", "converted"}),
    "disqualified": frozenset({"contacted"}),  # reopened after a new contact
    "converted": frozenset(),
}
CONTACT_KINDS = ("call", "email", "meeting")
CHANNEL_OF = {"call": "phone", "email": "email", "meeting": "visit", "note": "other"}


def check_transition(current: str, target: str, reason: str | None) -> None:
    """Raise unless `current` may move to `target` (disqualifying needs a reason)."""
    if target == "converted":
        raise ConflictError("a lead is converted with POST /leads/{id}/convert", field="status")
    if target not in TRANSITIONS.get(current, frozenset()):
        allowed = ", ".join(sorted(TRANSITIONS.get(current, frozenset()) - {"converted"})) or "none"
        raise ConflictError(f"a {current} lead cannot become {target} (allowed: {allowed})", field="status")
    if target == "disqualified" and not (reason and reason.strip()):
        raise InvalidError("a reason is required to disqualify a lead", field="reason")


def check_unlocked(locked: bool, lead_id: str) -> None:
    """Raise when the lead is converted (locked)."""
    if locked:
        raise ConflictError(f"lead {lead_id} is converted and locked")
