"""Pipeline rules without I/O: stage list validity, durations, rotting."""

from collections import Counter
from datetime import UTC, datetime, timedelta

from crm_shared.http.problems import InvalidError

FORECAST_CATEGORIES = ("pipeline", "best_case", "commit", "closed", "omitted")
STAGE_TYPES = ("open", "won", "lost")

DEFAULT_PIPELINE = "Sales"
DEFAULT_STAGES = (
    # name, probability, forecast category, type, rotting days
    ("Qualification", 10, "pipeline", "open", 14),
    ("Needs analysis", 20, "pipeline", "open", 14),
    ("Demo", 40, "best_case", "open", 14),
    ("Proposal", 60, "best_case", "open", 21),
    ("Negotiation", 80, "commit", "open", 21),
    ("Won", 100, "closed", "won", None),
    ("Lost", 0, "omitted", "lost", None),
)


def check_stage_list(stages: list) -> None:
    """A pipeline needs unique stage names, at least one open stage, and exactly one won and one lost
    stage (422 on `stages` otherwise)."""
    names = Counter(stage.name.casefold() for stage in stages)
    if any(count > 1 for count in names.values()):
        raise InvalidError("stage names must be unique within a pipeline", field="stages")
    types = Counter(stage.type for stage in stages)
    if not types["open"] or types["won"] != 1 or types["lost"] != 1:
        raise InvalidError(
            "a pipeline needs open stages and exactly one won and one lost stage", field="stages"
        )


def aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def seconds_between(start: datetime, end: datetime) -> float:
    """How long from start to end, in seconds."""
    return (aware(end) - aware(start)).total_seconds()


def rots_at(entered_at: datetime, rotting_days: int | None, stage_type: str) -> datetime | None:
    """When an opportunity that entered an open stage goes stale if it does not move (never: None)."""
    if stage_type != "open" or rotting_days is None:
        return None
    return aware(entered_at) + timedelta(days=rotting_days)


def is_stale(status: str, rots: datetime | None, now: datetime) -> bool:
    """Whether an opportunity sat longer in its open stage than the stage's rotting days allow."""
    return status == "open" and rots is not None and aware(rots) <= aware(now)
