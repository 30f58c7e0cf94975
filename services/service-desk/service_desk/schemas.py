"""Response models of the service-desk API."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class AgentRead(BaseModel):
    """An agent or manager as the desk's directory replica holds them."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    email: str
    phone: str | None
    role: str
    team_id: str | None
    region: str | None
    active: bool
    capacity: int
    updated_at: datetime
