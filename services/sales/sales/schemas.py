"""Request and response models of the sales API."""

from datetime import UTC, datetime
from typing import Annotated, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
)

from crm_shared.auth import Role

E164 = r"^\+[1-9]\d{6,14}$"

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
RegionName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=E164)]
Password = Annotated[str, StringConstraints(min_length=8, max_length=128)]
Capacity = Annotated[int, Field(ge=0, le=100_000)]
Email = Annotated[EmailStr, AfterValidator(str.lower)]


def _assume_utc(value: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; they were written in UTC
    return value if value.tzinfo else value.replace(tzinfo=UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_assume_utc)]


class _Patch(BaseModel):
    """A partial update: only the fields sent change; `null` is refused where the column needs a value."""

    model_config = ConfigDict(extra="forbid")
    not_null: ClassVar[tuple[str, ...]] = ()

    @field_validator("*")
    @classmethod
    def _refuse_null(cls, value, info):
        if value is None and info.field_name in cls.not_null:
            raise ValueError(f"{info.field_name} cannot be null")
        return value

    def changes(self) -> dict:
        """The fields the client sent, with their values."""
        return self.model_dump(mode="json", exclude_unset=True)


class UserCreate(BaseModel):
    """A new user; only these fields are accepted (ids, hashes and timestamps are never assignable)."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    email: Email
    phone: Phone | None = None
    role: Role = Role.REP
    team_id: str | None = None
    region: RegionName | None = None
    capacity: Capacity = 0
    password: Password


class UserUpdate(_Patch):
    """A change to a user; email is the sign-in name and does not change here."""

    not_null = ("name", "role", "active", "capacity", "password")

    name: Name | None = None
    phone: Phone | None = None
    role: Role | None = None
    team_id: str | None = None
    region: RegionName | None = None
    active: bool | None = None
    capacity: Capacity | None = None
    password: Password | None = None


class UserRead(BaseModel):
    """A user as the API shows it (never the password hash)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    email: str
    phone: str | None
    role: Role
    team_id: str | None
    region: str | None
    active: bool
    capacity: int
    created_at: UtcDatetime
    updated_at: UtcDatetime


class TeamCreate(BaseModel):
    """A new team."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    manager_id: str | None = None
    region: RegionName | None = None


class TeamUpdate(_Patch):
    """A change to a team."""

    not_null = ("name",)

    name: Name | None = None
    manager_id: str | None = None
    region: RegionName | None = None


class TeamRead(BaseModel):
    """A team as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    manager_id: str | None
    region: str | None
    created_at: UtcDatetime
    updated_at: UtcDatetime


class RegionCreate(BaseModel):
    """A new region."""

    model_config = ConfigDict(extra="forbid")

    name: RegionName


class RegionRead(BaseModel):
    """A region as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str


class Token(BaseModel):
    """An OAuth2 bearer token."""

    access_token: str
    token_type: str = "bearer"
