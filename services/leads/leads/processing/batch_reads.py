"""What a run of submissions reads, each kind in one query, then kept current in memory as the run
creates and merges leads, so that every submission sees what it would see processed one by one."""

from collections import defaultdict

from sqlalchemy import func, or_, select

from crm_shared.messaging.uow import UnitOfWork
from leads.forms.models import Submission
from leads.models import Lead
from leads.processing.models import PageVisit
from leads.processing.scorer import lead_facts
from leads.processing.scoring import Facts

LABELS = ("email", "phone", "company domain and name")


def lead_keys(lead: Lead | None = None, values: dict | None = None) -> dict[str, tuple | None]:
    """The dedupe keys of a lead (or of normalized values), by label; None where a field is empty."""
    get = (lambda f: getattr(lead, f)) if lead is not None else (lambda f: (values or {}).get(f))
    email, phone, domain, name = get("email"), get("phone"), get("company_domain"), get("name")
    return {
        "email": (email,) if email else None,
        "phone": (phone,) if phone else None,
        "company domain and name": (domain, name.lower()) if domain and name else None,
    }


class LeadIndex:
    """Alive leads by email, phone, and company domain with name: the stored candidates of a run, and
    the leads it creates or fills in (the oldest lead wins, as `find_duplicate` picks)."""

    def __init__(self) -> None:
        self._by: dict[str, dict[tuple, list[Lead]]] = {label: defaultdict(list) for label in LABELS}

    @classmethod
    async def load(cls, uow: UnitOfWork, values: list[dict]) -> "LeadIndex":
        """Index the stored alive leads sharing an email, phone or company domain and name with `values`."""
        index, keys = cls(), [lead_keys(values=v) for v in values]
        emails = sorted({k["email"][0] for k in keys if k["email"]})
        phones = sorted({k["phone"][0] for k in keys if k["phone"]})
        pairs = {k["company domain and name"] for k in keys if k["company domain and name"]}
        checks = []
        if emails:
            checks.append(Lead.email.in_(emails))
        if phones:
            checks.append(Lead.phone.in_(phones))
        if pairs:  # both columns of the (domain, lower(name)) index; the cross pairs are dropped below
            domains, names = sorted({d for d, _ in pairs}), sorted({n for _, n in pairs})
            checks.append(Lead.company_domain.in_(domains) & func.lower(Lead.name).in_(names))
        if checks:
            query = select(Lead).where(Lead.merged_into_id.is_(None), or_(*checks))
            for lead in (await uow.session.execute(query)).scalars():
                index.add(lead)
        return index

    def add(self, lead: Lead) -> None:
        """Index the lead under its current keys (again after a merge filled some in)."""
        for label, key in lead_keys(lead).items():
            if key is not None and lead not in self._by[label][key]:
                self._by[label][key].append(lead)

    def find(self, values: dict) -> tuple[Lead | None, str | None]:
        """The lead with the same email, else phone, else company domain and name; and which matched."""
        for label, key in lead_keys(values=values).items():
            found = (
                [lead for lead in self._by[label].get(key, ()) if lead.merged_into_id is None] if key else []
            )
            if found:
                return min(found, key=lambda lead: (lead.created_at, lead.id)), label
        return None, None

    def stored(self) -> list[Lead]:
        """Every indexed lead."""
        return list(
            {id(lead): lead for by_key in self._by.values() for ls in by_key.values() for lead in ls}.values()
        )


class Behaviour:
    """What scoring counts for the run's leads: each lead's posts and visitor ids, and page visits by
    visitor id (read once; page visits only change through `/track`, in transactions of their own)."""

    def __init__(self) -> None:
        self.posts: dict[str, int] = defaultdict(int)
        self.visitors: dict[str, set[str]] = defaultdict(set)
        self.visits: dict[str, tuple[int, int]] = {}

    @classmethod
    async def load(cls, uow: UnitOfWork, submissions: list[Submission], leads: list[Lead]) -> "Behaviour":
        """The stored posts of these leads, and the visits of every visitor id the run could count."""
        known = cls()
        if leads:
            rows = await uow.session.execute(
                select(Submission.lead_id, Submission.visitor_id).where(
                    Submission.lead_id.in_([lead.id for lead in leads])
                )
            )
            for lead_id, visitor_id in rows.all():
                known.attach(lead_id, visitor_id)
        visitors = {s.visitor_id for s in submissions} | {lead.visitor_id for lead in leads}
        visitors |= {v for vs in known.visitors.values() for v in vs}
        visitors.discard(None)
        if visitors:
            rows = await uow.session.execute(
                select(
                    PageVisit.visitor_id,
                    func.count(PageVisit.id),
                    func.coalesce(func.sum(PageVisit.seconds), 0),
                )
                .where(PageVisit.visitor_id.in_(sorted(visitors)))
                .group_by(PageVisit.visitor_id)
            )
            known.visits = {visitor: (int(n), int(seconds)) for visitor, n, seconds in rows.all()}
        return known

    def attach(self, lead_id: str, visitor_id: str | None) -> None:
        """Count a submission of the lead (stored, or linked to it in this run)."""
        self.posts[lead_id] += 1
        if visitor_id:
            self.visitors[lead_id].add(visitor_id)

    def facts(self, lead: Lead, new: bool = False) -> Facts:
        """The lead's facts as `facts_of` reads them (a `new` lead: its own visitor id and one post)."""
        visitors = set() if new else set(self.visitors.get(lead.id, ()))
        if lead.visitor_id:
            visitors.add(lead.visitor_id)
        seen = [self.visits.get(v, (0, 0)) for v in visitors]
        posts = 1 if new else self.posts.get(lead.id, 0)
        return lead_facts(lead, sum(n for n, _ in seen), sum(s for _, s in seen), posts)
