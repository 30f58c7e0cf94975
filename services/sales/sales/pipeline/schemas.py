"""Request and response models of pipelines and opportunities."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from sales.schemas import Name, UtcDatetime, _Patch

StageName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Currency = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$")]
Amount = Annotated[
    Decimal,
    Field(ge=0, max_digits=16, decimal_places=2),
    AfterValidator(lambda value: value.quantize(Decimal("0.01"))),
]
ForecastCategory = Literal["pipeline", "best_case", "commit", "closed", "omitted"]
StageType = Literal["open", "won", "lost"]
ContactRoleName = Literal["decision_maker", "influencer", "user"]


class StageIn(BaseModel):
    """A stage of a pipeline; send `id` to keep an existing stage when replacing the list."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    name: StageName
    probability: Annotated[int, Field(ge=0, le=100)]
    forecast_category: ForecastCategory
    type: StageType = "open"
    rotting_days: Annotated[int, Field(ge=1, le=3650)] | None = None


class PipelineCreate(BaseModel):
    """A new pipeline with its stages in order."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    team_id: str | None = None
    is_default: bool = False
    stages: Annotated[list[StageIn], Field(min_length=3, max_length=30)]


class StagesReplace(BaseModel):
    """The whole ordered stage list of a pipeline."""

    model_config = ConfigDict(extra="forbid")

    stages: Annotated[list[StageIn], Field(min_length=3, max_length=30)]


class StageRead(BaseModel):
    """A stage as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    position: int
    probability: int
    forecast_category: str
    type: str
    rotting_days: int | None


class PipelineRead(BaseModel):
    """A pipeline with its ordered stages."""

    id: str
    name: str
    team_id: str | None
    is_default: bool
    stages: list[StageRead]


class LineIn(BaseModel):
    """A product line; its amount is quantity × unit price."""

    model_config = ConfigDict(extra="forbid")

    product: Name
    quantity: Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=4)]
    unit_price: Amount


class ContactRoleIn(BaseModel):
    """A contact's role on the opportunity."""

    model_config = ConfigDict(extra="forbid")

    contact_id: str
    role: ContactRoleName


class OpportunityCreate(BaseModel):
    """A new opportunity; the amount defaults to the sum of the lines; the stage to the pipeline's first."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    account_id: str
    pipeline_id: str | None = None
    stage_id: str | None = None
    owner_id: str | None = None
    amount: Amount | None = None
    currency: Currency = "CNY"
    expected_close_date: date | None = None
    lines: Annotated[list[LineIn], Field(max_length=200)] = []
    contact_roles: Annotated[list[ContactRoleIn], Field(max_length=50)] = []
    source_type: StageName | None = None
    source_id: StageName | None = None
    custom_fields: dict[str, Any] = {}


class OpportunityUpdate(_Patch):
    """A change to an open opportunity's data (the stage moves through its own endpoints)."""

    not_null = ("name", "owner_id", "amount", "currency", "lines", "contact_roles")

    name: Name | None = None
    owner_id: str | None = None
    amount: Amount | None = None
    currency: Currency | None = None
    expected_close_date: date | None = None
    lines: Annotated[list[LineIn], Field(max_length=200)] | None = None
    contact_roles: Annotated[list[ContactRoleIn], Field(max_length=50)] | None = None
    custom_fields: dict[str, Any] | None = None  # merged: a null value removes that field


class StageMove(BaseModel):
    """Move an open opportunity to another open stage of its pipeline."""

    model_config = ConfigDict(extra="forbid")

    stage_id: str


class CloseWon(BaseModel):
    """Win an opportunity: the reason is required."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason
    competitor: Name | None = None


class CloseLost(BaseModel):
    """Lose an opportunity: the reason is required, the competitor who won it is optional."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason
    competitor: Name | None = None


class LineRead(BaseModel):
    """A product line as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    product: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


class OpportunityRead(BaseModel):
    """An opportunity as the API shows it; `stale` when it sat in its stage past the rotting days."""

    id: str
    name: str
    account_id: str
    pipeline_id: str
    stage_id: str
    stage_name: str
    owner_id: str | None
    team_id: str | None
    amount: Decimal
    currency: str
    expected_close_date: date | None
    status: str
    probability: int
    forecast_category: str
    stage_entered_at: UtcDatetime
    stale: bool
    close_reason: str | None
    competitor: str | None
    closed_at: UtcDatetime | None
    lines: list[LineRead]
    contact_roles: list[ContactRoleIn]
    source_type: str | None
    source_id: str | None
    custom_fields: dict[str, Any] | None
    created_at: UtcDatetime
    updated_at: UtcDatetime


class StageVisitRead(BaseModel):
    """One stay in a stage."""

    model_config = ConfigDict(from_attributes=True)

    stage_id: str
    stage_name: str
    probability: int
    forecast_category: str
    entered_at: UtcDatetime
    left_at: UtcDatetime | None
    duration_seconds: float | None
