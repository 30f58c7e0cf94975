"""Create every topic of the CRM registry, with its partition count, on a Kafka cluster.

Run by the compose `topics` job and the Kubernetes Job before the services start:

    python deploy/create_topics.py --bootstrap-servers kafka:9092 --replication-factor 3

Existing topics are left alone (partitions are only ever raised by hand, see deploy/README.md).
"""

import argparse
import asyncio
import sys
import time

from crm_shared.messaging.admin import ensure_topics
from crm_shared.topics import all_topic_specs


def plan(replication_factor: int = 1) -> list[tuple[str, int]]:
    """The (name, partitions) pairs to create: the registry and its DLQs (services make their own markers)."""
    if replication_factor < 1:
        raise ValueError("replication factor must be at least 1")
    return all_topic_specs()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap-servers", default="127.0.0.1:9092", help="host:port[,host:port]")
    parser.add_argument("--replication-factor", type=int, default=1, help="3 on a real cluster")
    parser.add_argument(
        "--wait-seconds", type=float, default=60.0, help="keep retrying this long until the broker answers"
    )
    return parser.parse_args(argv)


async def create(bootstrap_servers: str, replication_factor: int, wait_seconds: float) -> list[str]:
    """Call ensure_topics until it succeeds or `wait_seconds` have passed; return the names created."""
    specs = plan(replication_factor)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return await ensure_topics(bootstrap_servers, specs, replication_factor)
        except Exception as exc:  # broker not up yet (connection refused, no controller, timeout)
            if time.monotonic() >= deadline:
                raise
            print(f"broker not ready ({type(exc).__name__}: {exc}); retrying", file=sys.stderr)
            await asyncio.sleep(2)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    specs = dict(plan(args.replication_factor))
    try:
        created = asyncio.run(create(args.bootstrap_servers, args.replication_factor, args.wait_seconds))
    except Exception as exc:
        print(f"could not create topics on {args.bootstrap_servers}: {exc}", file=sys.stderr)
        return 1
    for name in created:
        print(f"created {name} partitions={specs[name]} replication={args.replication_factor}")
    present = len(specs) - len(created)
    print(f"{len(created)} created, {present} already present, {len(specs)} in the registry")
    return 0


if __name__ == "__main__":
    sys.exit(main())
