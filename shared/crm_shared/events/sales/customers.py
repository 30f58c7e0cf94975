"""Sales events about customers: accounts and contacts."""

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from crm_shared.events.base import Event, register
from crm_shared.topics import SALES_ACCOUNT, SALES_CONTACT


class AccountSnapshot(Event):
    """The whole account as it is after the change (replicas upsert it). `source_type`/`source_id`
    name the record it came from (e.g. "lead" and the lead id), for walking the chain back."""

    name: str
    domain: str | None = None
    industry: str | None = None
    size: str | None = None
    region: str | None = None
    tier: str | None = None
    status: str = "verified"  # prospect | verified
    owner_id: str | None = None
    team_id: str | None = None
    parent_account_id: str | None = None
    phones: list[str] = Field(default_factory=list)  # E.164
    source_type: str | None = None
    source_id: str | None = None
    custom_fields: dict[str, Any] = Field(default_factory=dict)


@register(SALES_ACCOUNT.name, "account")
class AccountCreatedV1(AccountSnapshot):
    """An account was created (directly, by import, or from a converted lead)."""

    event_type: Literal["sales.account.created"] = "sales.account.created"


@register(SALES_ACCOUNT.name, "account")
class AccountUpdatedV1(AccountSnapshot):
    """An account changed; `changed_fields` names what."""

    event_type: Literal["sales.account.updated"] = "sales.account.updated"


class ContactSnapshot(Event):
    """The whole contact as it is after the change."""

    account_id: str | None = None
    name: str
    title: str | None = None
    emails: list[str] = Field(default_factory=list)  # lower-cased
    phones: list[str] = Field(default_factory=list)  # E.164
    key_person: bool = False
    owner_id: str | None = None
    team_id: str | None = None
    source_type: str | None = None
    source_id: str | None = None
    custom_fields: dict[str, Any] = Field(default_factory=dict)


@register(SALES_CONTACT.name, "contact")
class ContactCreatedV1(ContactSnapshot):
    """A contact was created."""

    event_type: Literal["sales.contact.created"] = "sales.contact.created"


@register(SALES_CONTACT.name, "contact")
class ContactUpdatedV1(ContactSnapshot):
    """A contact changed; `changed_fields` names what."""

    event_type: Literal["sales.contact.updated"] = "sales.contact.updated"


@register(SALES_ACCOUNT.name, "account")
class AccountDeletedV1(Event):
    """An account was deleted (soft: it no longer shows anywhere); replicas drop it."""

    event_type: Literal["sales.account.deleted"] = "sales.account.deleted"
    name: str
    owner_id: str | None = None
    team_id: str | None = None


@register(SALES_CONTACT.name, "contact")
class ContactDeletedV1(Event):
    """A contact was deleted (soft); replicas drop it."""

    event_type: Literal["sales.contact.deleted"] = "sales.contact.deleted"
    account_id: str | None = None
    owner_id: str | None = None
    team_id: str | None = None


class RelationSnapshot(Event):
    """A relation between two accounts or two contacts (`from_type` is the type of both ends)."""

    kind: str  # reports_to | influences | referred_by | partner | competitor
    from_type: str  # account | contact
    from_id: str
    to_type: str
    to_id: str
    note: str | None = None
    created_at: datetime
    ended_at: datetime | None = None


@register(SALES_ACCOUNT.name, "relation")
class RelationCreatedV1(RelationSnapshot):
    """A relation was recorded (e.g. contact reports_to contact, account partner of account)."""

    event_type: Literal["sales.relation.created"] = "sales.relation.created"


@register(SALES_ACCOUNT.name, "relation")
class RelationEndedV1(RelationSnapshot):
    """A relation ended (`ended_at`); it is kept as history."""

    event_type: Literal["sales.relation.ended"] = "sales.relation.ended"


class CustomFieldSnapshot(Event):
    """A custom field definition of accounts, contacts or opportunities."""

    entity: str  # account | contact | opportunity
    key: str
    label: str
    type: str  # text | number | date | select | multi_select
    required: bool = False
    options: list[str] = Field(default_factory=list)


@register(SALES_ACCOUNT.name, "custom-field")
class CustomFieldCreatedV1(CustomFieldSnapshot):
    """An admin added a custom field."""

    event_type: Literal["sales.custom-field.created"] = "sales.custom-field.created"


@register(SALES_ACCOUNT.name, "custom-field")
class CustomFieldUpdatedV1(CustomFieldSnapshot):
    """An admin changed a custom field's label, required flag or options; `changed_fields` names what."""

    event_type: Literal["sales.custom-field.updated"] = "sales.custom-field.updated"
