"""Explainable routing: the first matching rule picks a team, a strategy picks a rep. No I/O."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Route:
    """A routing rule as configured (empty conditions match everything: a catch-all)."""

    id: str
    name: str
    team_id: str
    strategy: str  # round_robin | least_loaded
    conditions: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Candidate:
    """A rep of the team with their open-lead load and capacity (0 = no limit)."""

    user_id: str
    load: int
    capacity: int

    @property
    def has_room(self) -> bool:
        """Whether one more lead fits."""
        return self.capacity <= 0 or self.load < self.capacity


def matches(conditions: dict, inputs: dict) -> bool:
    """Whether every condition holds for the lead's inputs."""
    for key, wanted in conditions.items():
        if key == "score_min":
            if inputs.get("score", 0) < wanted:
                return False
        elif key == "score_max":
            if inputs.get("score", 0) > wanted:
                return False
        elif key == "custom":
            custom = inputs.get("custom_fields", {})
            for name, values in wanted.items():
                if str(custom.get(name, "")).lower() not in {str(v).lower() for v in values}:
                    return False
        elif str(inputs.get(key) or "").lower() not in {str(v).lower() for v in wanted}:
            return False
    return True


def first_match(routes: list[Route], inputs: dict) -> Route | None:
    """The first rule, in order, whose conditions hold."""
    return next((route for route in routes if matches(route.conditions, inputs)), None)


def choose(strategy: str, candidates: list[Candidate], last_user_id: str | None) -> Candidate | None:
    """The rep to assign: the next with room after `last_user_id` (round robin) or the least loaded."""
    ordered = sorted(candidates, key=lambda c: c.user_id)
    with_room = [c for c in ordered if c.has_room]
    if not with_room:
        return None
    if strategy == "least_loaded":
        return min(with_room, key=lambda c: (c.load, c.user_id))
    after = [c for c in with_room if last_user_id is None or c.user_id > last_user_id]
    return (after or with_room)[0]
