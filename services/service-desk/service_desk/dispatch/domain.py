"""Dispatch rules: pick an agent by round robin, least load, or skills, within availability and capacity."""

from dataclasses import dataclass

STRATEGIES = ("manual", "round_robin", "least_loaded", "skills")


@dataclass(frozen=True)
class Candidate:
    """A queue member as dispatch sees them."""

    agent_id: str
    available: bool
    load: int  # active tickets assigned now
    capacity: int  # 0 means no limit set
    skills: frozenset[str] = frozenset()

    @property
    def has_room(self) -> bool:
        """Whether the agent may take one more ticket."""
        return self.capacity == 0 or self.load < self.capacity


@dataclass(frozen=True)
class Decision:
    """Who gets the ticket, and why (the reason goes into the event)."""

    agent_id: str
    reason: str


def choose(
    strategy: str,
    candidates: list[Candidate],
    *,
    required_skills: list[str] | None = None,
    last_assignee_id: str | None = None,
) -> Decision | None:
    """The agent the strategy picks among available members with room, or None if nobody fits."""
    ready = sorted((c for c in candidates if c.available and c.has_room), key=lambda c: c.agent_id)
    skipped = len(candidates) - len(ready)
    if strategy == "round_robin" and ready:
        after = [c for c in ready if last_assignee_id is None or c.agent_id > last_assignee_id]
        pick = (after or ready)[0]
        return Decision(
            pick.agent_id,
            f"round robin: next after {last_assignee_id or 'nobody'} among "
            f"{len(ready)} available agents with room ({skipped} skipped)",
        )
    if strategy == "least_loaded" and ready:
        pick = min(ready, key=lambda c: (c.load, c.agent_id))
        return Decision(
            pick.agent_id,
            f"least loaded: {pick.load} active tickets, capacity "
            f"{pick.capacity or 'unlimited'} ({len(ready)} candidates)",
        )
    if strategy == "skills":
        needed = frozenset(required_skills or ())
        skilled = [c for c in ready if needed <= c.skills]
        if skilled:
            pick = min(skilled, key=lambda c: (c.load, c.agent_id))
            return Decision(
                pick.agent_id,
                f"skills {sorted(needed)}: {len(skilled)} of {len(ready)} available "
                f"agents qualify; the least loaded has {pick.load} active tickets",
            )
    return None
