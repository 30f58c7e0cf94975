"""The registry of every Kafka topic: name, partitions, who publishes and who consumes it."""

from dataclasses import dataclass, field

DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True)
class Topic:
    """One topic of the CRM: its name, partition count, owner and consumer groups."""

    name: str
    partitions: int
    owner: str
    consumers: tuple[str, ...] = field(default_factory=tuple)
    description: str = ""

    @property
    def dlq(self) -> str:
        """The dead-letter topic of this topic."""
        return self.name + DLQ_SUFFIX


SERVICES = ("leads", "sales", "service-desk", "reporting")

LEADS_SUBMISSION = Topic(
    "crm.leads.submission.v1", 6, "leads", ("leads", "reporting"), "Web form submissions, durable intake."
)
LEADS_LEAD = Topic("crm.leads.lead.v1", 6, "leads", ("sales", "reporting"), "Lead lifecycle events.")
SALES_ACCOUNT = Topic(
    "crm.sales.account.v1", 6, "sales", ("leads", "service-desk", "reporting"), "Account changes."
)
SALES_CONTACT = Topic(
    "crm.sales.contact.v1", 6, "sales", ("leads", "service-desk", "reporting"), "Contact changes."
)
SALES_OPPORTUNITY = Topic("crm.sales.opportunity.v1", 6, "sales", ("leads", "reporting"), "Opportunities.")
SALES_ORDER = Topic("crm.sales.order.v1", 6, "sales", ("reporting",), "Contracts, orders and payments.")
SALES_USER = Topic(
    "crm.sales.user.v1", 3, "sales", ("leads", "service-desk", "reporting"), "The org directory: users."
)
SALES_TEAM = Topic(
    "crm.sales.team.v1", 3, "sales", ("leads", "service-desk", "reporting"), "The org directory: teams."
)
SALES_QUOTA = Topic("crm.sales.quota.v1", 3, "sales", ("reporting",), "Sales targets per user or team.")
SALES_EXCHANGE_RATE = Topic(
    "crm.sales.exchange-rate.v1", 1, "sales", ("reporting",), "Exchange rates against the base currency."
)
SERVICE_DESK_TICKET = Topic(
    "crm.service-desk.ticket.v1", 6, "service-desk", ("sales", "reporting"), "Ticket lifecycle and SLAs."
)
INTERACTIONS = Topic(
    "crm.interactions.v1", 6, "*", ("reporting",), "One event per customer interaction on any channel."
)

TOPICS: tuple[Topic, ...] = (
    LEADS_SUBMISSION,
    LEADS_LEAD,
    SALES_ACCOUNT,
    SALES_CONTACT,
    SALES_OPPORTUNITY,
    SALES_ORDER,
    SALES_USER,
    SALES_TEAM,
    SALES_QUOTA,
    SALES_EXCHANGE_RATE,
    SERVICE_DESK_TICKET,
    INTERACTIONS,
)


def liveness_topic(service: str) -> str:
    """A one-partition marker topic only `service` creates; its absence means the broker lost its state."""
    return f"crm.runtime.{service}-liveness.v1"



def all_topic_specs(max_partitions: int = 0) -> list[tuple[str, int]]:
    """Every shared topic with its partition count: main topics and their DLQs; `max_partitions` > 0
    caps the counts (the embedded dev broker's setting, `KafkaSettings.topic_partitions`).

    Liveness markers are left out on purpose: each service creates its own, and only its own,
    because their absence is how a service notices that the broker restarted empty.
    """
    def count(partitions: int) -> int:
        return min(partitions, max_partitions) if max_partitions > 0 else partitions

    return [(t.name, count(t.partitions)) for t in TOPICS] + [(t.dlq, 1) for t in TOPICS]


def by_name(name: str) -> Topic:
    """Look a topic up by name."""
    for topic in TOPICS:
        if topic.name == name:
            return topic
    raise KeyError(name)
