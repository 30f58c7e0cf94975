"""Phone, email and domain normalization shared by accounts, contacts, conversion and import."""

from typing import Annotated

import phonenumbers
from pydantic import AfterValidator, EmailStr
from pydantic_core import PydanticCustomError

DEFAULT_REGION = "CN"


def to_e164(raw: str, region: str = DEFAULT_REGION) -> str:
    """The number in E.164 (`+8613800138000`); numbers without a country code are read as Chinese."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as error:
        raise PydanticCustomError("phone", "not a phone number: {reason}", {"reason": str(error)}) from error
    if not phonenumbers.is_valid_number(number):
        raise PydanticCustomError("phone", "not a valid phone number: {raw}", {"raw": raw})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_domain(raw: str) -> str:
    """`https://www.Acme.com/about` -> `acme.com`."""
    domain = raw.strip().lower()
    for prefix in ("https://", "http://"):
        domain = domain.removeprefix(prefix)
    domain = domain.split("/", 1)[0].split(":", 1)[0].removeprefix("www.")
    if not domain or "." not in domain or " " in domain:
        raise PydanticCustomError("domain", "not a domain name: {raw}", {"raw": raw})
    return domain


def name_key(name: str) -> str:
    """The case- and space-insensitive form of a name, for dedupe."""
    return " ".join(name.casefold().split())


Phone = Annotated[str, AfterValidator(to_e164)]
Email = Annotated[EmailStr, AfterValidator(str.lower)]
Domain = Annotated[str, AfterValidator(normalize_domain)]


def unique(values: list[str]) -> list[str]:
    """The values without repeats, first occurrence kept."""
    return list(dict.fromkeys(values))
