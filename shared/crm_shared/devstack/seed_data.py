"""The demo company the seeder builds: its people, markets, products and how much of everything."""

import random
from dataclasses import dataclass
from datetime import date, timedelta

DEMO_DOMAIN = "demo.example.com"  # every seeded user's e-mail ends with it: how a second run is noticed
PASSWORD = "demo-password-1"  # every seeded user's password (a dev stack only)

REGIONS = ("North", "East", "South", "West")
TEAMS = (  # team name, region, manager, reps (name, region)
    (
        "Enterprise",
        "East",
        "Grace Hopper",
        (("Alan Turing", "East"), ("Ada Byron", "North"), ("Linus Pauling", "East")),
    ),
    (
        "SMB North",
        "North",
        "Edsger Dijkstra",
        (("Barbara Liskov", "North"), ("Ken Thompson", "West"), ("Wang Fang", "North")),
    ),
    (
        "SMB South",
        "South",
        "Katherine Johnson",
        (("Li Wei", "South"), ("Zhang Min", "South"), ("Dennis Ritchie", "West")),
    ),
)
ROUTES = (("Enterprise", ("East",)), ("SMB North", ("North", "West")), ("SMB South", ("South",)))
AGENTS = ("Margaret Hamilton", "Chen Jing", "Tim Berners", "Radia Perlman")
SUPPORT_MANAGER = "Frances Allen"

INDUSTRIES = ("Manufacturing", "Retail", "Healthcare", "Software", "Logistics", "Education", "Finance")
SIZES = ("1-10", "11-50", "51-200", "201-1000", "1000+")
TIERS = ("A", "B", "C")
SOURCES = (  # lead source, weight
    ("web_form", 34),
    ("hotline", 12),
    ("event", 14),
    ("purchased_list", 14),
    ("referral", 10),
    ("manual", 8),
    ("import", 8),
)
CAMPAIGNS = (  # name, channel, cost, months ago it started, length in months
    ("Search ads", "ads", "18000", 11, 12),
    ("Spring expo", "event", "24000", 8, 1),
    ("Newsletter", "email", "3000", 11, 12),
    ("Partner referrals", "partner", "6000", 10, 10),
    ("Autumn webinar", "webinar", "4500", 2, 1),
    ("Industry list", "list", "9000", 6, 2),
)
# purchased prospect lists (name, campaign, imported about this many days ago, share of the year's
# prospects, share verified into leads since): each bought during or just after its campaign
PROSPECT_LISTS = (
    ("Trade directory", None, 320, 0.25, 0.15),
    ("Spring expo visitors", "Spring expo", 230, 0.2, 0.45),
    ("Industry list, batch 1", "Industry list", 178, 0.2, 0.3),
    ("Industry list, batch 2", "Industry list", 160, 0.2, 0.3),
    ("Autumn webinar sign-ups", "Autumn webinar", 45, 0.15, 0.4),
)
CAMPAIGN_OF_SOURCE = {
    "web_form": ("Search ads", "Newsletter", None),
    "event": ("Spring expo", "Autumn webinar"),
    "purchased_list": ("Industry list",),
    "referral": ("Partner referrals", None),
}
PRODUCTS = (
    ("CRM seat", 480),
    ("Support plan", 1200),
    ("Onboarding", 3000),
    ("Analytics add-on", 900),
    ("Telephony bundle", 1500),
)
WIN_REASONS = ("price", "features", "relationship", "fast onboarding")
LOSS_REASONS = ("price too high", "chose competitor", "no budget", "no decision", "missing feature")
COMPETITORS = ("Salesforce", "HubSpot", "Zoho", None)
DISQUALIFY_REASONS = ("no budget", "student", "duplicate inquiry", "wrong country", "not reachable")
TICKET_SUBJECTS = (
    "Cannot log in",
    "Invoice question",
    "Import fails",
    "Slow dashboard",
    "Add a seat",
    "Phone integration down",
    "Export to Excel",
    "Password reset",
    "Feature request",
)
CHANNELS = (("phone", 30), ("email", 30), ("web", 20), ("chat", 15), ("wechat", 5))
PRIORITIES = ("low", "normal", "normal", "high", "urgent")
# the desk's office hours (China has no daylight saving: 09:00-18:00 in Shanghai is 01:00-10:00 UTC)
OFFICE_HOURS = {"timezone": "Asia/Shanghai", "hours": {day: [["09:00", "18:00"]] for day in range(5)}}
OFFICE_HOURS_UTC = {"timezone": "UTC", "hours": {day: [["01:00", "10:00"]] for day in range(5)}}
HOLIDAYS = ("01-01", "05-01", "05-02", "05-03", "10-01", "10-02", "10-03", "10-04", "10-05", "10-06", "10-07")
SLA_POLICIES = (  # priority: targets in business minutes (a 09:00-18:00 day is 540), first response,
    # next update (after a customer's message), resolution
    ("urgent", 30, 60, 480),
    ("high", 60, 240, 1080),
    ("normal", 240, 540, 1620),
    ("low", 480, 1080, 2700),
)
# how fast the story answers and resolves a ticket of each priority (wall-clock hours, low to high): to
# the first reply, and from it to the resolution; on the office hours about five replies in six, and
# five resolutions in six, are in time (fewer for urgent tickets, more for low ones)
TICKET_PACE = {
    "urgent": ((0.05, 0.8), (2, 40)),
    "high": ((0.1, 1.6), (4, 80)),
    "normal": ((0.1, 6), (4, 120)),
    "low": ((0.1, 12), (8, 200)),
}
FIRST = (
    "Anna",
    "Bo",
    "Carlos",
    "Dana",
    "Eli",
    "Fei",
    "Gita",
    "Hao",
    "Ines",
    "Jun",
    "Kai",
    "Lena",
    "Mei",
    "Nico",
    "Olga",
    "Pia",
    "Qiang",
    "Rosa",
    "Sven",
    "Tao",
    "Uma",
    "Vera",
    "Xin",
    "Yuki",
    "Zoe",
)
LAST = ("Smith", "Wang", "Garcia", "Li", "Müller", "Chen", "Rossi", "Liu", "Novak", "Zhao", "Kim", "Silva")
COMPANY_A = ("Blue", "Red", "Swift", "Bright", "Golden", "North", "Silver", "Green", "Great", "Pacific")
COMPANY_B = ("River", "Peak", "Harbor", "Forge", "Field", "Bridge", "Stone", "Cloud", "Lotus", "Orchard")
COMPANY_C = ("Ltd", "Group", "Tech", "Trading", "Labs", "Works", "Foods", "Health", "Logistics")


@dataclass(frozen=True)
class Plan:
    """How much to create; `scale=1` is the newcomer's demo company (about a year of business)."""

    leads: int
    form_leads: int
    accounts: int
    opportunities: int
    tickets: int
    prospects: int

    @classmethod
    def at(cls, scale: float) -> "Plan":
        def n(full: int, least: int) -> int:
            return max(least, round(full * scale))

        return cls(
            leads=n(2400, 20),
            form_leads=n(40, 4),
            accounts=n(160, 6),
            opportunities=n(420, 12),
            tickets=n(320, 10),
            prospects=n(640, 15),
        )


def weighted(rng: random.Random, pairs) -> str:
    names, weights = zip(*pairs, strict=True)
    return rng.choices(names, weights)[0]


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def company(rng: random.Random) -> str:
    return f"{rng.choice(COMPANY_A)} {rng.choice(COMPANY_B)} {rng.choice(COMPANY_C)}"


def slug(text: str) -> str:
    """Lower-case words joined by single dots (`Ines K. Silva` -> `ines.k.silva`), for emails and domains."""
    words = ("".join(ch for ch in word if ch.isascii() and ch.isalnum()) for word in text.lower().split())
    return ".".join(word for word in words if word)


def phone(rng: random.Random) -> str:
    return f"+86138{rng.randrange(10**7, 10**8)}"


def day_in_year(rng: random.Random, today: date, back: int = 360, ahead: int = 0) -> date:
    """A day between `back` days ago and `ahead` days from now."""
    return today + timedelta(days=rng.randint(-back, ahead))


def lines(rng: random.Random) -> list[dict]:
    """One to three order lines of the product catalogue."""
    chosen = rng.sample(PRODUCTS, rng.randint(1, 3))
    return [
        {"product": name, "quantity": rng.choice((1, 2, 5, 10, 20, 50)), "unit_price": price}
        for name, price in chosen
    ]
