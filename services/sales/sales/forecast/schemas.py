"""Request and response models of quotas and the forecast."""

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator

from sales.forecast.domain import period_range
from sales.pipeline.schemas import Amount, Currency


def _period(value: str) -> str:
    period_range(value)
    return value


Period = Annotated[str, AfterValidator(_period)]
GroupBy = Literal["owner", "team", "all"]


class QuotaCreate(BaseModel):
    """A target for one user or one team over a month, quarter or year."""

    model_config = ConfigDict(extra="forbid")

    user_id: str | None = None
    team_id: str | None = None
    period: Period
    amount: Amount
    currency: Currency = "CNY"

    @model_validator(mode="after")
    def _one_target(self) -> "QuotaCreate":
        if (self.user_id is None) == (self.team_id is None):
            raise ValueError("give exactly one of user_id or team_id")
        return self


class QuotaUpdate(BaseModel):
    """A corrected quota: its amount and/or currency (the target and period stay)."""

    model_config = ConfigDict(extra="forbid")

    amount: Amount | None = None
    currency: Currency | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> "QuotaUpdate":
        for field in self.model_fields_set:
            if getattr(self, field) is None:
                raise ValueError(f"{field} cannot be null")
        return self


class QuotaRead(BaseModel):
    """A quota as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    user_id: str | None
    team_id: str | None
    period: str
    amount: Decimal
    currency: str


class CategoryFigures(BaseModel):
    """Open deals of one forecast category closing in the period."""

    count: int
    amount: Decimal
    weighted: Decimal


class ForecastLine(BaseModel):
    """One group's forecast (`group` is the owner or team id; null for the whole visible book)."""

    group: str | None
    categories: dict[str, CategoryFigures]
    weighted_pipeline: Decimal
    won: Decimal
    quota: Decimal
    attainment: Decimal | None
    year_end_projection: Decimal


class ForecastRead(BaseModel):
    """The forecast of a period."""

    period: str
    group_by: GroupBy
    currency: str
    lines: list[ForecastLine]
