"""Identity rules, no I/O: how emails and phone numbers are compared when joining a customer's records."""

import re

_NOT_DIAL = re.compile(r"[^\d+]")


def normal_email(email: str | None) -> str | None:
    """Lower-cased and trimmed; None when empty."""
    return email.strip().lower() or None if email else None


def normal_phone(phone: str | None) -> str | None:
    """Digits only, keeping a leading +; None when no digit is left."""
    if not phone:
        return None
    kept = _NOT_DIAL.sub("", phone.strip())
    kept = kept[0] + kept[1:].replace("+", "") if kept else kept
    return kept if any(c.isdigit() for c in kept) else None
