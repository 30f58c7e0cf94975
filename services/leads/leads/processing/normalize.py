"""Normalization of what people type: emails, phone numbers (E.164), company domains, names. No I/O."""

import re
from urllib.parse import urlsplit

import phonenumbers

FREE_EMAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.com.cn",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "mail.com",
        "yandex.ru",
        "qq.com",
        "foxmail.com",
        "163.com",
        "126.com",
        "yeah.net",
        "sina.com",
        "sina.cn",
        "sohu.com",
        "139.com",
        "189.cn",
        "aliyun.com",
        "tom.com",
        "21cn.com",
        "web.de",
    }
)
_SPACES = re.compile(r"\s+")


def email(value: str | None) -> str | None:
    """Trimmed and lower-cased, or None."""
    value = (value or "").strip().lower()
    return value or None


def phone(value: str | None, region: str) -> str | None:
    """E.164 (`+8613800138000`) when the number parses in `region`, else None."""
    if not value or not value.strip():
        return None
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_domain(value: str | None) -> str | None:
    """The part after the @, or None."""
    if not value or "@" not in value:
        return None
    return value.rsplit("@", 1)[1].strip().lower() or None


def is_free_email(value: str | None) -> bool:
    """Whether the address is at a free mail provider (gmail.com, qq.com, 163.com, ...)."""
    return email_domain(value) in FREE_EMAIL_DOMAINS


def company_domain(website: str | None, email_address: str | None) -> str | None:
    """The company's domain: from the website, else from a corporate (not free) email address."""
    if website and website.strip():
        text = website.strip().lower()
        host = urlsplit(text if "://" in text else f"http://{text}").hostname or ""
        host = host.removeprefix("www.")
        if "." in host:
            return host
    domain = email_domain(email_address)
    if domain and domain not in FREE_EMAIL_DOMAINS:
        return domain.removeprefix("www.")
    return None


def name(value: str | None) -> str | None:
    """Inner whitespace collapsed; all-lower or all-upper Latin names title-cased; None when empty."""
    value = _SPACES.sub(" ", (value or "").strip())
    if not value:
        return None
    if value.isascii() and (value.islower() or value.isupper()):
        return value.title()
    return value


def display_name(fields: dict[str, str], email_address: str | None, phone_number: str | None) -> str:
    """A name to show: the posted one, else first + last, else the email or phone."""
    full = name(fields.get("name")) or name(
        " ".join(filter(None, (fields.get("first_name"), fields.get("last_name"))))
    )
    return full or email_address or phone_number or "Unknown"


# the lead table's column sizes: a longer value is cut, so it can never poison an event or a batch
LIMITS = {
    "name": 200,
    "email": 320,
    "phone": 40,
    "company": 200,
    "website": 300,
    "company_domain": 253,
    "title": 200,
    "region": 100,
    "industry": 100,
}


def clip(values: dict[str, str | None]) -> dict[str, str | None]:
    """The values cut to the lead's column sizes."""
    return {key: value[: LIMITS[key]] if value and key in LIMITS else value for key, value in values.items()}
