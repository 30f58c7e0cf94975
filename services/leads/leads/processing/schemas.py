"""Request and response models of scoring rules, routing rules and behaviour tracking."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from leads.processing.scoring import KINDS

Values = Annotated[list[str], Field(max_length=200)]
NUMBERS = ("min", "min_seconds", "min_submissions")
LISTS = ("sources", "regions", "industries", "values")


class ScoringRuleIn(BaseModel):
    """One scoring rule (see the README for each kind's params)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal[KINDS]  # type: ignore[valid-type]
    params: dict[str, str | int | list[str]] = Field(default_factory=dict)
    points: int = Field(ge=-1000, le=1000)
    label: str = Field(default="", max_length=200)
    active: bool = True

    @model_validator(mode="after")
    def _params_fit_the_kind(self) -> "ScoringRuleIn":
        for name, value in self.params.items():
            if name in NUMBERS and not isinstance(value, int):
                raise ValueError(f"params.{name} must be a whole number")
            if name in LISTS and not isinstance(value, list):
                raise ValueError(f"params.{name} must be a list of strings")
            if name in ("field", "type") and not isinstance(value, str):
                raise ValueError(f"params.{name} must be a string")
        return self


class ScoringRuleRead(ScoringRuleIn):
    """A stored scoring rule."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: str
    position: int


class RoutingConditions(BaseModel):
    """What a lead must look like for a rule to match; empty = a catch-all."""

    model_config = ConfigDict(extra="forbid")

    region: Values | None = None
    industry: Values | None = None
    source: Values | None = None
    campaign: Values | None = None
    score_min: int | None = None
    score_max: int | None = None
    custom: dict[str, Values] | None = None


class RoutingRuleIn(BaseModel):
    """One routing rule; rules are tried in list order, the first match wins."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    conditions: RoutingConditions = Field(default_factory=RoutingConditions)
    team_id: str = Field(min_length=1, max_length=36)
    strategy: Literal["round_robin", "least_loaded"] = "round_robin"
    active: bool = True


class RoutingRuleRead(BaseModel):
    """A stored routing rule."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    position: int
    name: str
    conditions: dict
    team_id: str
    strategy: str
    active: bool


class TrackIn(BaseModel):
    """A page view: the visitor id (or the cookie), the page and the seconds spent on it."""

    model_config = ConfigDict(extra="forbid")

    visitor_id: str | None = Field(default=None, min_length=1, max_length=100)
    page_url: str = Field(min_length=1, max_length=2000)
    seconds: int = Field(default=0, ge=0, le=86_400)
