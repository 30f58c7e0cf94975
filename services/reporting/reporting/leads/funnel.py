"""Lead funnel rules, no I/O: which stages an event proves a lead reached, versions, rates."""

from datetime import datetime
from functools import cache
from uuid import UUID

from crm_shared.events.base import Event
from crm_shared.events.leads import LeadCapturedV1, LeadConvertedV1, LeadDisqualifiedV1, LeadSnapshot
from reporting.versions import utc_naive, version_of

STAGES = ("captured", "contacted", "qualified", "converted")
DISQUALIFIED = "disqualified"
MERGED = "merged"  # the lead was a duplicate, folded into another: it leaves every count
COLUMNS = (*STAGES, DISQUALIFIED)


def version(event: Event) -> str:
    """A string that orders changes by event time (compare as strings); at the same instant a capture
    comes before any later change of the lead, and the event id breaks the remaining ties."""
    return version_of(event, rank_of(type(event)))


def order_key(event: Event) -> tuple[datetime, int, UUID]:
    """A key that orders events exactly as their `version` strings do (naive UTC time, rank, event id),
    cheaper to make: the string's time is fixed-width ISO text and its id the UUID's fixed-width hex."""
    return utc_naive(event.occurred_at), rank_of(type(event)), event.event_id


def version_of_key(key: tuple[datetime, int, UUID]) -> str:
    """The `version` of the event whose `order_key` this is, made from it (`version_of`'s text, at half the
    cost: the naive time's ISO text is made without an aware time's offset)."""
    at, rank, event_id = key
    return f"{at.isoformat('T', 'microseconds')}|{rank}|{event_id}"


@cache
def rank_of(cls: type) -> int:
    """A capture's changes rank first at their instant (worked out once per class)."""
    return 0 if issubclass(cls, LeadCapturedV1) else 1


STAGE_KINDS = (LeadCapturedV1, LeadConvertedV1, LeadDisqualifiedV1, LeadSnapshot)  # what stages are read from


@cache
def _kind(cls: type) -> type | None:
    """The first of `STAGE_KINDS` that `cls` is (worked out once per class: `isinstance` chains per event
    were a few % of a rebuild's folding)."""
    return next((kind for kind in STAGE_KINDS if issubclass(cls, kind)), None)


def stages_reached(event: Event) -> tuple[str, ...]:
    """The stages the event shows the lead has reached; a later stage implies every earlier one."""
    return stages_of(_kind(type(event)), event)


def stages_of(kind: type | None, event: Event) -> tuple[str, ...]:
    """`stages_reached` of an event whose class is `kind` first among `STAGE_KINDS`."""
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
