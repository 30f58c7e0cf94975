"""A batch of lead events made into the rows the lead fold upserts, in one pass, no I/O: each lead's card
(every column group from its newest event that sets it) and the earliest time each lead reached each stage.

A rebuild runs this on every event it reads, so the rules about an event's class are worked out once per
class (`Kind`), each event's time made naive once for both, and only the winners' versions formatted."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from crm_shared.events.base import Event
from crm_shared.events.leads import (
    LeadAssignedV1,
    LeadCapturedV1,
    LeadConvertedV1,
    LeadMergedV1,
    LeadSnapshot,
)
from reporting.leads.funnel import MERGED, STAGE_KINDS, rank_of, stages_of, version_of_key
from reporting.versions import utc_naive

# each group of card columns, with the version column that says which event last set it
GROUPS = (("source", "campaign", "source_version"), ("owner_id", "team_id", "owner_version"),
          ("region", "industry", "profile_version"))
_OWNED = (LeadCapturedV1, LeadAssignedV1, LeadSnapshot, LeadConvertedV1)


@dataclass(frozen=True, slots=True)
class Kind:
    """What an event of one class does to the rows: whether it sets card groups (all three for a snapshot,
    the source one for a capture, the owner one for any, a conversion's only if it names an owner), which
    class its stages are read as, whether it merges another lead away, its rank at an instant."""

    card: bool
    snapshot: bool
    sets_source: bool
    conversion: bool
    stages: type | None
    merge: bool
    rank: int

    @classmethod
    def of(cls, event_class: type) -> "Kind":
        snapshot = issubclass(event_class, LeadSnapshot)
        return cls(card=issubclass(event_class, _OWNED), snapshot=snapshot,
                   sets_source=snapshot or issubclass(event_class, LeadCapturedV1),
                   conversion=issubclass(event_class, LeadConvertedV1),
                   stages=next((kind for kind in STAGE_KINDS if issubclass(event_class, kind)), None),
                   merge=issubclass(event_class, LeadMergedV1), rank=rank_of(event_class))


_KINDS: dict[type, Kind] = {}


def kind_of(event: Event) -> Kind:
    """The rules of the event's class (worked out once per class)."""
    kind = _KINDS.get(type(event))
    if kind is None:
        kind = _KINDS[type(event)] = Kind.of(type(event))
    return kind


def batch_rows(events: Sequence[Event]) -> tuple[list[dict], list[dict]]:
    """The card rows (one per lead, sorted by lead: an empty version where no event of the batch sets a
    group, which never overwrites a stored one) and stage fact rows (sorted by lead and stage) of a batch.

    Events are compared by a key (naive UTC time, rank, id) that orders them as their `version` strings do;
    only the winners' versions are made (`funnel.version_of_key`)."""
    newest: dict[str, list] = {}  # lead id -> (order key, event) setting the source, owner, profile groups
    earliest: dict[tuple[str, str], datetime] = {}
    kinds = _KINDS
    for event in events:
        kind = kinds.get(type(event))  # `kind_of`, inline: this loop runs for every event a rebuild reads
        if kind is None:
            kind = kinds[type(event)] = Kind.of(type(event))
        if not (kind.card or kind.stages or kind.merge):
            continue
        at, lead = utc_naive(event.occurred_at), event.aggregate_id
        if kind.card:
            # a conversion that names no owner leaves ownership as it was
            sets_owner = not kind.conversion or event.owner_id is not None or event.team_id is not None
            if kind.sets_source or sets_owner:
                won = ((at, kind.rank, event.event_id), event)
                groups = newest.get(lead)
                if groups is None:
                    newest[lead] = [won if kind.sets_source else None, won if sets_owner else None,
                                    won if kind.snapshot else None]
                else:
                    for index, sets in ((0, kind.sets_source), (1, sets_owner), (2, kind.snapshot)):
                        if sets and (groups[index] is None or won[0] > groups[index][0]):
                            groups[index] = won
        keys = [(lead, stage) for stage in stages_of(kind.stages, event)] if kind.stages else []
        if kind.merge:  # the lead merged away leaves the funnel
            keys.append((event.merged_lead_id, MERGED))
        for key in keys:
            known = earliest.get(key)
            if known is None or at < known:
                earliest[key] = at
    stages = [{"lead_id": lead, "stage": stage, "reached_at": at}
              for (lead, stage), at in sorted(earliest.items())]
    return _cards(newest), stages


def _cards(newest: dict[str, list]) -> list[dict]:
    """A row per lead, its groups' columns from their winning events (each winner's version made once)."""
    versions: dict[int, str] = {}
    rows = []
    for lead_id in sorted(newest):  # one lock order across replicas
        card = {"lead_id": lead_id}
        for (first, second, version), found in zip(GROUPS, newest[lead_id], strict=True):
            if found is None:
                card[first], card[second], card[version] = None, None, ""
                continue
            key, event = found
            text = versions.get(id(event))
            if text is None:
                text = versions[id(event)] = version_of_key(key)
            card[first], card[second], card[version] = getattr(event, first), getattr(event, second), text
        rows.append(card)
    return rows
