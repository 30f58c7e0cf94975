"""Request and response models of queues and agent profiles."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Strategy = Literal["manual", "round_robin", "least_loaded", "skills"]


class QueueCreate(BaseModel):
    """A new queue."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    team_id: str | None = None
    manager_id: str | None = None
    skills: list[str] = Field(default_factory=list, max_length=50)
    strategy: Strategy = "manual"
    members: list[str] = Field(default_factory=list, max_length=500)


class QueueUpdate(BaseModel):
    """Changes to a queue; `members` replaces the member list."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    manager_id: str | None = None
    skills: list[str] | None = Field(default=None, max_length=50)
    strategy: Strategy | None = None
    members: list[str] | None = Field(default=None, max_length=500)


class QueueRead(BaseModel):
    """A queue with its members."""

    id: str
    name: str
    team_id: str | None
    manager_id: str | None
    skills: list[str]
    strategy: str
    members: list[str]


class ProfileUpdate(BaseModel):
    """An agent's availability and skills."""

    model_config = ConfigDict(extra="forbid")

    available: bool | None = None
    skills: list[str] | None = Field(default=None, max_length=50)


class ProfileRead(BaseModel):
    """An agent's desk profile."""

    model_config = ConfigDict(from_attributes=True)

    agent_id: str
    available: bool
    skills: list[str]
