"""Request and response models of accounts and contacts."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from sales.contactinfo import Domain, Email, Phone
from sales.schemas import Name, UtcDatetime, _Patch

RecordId = Annotated[str, Field(min_length=1, max_length=64)]  # an id: never ""
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
SourceType = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]
Status = Literal["prospect", "verified"]
Phones = Annotated[list[Phone], Field(max_length=10)]
Emails = Annotated[list[Email], Field(max_length=10)]


class AccountCreate(BaseModel):
    """A new account; the owner defaults to the caller, the team follows the owner."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    domain: Domain | None = None
    industry: Short | None = None
    size: Short | None = None
    region: Short | None = None
    tier: Short | None = None
    status: Status = "prospect"
    owner_id: RecordId | None = None
    parent_account_id: RecordId | None = None
    phones: Phones = []
    source_type: SourceType | None = None
    source_id: Short | None = None
    custom_fields: dict[str, Any] = {}


class AccountUpdate(_Patch):
    """A change to an account; only the fields sent change."""

    not_null = ("name", "status", "phones", "owner_id")

    name: Name | None = None
    domain: Domain | None = None
    industry: Short | None = None
    size: Short | None = None
    region: Short | None = None
    tier: Short | None = None
    status: Status | None = None
    owner_id: RecordId | None = None
    parent_account_id: RecordId | None = None
    phones: Phones | None = None
    custom_fields: dict[str, Any] | None = None  # merged: a null value removes that field


class AccountRead(BaseModel):
    """An account as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    domain: str | None
    industry: str | None
    size: str | None
    region: str | None
    tier: str | None
    status: str
    owner_id: RecordId | None
    team_id: str | None
    parent_account_id: RecordId | None
    phones: list[str]
    source_type: str | None
    source_id: str | None
    custom_fields: dict[str, Any] | None
    created_at: UtcDatetime
    updated_at: UtcDatetime


class ContactCreate(BaseModel):
    """A new contact; phones are normalized to E.164 (no country code: China), emails lower-cased."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    account_id: RecordId | None = None
    title: Name | None = None
    emails: Emails = []
    phones: Phones = []
    key_person: bool = False
    owner_id: RecordId | None = None
    source_type: SourceType | None = None
    source_id: Short | None = None
    custom_fields: dict[str, Any] = {}


class ContactUpdate(_Patch):
    """A change to a contact."""

    not_null = ("name", "emails", "phones", "key_person", "owner_id")

    name: Name | None = None
    account_id: RecordId | None = None
    title: Name | None = None
    emails: Emails | None = None
    phones: Phones | None = None
    key_person: bool | None = None
    owner_id: RecordId | None = None
    custom_fields: dict[str, Any] | None = None  # merged: a null value removes that field


class ContactRead(BaseModel):
    """A contact as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    account_id: RecordId | None
    name: str
    title: str | None
    emails: list[str]
    phones: list[str]
    key_person: bool
    owner_id: RecordId | None
    team_id: str | None
    source_type: str | None
    source_id: str | None
    custom_fields: dict[str, Any] | None
    created_at: UtcDatetime
    updated_at: UtcDatetime
