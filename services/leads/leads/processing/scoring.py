"""Explainable lead scoring: rules to points, every point with a reason. No I/O."""

from dataclasses import dataclass, field

from leads.processing.normalize import email_domain, is_free_email

KINDS = (
    "completeness",
    "source",
    "email_domain",
    "region",
    "industry",
    "page_visits",
    "time_on_site",
    "repeated_interest",
    "custom_field",
)


@dataclass(frozen=True)
class Rule:
    """A scoring rule as configured: what it looks at (`kind`, `params`) and the points it gives."""

    id: str
    kind: str
    points: int
    params: dict = field(default_factory=dict)
    label: str = ""


@dataclass(frozen=True)
class Facts:
    """What scoring looks at: the lead's fields and its visitors' behaviour."""

    fields: dict[str, str | None]
    source: str
    custom_fields: dict[str, str]
    page_visits: int = 0
    seconds_on_site: int = 0
    submissions: int = 1


@dataclass(frozen=True)
class Point:
    """One line of the breakdown."""

    rule_id: str
    kind: str
    points: int
    reason: str


DEFAULT_RULES = (
    Rule("default-complete-email", "completeness", 5, {"field": "email"}),
    Rule("default-complete-phone", "completeness", 5, {"field": "phone"}),
    Rule("default-complete-company", "completeness", 10, {"field": "company"}),
    Rule("default-complete-title", "completeness", 5, {"field": "title"}),
    Rule("default-corporate-email", "email_domain", 15, {"type": "corporate"}),
    Rule("default-free-email", "email_domain", -5, {"type": "free"}),
    Rule("default-source-referral", "source", 20, {"sources": ["referral"]}),
    Rule("default-source-event", "source", 10, {"sources": ["event"]}),
    Rule("default-source-web", "source", 5, {"sources": ["web_form"]}),
    Rule("default-visits", "page_visits", 10, {"min": 3}),
    Rule("default-time", "time_on_site", 10, {"min_seconds": 120}),
    Rule("default-repeat", "repeated_interest", 15, {"min_submissions": 2}),
)


def score(rules: list[Rule], facts: Facts) -> tuple[int, list[Point]]:
    """The total and the breakdown: one line per rule that applied."""
    breakdown = [
        Point(rule.id, rule.kind, rule.points, reason)
        for rule in rules
        if (reason := _applies(rule, facts)) is not None
    ]
    return sum(point.points for point in breakdown), breakdown


def _applies(rule: Rule, facts: Facts) -> str | None:  # noqa: PLR0911 - one branch per kind
    params, label = rule.params, f" ({rule.label})" if rule.label else ""
    if rule.kind == "completeness":
        name = params.get("field", "")
        value = facts.fields.get(name) or facts.custom_fields.get(name)
        return f"{name} given{label}" if value else None
    if rule.kind == "source":
        return f"source is {facts.source}{label}" if facts.source in params.get("sources", []) else None
    if rule.kind == "email_domain":
        address = facts.fields.get("email")
        if not address:
            return None
        free = is_free_email(address)
        wanted_free = params.get("type") == "free"
        kind = "free" if free else "corporate"
        return f"{kind} email domain {email_domain(address)}{label}" if free == wanted_free else None
    if rule.kind in ("region", "industry"):
        value = facts.fields.get(rule.kind)
        values = {v.lower() for v in params.get(f"{rule.kind}s", params.get("values", []))}
        return f"{rule.kind} is {value}{label}" if value and value.lower() in values else None
    if rule.kind == "page_visits":
        least = int(params.get("min", 1))
        return (
            f"{facts.page_visits} page visits (at least {least}){label}"
            if facts.page_visits >= least
            else None
        )
    if rule.kind == "time_on_site":
        least = int(params.get("min_seconds", 60))
        seconds = facts.seconds_on_site
        return f"{seconds}s on the site (at least {least}s){label}" if seconds >= least else None
    if rule.kind == "repeated_interest":
        least = int(params.get("min_submissions", 2))
        return (
            f"{facts.submissions} submissions (at least {least}){label}"
            if facts.submissions >= least
            else None
        )
    if rule.kind == "custom_field":
        name, value = params.get("field", ""), facts.custom_fields.get(params.get("field", ""))
        values = {str(v).lower() for v in params.get("values", [])}
        return f"{name} is {value}{label}" if value and value.lower() in values else None
    return None
