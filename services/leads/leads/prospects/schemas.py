"""Request and response models of prospects and campaigns."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

CENT = Decimal("0.01")


class CampaignIn(BaseModel):
    """A campaign's fields."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    channel: str | None = Field(default=None, max_length=50)
    cost: Annotated[Decimal, AfterValidator(lambda amount: amount.quantize(CENT))] = Field(
        default=Decimal("0.00"), ge=0, max_digits=14, decimal_places=2
    )
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    starts_on: date | None = None
    ends_on: date | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> "CampaignIn":
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


class CampaignRead(CampaignIn):
    """A stored campaign."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: str
    created_at: datetime
    updated_at: datetime


class ProspectRead(BaseModel):
    """An imported prospect."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    list_name: str
    row_number: int
    name: str
    email: str | None
    phone: str | None
    company: str | None
    company_domain: str | None
    title: str | None
    region: str | None
    industry: str | None
    campaign: str | None
    status: str
    lead_id: str | None
    imported_at: datetime


class RowIssue(BaseModel):
    """A row an import left out: its number in the file (the header is row 1), the field and why."""

    model_config = ConfigDict(from_attributes=True)

    row: int
    field: str
    reason: str


class ProspectImportRead(BaseModel):
    """What an import stored, and each row it did not (invalid, or a duplicate)."""

    model_config = ConfigDict(from_attributes=True)

    imported: int
    duplicates: list[RowIssue]
    errors: list[RowIssue]
