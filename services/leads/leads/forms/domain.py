"""Rules of the public intake, with no I/O: field mapping, validation, spam signals, fingerprints."""

import hashlib
import re
from dataclasses import dataclass, field

import orjson
import phonenumbers
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

from leads.forms.messages import message

LEAD_FIELDS = (
    "name",
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "website",
    "title",
    "region",
    "industry",
    "message",
)
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
PAGE_FIELDS, REFERRER_FIELDS, VISITOR_FIELDS = (
    ("page_url", "_page"),
    ("referrer", "_referrer"),
    ("visitor_id", "_vid"),
)
TIMESTAMP_FIELD = "_ts"
MAX_VALUE_LENGTH, MAX_FIELDS = 2000, 200


@dataclass
class Posted:
    """A post split into lead fields, custom fields and tracking data."""

    fields: dict[str, str] = field(default_factory=dict)
    custom_fields: dict[str, str] = field(default_factory=dict)
    utm: dict[str, str] = field(default_factory=dict)
    page_url: str | None = None
    referrer: str | None = None
    visitor_id: str | None = None
    filled_at_ms: str | None = None


@dataclass(frozen=True)
class FieldError:
    """One invalid field, with a reason in the caller's language."""

    field: str
    code: str
    reason: str


def split_post(raw: dict[str, str], mapping: dict[str, str], honeypot: str | None) -> Posted:
    """Map posted fields to lead fields (`mapping`, or same-named lead fields when it is empty)."""
    posted = Posted()
    for name, value in raw.items():
        value = value.strip()
        if name in UTM_FIELDS:
            posted.utm[name] = value
        elif name in PAGE_FIELDS:
            posted.page_url = value or None
        elif name in REFERRER_FIELDS:
            posted.referrer = value or None
        elif name in VISITOR_FIELDS:
            posted.visitor_id = value or None
        elif name == TIMESTAMP_FIELD:
            posted.filled_at_ms = value
        elif name == honeypot:
            continue
        else:
            target = mapping.get(name) or (name if not mapping and name in LEAD_FIELDS else None)
            if target and target.startswith("custom."):
                posted.custom_fields[target[7:]] = value
            elif target and value:
                posted.fields[target] = value
    if "name" not in posted.fields:
        full = " ".join(posted.fields.get(part, "") for part in ("first_name", "last_name")).strip()
        if full:
            posted.fields["name"] = full
    return posted


def validate(
    raw: dict[str, str], posted: Posted, required: list[str], mapping: dict[str, str], region: str, lang: str
) -> list[FieldError]:
    """Every invalid field of the post (empty when it is acceptable)."""
    errors: list[FieldError] = []
    if len(raw) > MAX_FIELDS:
        errors.append(FieldError("body", "too_many", message("too_many", lang, limit=MAX_FIELDS)))
    for name, value in raw.items():
        if len(value) > MAX_VALUE_LENGTH:
            errors.append(FieldError(name, "too_long", message("too_long", lang, limit=MAX_VALUE_LENGTH)))
    for name in required:
        if not raw.get(name, "").strip():
            errors.append(FieldError(name, "required", message("required", lang)))
    reverse = {target: name for name, target in mapping.items()}
    email = posted.fields.get("email")
    if email and not valid_email(email):
        errors.append(FieldError(reverse.get("email", "email"), "email", message("email", lang)))
    phone = posted.fields.get("phone")
    if phone and not valid_phone(phone, region):
        errors.append(FieldError(reverse.get("phone", "phone"), "phone", message("phone", lang)))
    if not (posted.fields.get("name") or email or phone):
        errors.append(FieldError(reverse.get("email", "email"), "contact", message("contact", lang)))
    return errors


def spam_reason(raw: dict[str, str], honeypot: str | None, min_fill_seconds: int, now_ms: int) -> str | None:
    """Why the post looks like a bot (honeypot filled, or filled faster than a person can), or None."""
    if honeypot and raw.get(honeypot, "").strip():
        return f"honeypot field {honeypot!r} was filled"
    stamp = raw.get(TIMESTAMP_FIELD, "").strip()
    if min_fill_seconds and stamp:
        if not stamp.isdigit():
            return f"fill timestamp {TIMESTAMP_FIELD!r} is not a number"
        elapsed_ms = now_ms - int(stamp)
        if elapsed_ms < min_fill_seconds * 1000:
            return f"form filled in {max(elapsed_ms, 0) / 1000:.1f}s, under the minimum {min_fill_seconds}s"
    return None


def fingerprint(form_id: str, posted: Posted) -> str:
    """The same form with the same normalized fields gives the same fingerprint: a 128-bit BLAKE2b of
    their compact JSON, keys sorted (32 hex digits). It was a SHA-256 of `json.dumps`'s text: orjson
    takes ~1 µs against ~4, and the shorter text is a smaller key in two of the submission's indexes (the
    fingerprint and the unique key, which embeds it). Leads migration `f3b8d2e6a1c4` rewrote the last
    window's stored fingerprints, so a post is still matched with one stored before the change."""
    fields = {k: v.strip().lower() for k, v in posted.fields.items()}
    custom = {k: v.strip().lower() for k, v in posted.custom_fields.items()}
    blob = orjson.dumps([form_id, fields, custom], option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(blob, digest_size=16).hexdigest()


def origin_allowed(allowed: list[str], origin: str | None) -> bool:
    """A browser's origin must be one of the form's; a post without an origin (a server) passes."""
    if not allowed or not origin:
        return True
    return origin.rstrip("/").lower() in {a.rstrip("/").lower() for a in allowed}


# a plain ASCII address (dot-atom local part, letter-digit-hyphen labels, alphabetic TLD): every string
# this matches, email_validator accepts too, at a tenth of the cost; anything else goes to email_validator
_PLAIN_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,63})"
)
_SPECIAL_USE = frozenset(SPECIAL_USE_DOMAIN_NAMES)


def valid_email(value: str) -> bool:
    if _plain_email(value):
        return True
    try:
        validate_email(value, check_deliverability=False)
        return True
    except EmailNotValidError:
        return False


def _plain_email(value: str) -> bool:
    match = _PLAIN_EMAIL.fullmatch(value)
    if match is None or len(value) > 254 or "--" in value.rpartition("@")[2]:
        return False
    return value.index("@") <= 64 and match.group(1).lower() not in _SPECIAL_USE


def valid_phone(value: str, region: str) -> bool:
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(value, region))
    except phonenumbers.NumberParseException:
        return False
