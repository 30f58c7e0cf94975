"""Sales events of the org directory: users and teams."""

from typing import Literal

from crm_shared.events.base import Event, register
from crm_shared.topics import SALES_TEAM, SALES_USER


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
