"""Topic administration: create the registry's topics explicitly (auto-created ones get 4 partitions)."""

import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from crm_shared.topics import all_topic_specs

log = logging.getLogger(__name__)


async def ensure_topics(
    bootstrap_servers: str,
    specs: list[tuple[str, int]] | None = None,
    replication_factor: int = 1,
) -> list[str]:
    """Create every missing topic of `specs` (default: the whole registry); return the names created."""
    specs = all_topic_specs() if specs is None else specs
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=5000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(n, p, replication_factor) for n, p in specs if n not in existing]
        created = []
        for topic in missing:  # one at a time: a concurrent creator must not fail the others
            try:
                await admin.create_topics([topic])
                created.append(topic.name)
            except TopicAlreadyExistsError:
                pass
        if created:
            log.info("created topics: %s", ", ".join(created))
        return created
    finally:
        await admin.close()


async def list_topics(bootstrap_servers: str) -> set[str]:
    """The names of the topics the broker knows now."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=3000)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()
