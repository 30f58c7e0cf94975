"""A service's Kafka clients: the FastStream broker with its subscribers, the relay's producer,
and a watchdog that rebuilds them when the broker restarted and forgot everything (DESIGN §3)."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaProducer, ConsumerRecord
from faststream.kafka import KafkaBroker

from crm_shared.messaging.admin import ensure_topics, list_topics
from crm_shared.settings import KafkaSettings
from crm_shared.shutdown import bounded, stop_task
from crm_shared.topics import DLQ_SUFFIX, all_topic_specs, liveness_topic

log = logging.getLogger(__name__)
# FastStream logs every message at INFO; keep its own lines to warnings and errors.
faststream_log = logging.getLogger("crm_shared.faststream")
faststream_log.setLevel(logging.WARNING)

Register = Callable[[KafkaBroker], None]


class KafkaRuntime:
    """Owns the broker clients of one service process and keeps them alive across broker resets."""

    def __init__(
        self,
        service: str,
        settings: KafkaSettings,
        register: Register,
        on_reset: Callable[[], Awaitable[object]] | None = None,
    ):
        self.service, self.settings, self.register = service, settings, register
        self.on_reset = on_reset
        self.broker: KafkaBroker | None = None
        self.producer: AIOKafkaProducer | None = None
        self.stopping = False
        self.resets = 0
        self.healthy = False
        self._watchdog: asyncio.Task | None = None

    def build_broker(self) -> KafkaBroker:
        """A FastStream broker with this service's subscribers declared (also used for AsyncAPI)."""
        broker = KafkaBroker(self.settings.bootstrap_servers, logger=faststream_log, graceful_timeout=10)
        self.register(broker)
        return broker

    async def start(self) -> None:
        """Create topics, start the clients, and the watchdog."""
        self.stopping = False
        await self._start_clients()
        self._watchdog = asyncio.create_task(self._watch(), name=f"{self.service}-kafka-watchdog")

    async def stop(self) -> None:
        """Stop the watchdog and every client."""
        self.stopping = True
        await stop_task(self._watchdog)
        await self._stop_clients()

    async def _start_clients(self) -> None:
        if self.settings.create_topics:
            specs = all_topic_specs(self.settings.topic_partitions)
            await ensure_topics(self.settings.bootstrap_servers, specs, self.settings.replication_factor)
        await ensure_topics(self.settings.bootstrap_servers, [(liveness_topic(self.service), 1)])
        producer = AIOKafkaProducer(
            bootstrap_servers=self.settings.bootstrap_servers,
            acks="all",
            linger_ms=2,
            enable_idempotence=self.settings.producer_idempotence,
        )
        await producer.start()
        self.producer = producer
        broker = self.build_broker()
        await broker.start()
        self.broker = broker
        self.healthy = True

    async def _stop_clients(self) -> None:
        broker, producer = self.broker, self.producer
        self.broker = self.producer = None
        # bounded, not wait_for: a dead broker makes clients fail or hang while closing, and on 3.11
        # wait_for can swallow the watchdog's own cancel (gh-86296)
        if broker is not None:
            await bounded(broker.stop(), f"{self.service}: closing the Kafka consumers", 15)
        if producer is not None:
            await bounded(producer.stop(), f"{self.service}: closing the Kafka producer", 15)

    async def _watch(self) -> None:
        marker = liveness_topic(self.service)
        failures = 0
        while True:
            await asyncio.sleep(self.settings.watchdog_interval_s)
            try:
                topics = await list_topics(self.settings.bootstrap_servers)
            except Exception as error:  # noqa: BLE001 - the broker may be gone for a while
                failures += 1
                self.healthy = False
                log.warning("broker unreachable (%s in a row): %r", failures, error)
                if failures >= 2 and self.broker is not None:
                    # Stop now: a consumer left running would rejoin a reborn broker with stale
                    # state and force a second rebalance on the new one.
                    await self._stop_clients()
                continue
            failures = 0
            if marker not in topics:
                log.warning("broker lost its state (no %s): rebuilding Kafka clients", marker)
                await self.reset(replay=True)
            elif self.broker is None:
                log.warning("broker is back with its state: restarting Kafka clients")
                await self.reset(replay=False)
            else:
                self.healthy = True

    async def reset(self, replay: bool = True) -> None:
        """Rebuild every client; after a broker that restarted empty, re-publish what it lost."""
        self.healthy = False
        await self._stop_clients()
        try:
            await self._start_clients()
        except Exception as error:  # noqa: BLE001 - the watchdog tries again on its next tick
            log.warning("rebuilding Kafka clients failed: %r", error)
            await self._stop_clients()
            return
        if replay:
            self.resets += 1
            if self.on_reset:
                await self.on_reset()

    def assignment(self) -> list[str]:
        """The partitions this process consumes now, as `topic:partition`."""
        if self.broker is None:
            return []
        parts = []
        for subscriber in self.broker.subscribers:
            consumer = getattr(subscriber, "consumer", None)
            if consumer is not None:
                parts += [f"{tp.topic}:{tp.partition}" for tp in consumer.assignment()]
        return sorted(parts)

    async def dead_letter(self, record: ConsumerRecord, reason: str, error: BaseException) -> None:
        """Publish a record that can never be applied to `<topic>.dlq`, with the error and origin."""
        if self.producer is None:
            raise ConnectionError("no producer to dead-letter with")
        headers = list(record.headers or ()) + [
            ("dlq.reason", reason.encode()),
            ("dlq.error", f"{type(error).__name__}: {error}"[:2000].encode()),
            ("dlq.consumer", self.service.encode()),
            ("dlq.origin.topic", record.topic.encode()),
            ("dlq.origin.partition", str(record.partition).encode()),
            ("dlq.origin.offset", str(record.offset).encode()),
        ]
        await self.producer.send_and_wait(
            record.topic + DLQ_SUFFIX, value=record.value, key=record.key, headers=headers
        )
        log.error("dead-lettered %s[%s]@%s: %s %s", record.topic, record.partition, record.offset,
                  reason, error)
