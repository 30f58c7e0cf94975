"""Lead funnel rules, no I/O: which stages an event proves a lead reached, versions, rates."""

from datetime import datetime
from functools import cache
from uuid import UUID

from crm_shared.events.base import Event
from crm_shared.events.leads import LeadCapturedV1, LeadConvertedV1, LeadDisqualifiedV1, LeadSnapshot
from reporting.versions import version_of

STAGES = ("captured", "contacted", "qualified", "converted")
DISQUALIFIED = "disqualified"
MERGED = "merged"  # the lead was a duplicate, folded into another: it leaves every count
COLUMNS = (*STAGES, DISQUALIFIED)


def version(event: Event) -> str:
    """A string that orders changes by event time (compare as strings); at the same instant a capture
    comes before any later change of the lead, and the event id breaks the remaining ties."""
    return version_of(event, rank_of(type(event)))


def version_of_key(key: tuple[datetime, int, UUID]) -> str:
    """The `version` of an event made from its key (naive UTC time, rank, id), which orders events as their
    versions do: `version_of`'s text at half the cost (the naive time's ISO text, without an offset)."""
    at, rank, event_id = key
    return f"{at.isoformat('T', 'microseconds')}|{rank}|{event_id}"


@cache
def rank_of(cls: type) -> int:
    """A capture's changes rank first at their instant (worked out once per class)."""
    return 0 if issubclass(cls, LeadCapturedV1) else 1


STAGE_KINDS = (LeadCapturedV1, LeadConvertedV1, LeadDisqualifiedV1, LeadSnapshot)  # what stages are read from


def stages_of(kind: type | None, event: Event) -> tuple[str, ...]:
    """The stages an event whose class is `kind` (the first of `STAGE_KINDS` it is) shows the lead has
    reached; a later stage implies every earlier one."""
    if kind is LeadCapturedV1:
        return _THROUGH.get(event.status, _CAPTURED)
    if kind is LeadConvertedV1:
        return STAGES
    if kind is LeadDisqualifiedV1:
        return _DISQUALIFIED
    if kind is LeadSnapshot:
        if event.status == DISQUALIFIED:
            return _DISQUALIFIED
        return _THROUGH.get(event.status, _CAPTURED)
    return ()


_THROUGH = {stage: STAGES[: index + 1] for index, stage in enumerate(STAGES)}  # a stage and those before it
_CAPTURED, _DISQUALIFIED = ("captured",), ("captured", DISQUALIFIED)


def rates(counts: dict[str, int]) -> dict[str, float | None]:
    """Stage-to-stage conversion rates and the overall captured → converted rate (None when 0/0)."""
    result: dict[str, float | None] = {}
    for previous, stage in zip(STAGES, STAGES[1:], strict=False):
        result[stage] = _ratio(counts.get(stage, 0), counts.get(previous, 0))
    result["overall"] = _ratio(counts.get("converted", 0), counts.get("captured", 0))
    return result


def speed_to_lead(hours: list[float]) -> dict:
    """How fast leads were first contacted: how many, the average and the median, in hours."""
    if not hours:
        return {"count": 0, "average": None, "median": None}
    ordered = sorted(hours)
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    average = sum(ordered) / len(ordered)
    return {"count": len(ordered), "average": round(average, 2), "median": round(median, 2)}


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def speed_to_lead_counted(hours: dict[float, int]) -> dict:
    """`speed_to_lead` of a multiset given as {hours: how many leads}."""
    count = sum(hours.values())
    if not count:
        return {"count": 0, "average": None, "median": None}
    ordered = sorted(hours.items())

    def nth(n: int) -> float:  # the n-th smallest value, from 0
        for value, many in ordered:
            if n < many:
                return value
            n -= many
        raise IndexError(n)

    middle = count // 2
    median = nth(middle) if count % 2 else (nth(middle - 1) + nth(middle)) / 2
    average = sum(value * many for value, many in ordered) / count
    return {"count": count, "average": round(average, 2), "median": round(median, 2)}
