"""Rules of a prospect list row, with no I/O: column names, validation and normalization."""

from dataclasses import dataclass

from leads.forms.domain import LEAD_FIELDS, valid_email
from leads.processing import normalize

ALIASES = {
    "full_name": "name",
    "e-mail": "email",
    "mail": "email",
    "mobile": "phone",
    "tel": "phone",
    "telephone": "phone",
    "organisation": "company",
    "organization": "company",
    "job_title": "title",
    "姓名": "name",
    "邮箱": "email",
    "电话": "phone",
    "手机": "phone",
    "公司": "company",
    "职位": "title",
    "地区": "region",
    "行业": "industry",
    "网站": "website",
}


@dataclass(frozen=True)
class RowError:
    """Why a row was not imported."""

    row: int
    field: str
    reason: str


def column_map(header: list[str]) -> dict[str, str]:
    """CSV column -> lead field, for the columns we know (case-insensitive, with common aliases)."""
    out = {}
    for column in header:
        key = column.strip().lower().replace(" ", "_")
        target = ALIASES.get(key, key)
        if target in LEAD_FIELDS:
            out[column] = target
    return out


def read_row(
    number: int, raw: dict[str, str | None], columns: dict[str, str], region: str
) -> tuple[dict | None, list[RowError]]:
    """A row's normalized values, or its errors."""
    fields = {target: (raw.get(column) or "").strip() for column, target in columns.items()}
    fields = {k: v for k, v in fields.items() if v}
    errors = []
    if len(fields.get("email", "")) > 320 or any(len(v) > 300 for k, v in fields.items() if k != "email"):
        errors.append(RowError(number, "row", "a value is too long"))
    email = normalize.email(fields.get("email"))
    if email and not valid_email(email):
        errors.append(RowError(number, "email", f"not a valid email address: {fields['email']!r}"))
    phone = normalize.phone(fields.get("phone"), region)
    if fields.get("phone") and phone is None:
        errors.append(RowError(number, "phone", f"not a valid phone number: {fields['phone']!r}"))
    if not (fields.get("name") or fields.get("first_name") or email or phone):
        errors.append(RowError(number, "name", "a row needs a name, an email or a phone number"))
    if errors:
        return None, errors
    return normalize.clip(
        {
            "name": normalize.display_name(fields, email, phone),
            "email": email,
            "phone": phone,
            "company": normalize.name(fields.get("company")),
            "website": fields.get("website"),
            "company_domain": normalize.company_domain(fields.get("website"), email),
            "title": normalize.name(fields.get("title")),
            "region": normalize.name(fields.get("region")),
            "industry": normalize.name(fields.get("industry")),
        }
    ), []
