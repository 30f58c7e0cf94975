"""Events published by the sales service: the org directory so far."""

from typing import Literal

from pydantic import Field

from crm_shared.events.base import Event, register
from crm_shared.topics import SALES_ACCOUNT, SALES_CONTACT, SALES_TEAM, SALES_USER


class UserSnapshot(Event):
    """The whole user record as it is after the change (replicas upsert it)."""

    name: str
    email: str
    phone: str | None = None
    role: str
    team_id: str | None = None
    region: str | None = None
    active: bool = True
    capacity: int = 0


@register(SALES_USER.name, "user")
class UserCreatedV1(UserSnapshot):
    """A user joined the org directory."""

    event_type: Literal["sales.user.created"] = "sales.user.created"


@register(SALES_USER.name, "user")
class UserUpdatedV1(UserSnapshot):
    """A user's record changed; `changed_fields` names what."""

    event_type: Literal["sales.user.updated"] = "sales.user.updated"


class TeamSnapshot(Event):
    """The whole team record as it is after the change."""

    name: str
    manager_id: str | None = None
    region: str | None = None


@register(SALES_TEAM.name, "team")
class TeamCreatedV1(TeamSnapshot):
    """A team was created."""

    event_type: Literal["sales.team.created"] = "sales.team.created"


@register(SALES_TEAM.name, "team")
class TeamUpdatedV1(TeamSnapshot):
    """A team changed; `changed_fields` names what."""

    event_type: Literal["sales.team.updated"] = "sales.team.updated"


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


@register(SALES_CONTACT.name, "contact")
class ContactCreatedV1(ContactSnapshot):
    """A contact was created."""

    event_type: Literal["sales.contact.created"] = "sales.contact.created"


@register(SALES_CONTACT.name, "contact")
class ContactUpdatedV1(ContactSnapshot):
    """A contact changed; `changed_fields` names what."""

    event_type: Literal["sales.contact.updated"] = "sales.contact.updated"
